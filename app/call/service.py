"""Use cases on a running call, each one routing event submitted to the live desk.

Routing decides whether the event is allowed now; a refusal (`RoutingConflict`) becomes a 409 that says
which action could not be taken.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.consultation.service import case_in_scope
from app.enums import Role
from app.errors import Conflict, Forbidden
from app.live.desk import LiveDesk
from app.live.gateway import Gateway
from routing import (
    CallEnded,
    CallView,
    FallbackAccepted,
    FallbackOption,
    InterpreterRequested,
    RoutingConflict,
)


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


async def request_interpreter(
    session: AsyncSession, desk: LiveDesk, principal: Principal, consultation_id: str
) -> None:
    """Ring the interpreter pool for the counselor's running call; the call goes on meanwhile."""
    call = await own_call(session, desk, principal, consultation_id, "ask for an interpreter")
    try:
        await desk.submit(InterpreterRequested(at=desk.clock.now(), request_id=call.request_id))
    except RoutingConflict as exc:
        raise Conflict(f"no interpreter can be requested now: {exc}") from None


async def end_call(desk: LiveDesk, gateway: Gateway, public_id: str) -> None:
    """End the call for everyone: routing serves the consultation, then the room closes (legs end)."""
    now = desk.clock.now()
    try:
        # the counselor wraps up (offered nothing) until the record is saved or the policy's limit passes
        await desk.submit(CallEnded(at=now, request_id=public_id, counselor_wrap_up=True))
    except RoutingConflict as exc:
        raise Conflict(f"this consultation is not in a call: {exc}") from None
    await gateway.close_room(public_id, now)


async def accept_fallback(desk: LiveDesk, public_id: str, option: FallbackOption) -> None:
    """The resident takes machine-translated chat, a callback or a reservation instead of waiting.

    The one way a fallback is accepted: the desk's REST endpoint and the chat's both come here.
    """
    try:
        await desk.submit(FallbackAccepted(at=desk.clock.now(), request_id=public_id, option=option))
    except RoutingConflict as exc:
        raise Conflict(f"no fallback can be taken for this consultation now: {exc}") from None
