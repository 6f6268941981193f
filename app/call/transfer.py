"""Handing a call to another counselor: who may do it, who could take it, and the routing event.

Routing decides eligibility (present, idle, speaks an on-site language when no interpreter is in the call);
this module adds who may ask (the counselor in the call, or an admin) and the names the picker shows.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.call.schemas import TransferIn, TransferTarget, TransferTargets
from app.call.service import own_call
from app.errors import Conflict
from app.live.desk import LiveDesk
from app.staff.models import StaffUser
from routing import CallTransferred, RoutingConflict


async def transfer_targets(
    session: AsyncSession, desk: LiveDesk, principal: Principal, consultation_id: str
) -> TransferTargets:
    """The counselors the console may offer in its transfer picker (names only: no personal data)."""
    call = await own_call(session, desk, principal, consultation_id, "transfer it")
    try:
        ids = desk.engine.transfer_targets(call.request_id)
    except RoutingConflict as exc:
        raise Conflict(f"this call cannot be transferred now: {exc}") from None
    views = {c.counselor_id: c for c in desk.snapshot().counselors}
    numeric = [int(i) for i in ids if i.isdigit()]
    rows = await session.execute(
        select(StaffUser.id, StaffUser.display_name).where(StaffUser.id.in_(numeric))
    )
    names = {user_id: name for user_id, name in rows}
    return TransferTargets(
        consultation_id=call.request_id,
        counselors=[
            TransferTarget(counselor_id=i, display_name=names[i], languages=list(views[str(i)].languages))
            for i in numeric
            if i in names
        ],
    )


async def transfer(
    session: AsyncSession, desk: LiveDesk, principal: Principal, consultation_id: str, body: TransferIn
) -> None:
    """Hand the call over; routing refuses (409) a target who is not free or cannot serve the language."""
    call = await own_call(session, desk, principal, consultation_id, "transfer it")
    event = CallTransferred(
        at=desk.clock.now(), request_id=call.request_id, to_counselor_id=str(body.to_counselor_id)
    )
    try:
        await desk.submit(event)
    except RoutingConflict as exc:
        raise Conflict(f"this call cannot be transferred to that counselor: {exc}") from None
