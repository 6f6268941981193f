"""Reading the audit trail: filtered pages, a CSV export, and "who read this case" in one query."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, String, and_, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditEvent
from app.staff.models import StaffUser

CASE_READS = ("consultation.read", "consultation.read_personal", "chat.read", "summary.read")
"""Actions that open one case (its id in entity_id)."""
CASE_LISTS = ("consultation.list", "consultation.list_personal")
"""Actions that show a page of cases (their ids in detail["ids"])."""
CSV_HEADER = (
    "at",
    "actor_kind",
    "actor_id",
    "actor_name",
    "action",
    "entity_type",
    "entity_id",
    "detail",
    "ip",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run these as formulas


@dataclass(frozen=True)
class AuditFilters:
    """Every filter is optional; `case` matches the case itself and the lists that showed it."""

    actor_kind: str | None = None
    actor_id: str | None = None
    action: str | None = None
    case: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class CaseReader:
    actor_kind: str
    actor_id: str | None
    actor_name: str | None
    action: str
    first_at: datetime
    last_at: datetime
    times: int


def _staff_name() -> tuple[object, ...]:
    return (
        StaffUser,
        and_(AuditEvent.actor_kind == "staff", cast(StaffUser.id, String) == AuditEvent.actor_id),
    )


def _shows_case(case: str) -> ColumnElement[bool]:
    """The case's own reads and changes, or a list whose ids included it (its quoted id in the JSON text)."""
    return or_(
        and_(AuditEvent.entity_type == "consultation", AuditEvent.entity_id == case),
        and_(
            AuditEvent.action.in_(CASE_LISTS),
            cast(AuditEvent.detail, String).contains(f'"{case}"', autoescape=True),
        ),
    )


def _filtered(query: Select[AuditEvent, str], filters: AuditFilters) -> Select[AuditEvent, str]:
    if filters.actor_kind is not None:
        query = query.where(AuditEvent.actor_kind == filters.actor_kind)
    if filters.actor_id is not None:
        query = query.where(AuditEvent.actor_id == filters.actor_id)
    if filters.action is not None:
        query = query.where(AuditEvent.action == filters.action)
    if filters.case is not None:
        query = query.where(_shows_case(filters.case))
    if filters.since is not None:
        query = query.where(AuditEvent.at >= filters.since)
    if filters.until is not None:
        query = query.where(AuditEvent.at < filters.until)
    return query


async def search(
    session: AsyncSession, filters: AuditFilters, *, limit: int, offset: int = 0
) -> tuple[int, list[tuple[AuditEvent, str | None]]]:
    """The matching events newest first (with the staff member's username), and how many match in all."""
    base = select(AuditEvent, StaffUser.username).outerjoin(*_staff_name())  # type: ignore[arg-type]
    query = _filtered(base, filters)
    total = await session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = await session.execute(
        query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit).offset(offset)
    )
    return int(total or 0), [(row[0], row[1]) for row in rows]


async def case_readers(session: AsyncSession, case: str) -> list[CaseReader]:
    """Who read which case: every actor that opened it or listed it, per action, first and last time, in one
    grouped query."""
    query = (
        select(
            AuditEvent.actor_kind,
            AuditEvent.actor_id,
            StaffUser.username,
            AuditEvent.action,
            func.min(AuditEvent.at),
            func.max(AuditEvent.at),
            func.count(),
        )
        .outerjoin(*_staff_name())  # type: ignore[arg-type]
        .where(AuditEvent.action.in_(CASE_READS + CASE_LISTS), _shows_case(case))
        .group_by(AuditEvent.actor_kind, AuditEvent.actor_id, StaffUser.username, AuditEvent.action)
        .order_by(func.min(AuditEvent.at))
    )
    rows = await session.execute(query)
    return [CaseReader(*row) for row in rows]


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(rows: Iterable[tuple[AuditEvent, str | None]]) -> bytes:
    """UTF-8 with a BOM (Excel reads the Japanese); cells a spreadsheet would run as formulas are quoted."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for event, name in rows:
        detail = json.dumps(event.detail, ensure_ascii=False, sort_keys=True) if event.detail else ""
        values: Sequence[object] = (
            event.at.isoformat(),
            event.actor_kind,
            event.actor_id,
            name,
            event.action,
            event.entity_type,
            event.entity_id,
            detail,
            event.client_ip,
        )
        writer.writerow([_cell(value) for value in values])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
