"""Actions on a running call: end it, take a fallback instead of waiting, ask for an interpreter, transfer."""

from __future__ import annotations

from fastapi import APIRouter, status

from app.call import service, transfer
from app.call.schemas import FallbackIn, TransferIn, TransferTargets
from app.consultation.service import case_in_scope
from app.deps import Counselor, DbSession, DeskDep, Front, GatewayDep
from app.errors import UNAVAILABLE

router = APIRouter(prefix="/consultations", tags=["calls"], responses=UNAVAILABLE)


@router.post("/{consultation_id}/fallback", status_code=status.HTTP_204_NO_CONTENT)
async def accept_fallback(
    consultation_id: str, body: FallbackIn, db: DbSession, desk: DeskDep, principal: Front
) -> None:
    """The resident chose machine-translated chat, a callback or a reservation instead of waiting."""
    case = await case_in_scope(db, principal, consultation_id)
    await service.accept_fallback(desk, case.public_id, body.option)


@router.post("/{consultation_id}/end", status_code=status.HTTP_204_NO_CONTENT)
async def end_call(
    consultation_id: str, db: DbSession, desk: DeskDep, gateway: GatewayDep, principal: Counselor
) -> None:
    """End the call for everyone; the consultation is served and its call legs are closed."""
    case = await case_in_scope(db, principal, consultation_id)
    await service.end_call(desk, gateway, case.public_id)


@router.post("/{consultation_id}/interpreter-request", status_code=status.HTTP_204_NO_CONTENT)
async def request_interpreter(
    consultation_id: str, db: DbSession, desk: DeskDep, principal: Counselor
) -> None:
    """Ask for a remote interpreter to join your call (the case's language); the pool is rung at once, the
    call goes on meanwhile, and the interpreter who accepts is invited into the room."""
    await service.request_interpreter(db, desk, principal, consultation_id)


@router.get("/{consultation_id}/transfer-targets", response_model=TransferTargets)
async def list_transfer_targets(
    consultation_id: str, db: DbSession, desk: DeskDep, principal: Counselor
) -> TransferTargets:
    """Counselors present and free who could take your call now (for the console's transfer picker)."""
    return await transfer.transfer_targets(db, desk, principal, consultation_id)


@router.post("/{consultation_id}/transfer", status_code=status.HTTP_204_NO_CONTENT)
async def transfer_call(
    consultation_id: str, body: TransferIn, db: DbSession, desk: DeskDep, principal: Counselor
) -> None:
    """Hand your call to a free colleague: they are invited into the running call (same interpreter), and
    your console is told to leave it; you are free for the next consultation at once."""
    await transfer.transfer(db, desk, principal, consultation_id, body)
