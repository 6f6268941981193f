"""The pre-call device check: the browser sends camera and microphone to a server echo and reads figures."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request, status
from pydantic import BaseModel, ConfigDict, Field

from app.call.device_check_schemas import DeviceCheckReportRead
from app.errors import THROTTLED, UNAVAILABLE, DomainError, InvalidField, NotFound, TooManyRequests
from app.security.client_address import client_address
from realtime.peers.device_check import (
    DeviceCheck,
    DeviceCheckBusy,
    DeviceCheckError,
    DeviceCheckTooMany,
    UnknownSession,
)

router = APIRouter(prefix="/device-check", tags=["calls"])


class Busy(DomainError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE


class SdpOffer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["offer"]
    sdp: str = Field(min_length=10, max_length=32768, description="complete SDP (wait for ICE gathering)")


class SdpAnswer(BaseModel):
    session_id: str
    type: Literal["answer"] = "answer"
    sdp: str


def get_device_check(request: Request) -> DeviceCheck:
    check: DeviceCheck = request.app.state.device_check
    return check


DeviceCheckDep = Annotated[DeviceCheck, Depends(get_device_check)]


@router.post(
    "", response_model=SdpAnswer, status_code=status.HTTP_201_CREATED, responses={**THROTTLED, **UNAVAILABLE}
)
async def start_device_check(offer: SdpOffer, request: Request, check: DeviceCheckDep) -> SdpAnswer:
    """Open an echo session: you will see and hear yourself back; poll the report for the figures.

    Anonymous, so bounded: one address runs a few checks at once, a check that does not connect soon is
    closed, and only the offer's ICE candidates on the sender's own address are checked (the server never
    probes other hosts named in an offer)."""
    try:
        session_id, answer = await check.answer(offer.sdp, client_address(request))
    except DeviceCheckTooMany:
        raise TooManyRequests(
            "a device check from your address is still running; end it (DELETE) or wait a minute",
            check.connect_within_s,
        ) from None
    except DeviceCheckBusy:
        raise Busy("too many device checks are running; try again in a minute") from None
    except DeviceCheckError as exc:
        raise InvalidField(("body", "sdp"), f"the SDP offer cannot be answered: {exc}") from None
    return SdpAnswer(session_id=session_id, sdp=answer)


@router.get("/{session_id}", response_model=DeviceCheckReportRead)
async def device_check_report(session_id: str, check: DeviceCheckDep) -> DeviceCheckReportRead:
    """Round-trip time, packet loss and whether audio and video arrived, as measured by the server."""
    try:
        report = await check.report(session_id)
    except UnknownSession:
        raise NotFound(f"no device check {session_id!r} (finished or expired)") from None
    return DeviceCheckReportRead.model_validate(report.to_dict())


@router.delete("/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
async def end_device_check(session_id: str, check: DeviceCheckDep) -> None:
    """Stop the echo and free the server's share of a core."""
    try:
        await check.close(session_id)
    except UnknownSession:
        raise NotFound(f"no device check {session_id!r} (finished or expired)") from None
