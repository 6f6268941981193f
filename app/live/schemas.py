"""Response models of the live desk API: the queue snapshot as staff and as a site's front desk see it.

Times keep the engine's ``isoformat()`` spelling (``+00:00``, not ``Z``): screens compare them as strings.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, PlainSerializer

from routing import CounselorState, InterpreterState, Priority, QueueState, SafetyFlag

IsoTime = Annotated[datetime, PlainSerializer(lambda value: value.isoformat(), return_type=str)]


class QueueEntryRead(BaseModel):
    request_id: str
    language: str
    priority: Priority
    reoffer: bool
    position: int
    waiting_since: IsoTime
    state: QueueState
    offered_to: str | None
    channel: str | None
    site_id: str | None


class OfferRead(BaseModel):
    request_id: str
    interpreter_id: str
    deadline: IsoTime
    reoffer: bool


class CallRead(BaseModel):
    request_id: str
    language: str
    counselor_id: str
    interpreter_id: str | None
    since: IsoTime
    awaiting_interpreter: bool


class PendingRead(BaseModel):
    request_id: str
    language: str
    since: IsoTime


class CounselorRead(BaseModel):
    counselor_id: str
    languages: list[str]
    state: CounselorState
    request_id: str | None
    idle_since: IsoTime
    wrap_up_until: IsoTime | None = None  # in wrap-up: when it ends at the latest


class InterpreterRead(BaseModel):
    interpreter_id: str
    languages: list[str]
    vendor: str
    gender: str | None
    safety_cleared: list[SafetyFlag]
    state: InterpreterState
    request_id: str | None
    idle_since: IsoTime
    missed_in_row: int


class LiveQueueRead(BaseModel):
    """The whole live desk (counselors and admins): queue, offers, calls, pending fallbacks, roster."""

    model_config = ConfigDict(extra="forbid")

    at: IsoTime | None
    queue: list[QueueEntryRead]
    offers: list[OfferRead]
    calls: list[CallRead]
    pending: list[PendingRead]
    counselors: list[CounselorRead]
    interpreters: list[InterpreterRead]
    held_counselors: int


class SiteQueueRead(BaseModel):
    """A site's own entries only, without the roster (counter staff and tablets)."""

    model_config = ConfigDict(extra="forbid")

    at: IsoTime | None
    queue: list[QueueEntryRead]
