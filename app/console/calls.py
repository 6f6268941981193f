"""The call a counselor acts on: theirs (or any, for an admin), found through the live desk."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.consultation.service import case_in_scope
from app.enums import Role
from app.errors import Conflict, Forbidden
from app.live.desk import LiveDesk
from routing import CallView


async def own_call(
    session: AsyncSession, desk: LiveDesk, principal: Principal, consultation_id: str, doing: str
) -> CallView:
    """The case's running call: 404 out of scope, 409 not in a call, 403 unless theirs (or an admin)."""
    case = await case_in_scope(session, principal, consultation_id)
    call = next((c for c in desk.snapshot().calls if c.request_id == case.public_id), None)
    if call is None:
        raise Conflict("this consultation is not in a call")
    if principal.role != Role.admin and call.counselor_id != str(principal.staff_user_id):
        raise Forbidden(f"only the counselor in this call (or an admin) can {doing}")
    return call
