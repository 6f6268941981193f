"""The audit trail's filters as a request dependency, shared by its API and its page."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import Depends, Query

from app.audit.viewer import AuditFilters
from app.errors import InvalidField


def audit_filters(
    actor_kind: Annotated[Literal["staff", "device", "system", "anonymous"] | None, Query()] = None,
    actor_id: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=64, examples=["consultation.read"])] = None,
    case: Annotated[str | None, Query(max_length=64, description="a case's public id")] = None,
    since: Annotated[datetime | None, Query(description="from this instant (inclusive), with a zone")] = None,
    until: Annotated[datetime | None, Query(description="before this instant, with a zone")] = None,
) -> AuditFilters:
    for name, moment in (("since", since), ("until", until)):
        if moment is not None and moment.tzinfo is None:
            raise InvalidField(("query", name), "give the time with its zone, e.g. 2026-12-01T00:00:00+09:00")
    if since is not None and until is not None and until <= since:
        raise InvalidField(("query", "until"), "until must be after since")
    return AuditFilters(actor_kind, actor_id, action, case, since, until)


Filters = Annotated[AuditFilters, Depends(audit_filters)]
