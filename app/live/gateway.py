"""What people do live (go available, accept an offer, join a call) as routing events and room frames.

Shared by the websocket and the REST API, so both behave the same. Transport-free: it publishes through the
hub and never touches a socket.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Literal, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.errors import Conflict, NotFound, ServiceUnavailable
from app.interpreter.models import Interpreter
from app.live import topics
from app.live.desk import LiveDesk
from app.staff.models import StaffUser
from realtime.presence import PresenceTracker, WatchTracker
from realtime.protocol import ErrorCode, ErrorMessage, encode
from realtime.rooms import ParticipantJoined, ParticipantRejoined, RoomError, RoomEvent
from realtime.rooms import ParticipantLeft as RoomParticipantLeft
from realtime.signaling import Outcome as RoomOutcome
from realtime.signaling import RoomMessage, RoomSignaling
from routing import (
    AbandonReason,
    ConsultationAbandoned,
    CounselorAway,
    CounselorPresent,
    InterpreterAvailable,
    InterpreterAway,
    InterpreterOffline,
    OfferAccepted,
    OfferDeclined,
    ParticipantLeft,
    Role,
    RoutingConflict,
    SafetyFlag,
    WrapUpEnded,
)

log = logging.getLogger(__name__)

PresenceState = Literal["available", "away"]


class OfferGone(Conflict):
    """Accepting or declining an offer that is no longer ringing for you."""


class RoomEventRecorder(Protocol):
    """Writes the room's joins and leaves (the call legs); given by the app, so live never imports call."""

    async def record(self, events: Sequence[RoomEvent]) -> None: ...


class Gateway:
    """Presence, offers and rooms of one process; also who is still there: residents watching their waiting
    case (`residents`) and call members who dropped out and may come back within the rejoin grace."""

    def __init__(
        self,
        desk: LiveDesk,
        sessionmaker: async_sessionmaker[AsyncSession],
        signaling: RoomSignaling,
        interpreter_presence: PresenceTracker,
        counselor_presence: PresenceTracker,
        call_legs: RoomEventRecorder,
        residents: WatchTracker | None = None,
        rejoin_grace: timedelta = timedelta(seconds=30),
    ) -> None:
        self.desk = desk
        self._sessionmaker = sessionmaker
        self.signaling = signaling
        self.interpreters = interpreter_presence
        self.counselors = counselor_presence
        self.residents = residents or WatchTracker(gone_after=timedelta(seconds=60))
        self._call_legs = call_legs
        self.rejoin_grace = rejoin_grace
        # (consultation, interpreter id) -> when their drop-out counts: a reload mid-call is not leaving it
        self._rejoin_by: dict[tuple[str, str], datetime] = {}
        # members another process said are connected to it (`vouched`), and when: kept in routing by that
        # process's sweeper, so an entry made here only to wait for their reconnect must not lapse them
        self._vouched: dict[PresenceTracker, dict[str, datetime]] = {
            self.interpreters: {},
            self.counselors: {},
        }

    # -- presence -----------------------------------------------------------------------------------------

    async def interpreter_state(self, interpreter_id: int, state: PresenceState, now: datetime) -> None:
        self.interpreters.announce(str(interpreter_id), state, now)
        if state == "away":
            await self._quietly(InterpreterAway(at=now, interpreter_id=str(interpreter_id)))
            return
        await self.desk.submit(await self._interpreter_available(interpreter_id, now))

    async def _interpreter_available(self, interpreter_id: int, now: datetime) -> InterpreterAvailable:
        async with self._sessionmaker() as session:
            interpreter = await session.get(Interpreter, interpreter_id)
            if interpreter is None or not interpreter.active:
                raise NotFound("this interpreter account is not active")
            cleared = frozenset(
                flag
                for flag, ok in (
                    (SafetyFlag.DV, interpreter.dv_cleared),
                    (SafetyFlag.CHILD, interpreter.child_cleared),
                )
                if ok
            )
            return InterpreterAvailable(
                at=now,
                interpreter_id=str(interpreter.id),
                languages=frozenset(lang.code for lang in interpreter.languages),
                vendor=interpreter.vendor,
                gender=interpreter.gender.value if interpreter.gender else None,
                safety_cleared=cleared,
            )

    async def counselor_state(self, staff_user_id: int, state: PresenceState, now: datetime) -> None:
        self.counselors.announce(str(staff_user_id), state, now)
        if state == "away":
            await self._quietly(CounselorAway(at=now, counselor_id=str(staff_user_id)))
            return
        await self.desk.submit(await self._counselor_present(staff_user_id, now))

    async def _counselor_present(self, staff_user_id: int, now: datetime) -> CounselorPresent:
        async with self._sessionmaker() as session:
            user = await session.get(StaffUser, staff_user_id)
            if user is None or not user.active:
                raise NotFound("this staff account is not active")
            languages = frozenset(lang.code for lang in user.languages)
        return CounselorPresent(at=now, counselor_id=str(staff_user_id), languages=languages)

    async def reannounce(self, now: datetime) -> int:
        """A new leader rebuilt routing and set everyone away (it cannot see other processes' sockets): say
        again who is present here, as they were, so nobody connected must press "available" again. Only what
        this process still tracks is said (its sweeper lets the silent lapse as usual); members of a process
        that died are re-announced by nobody and stay away. Returns how many were re-announced."""
        said = 0
        for pool, present in (
            (self.interpreters, self._interpreter_available),
            (self.counselors, self._counselor_present),
        ):
            for entry in pool.entries():
                if entry.state != "available" or not entry.member_id.isdigit():
                    continue
                try:
                    event = await present(int(entry.member_id), now)
                    still = pool.get(entry.member_id)
                    if still is None or still.state != "available":
                        continue  # swept (or gone away) while this ran: saying it now would bring them back
                    await self.desk.submit(event)
                    said += 1
                except (NotFound, RoutingConflict, ServiceUnavailable) as exc:
                    log.warning("could not re-announce member %s to the new leader: %s", entry.member_id, exc)
        return said

    async def sweep(self, now: datetime) -> None:
        """Whoever is gone past their grace leaves routing: members silent past the timeout (the rejoin grace
        in a call; calls re-offered if needed), interpreters who dropped out of a call and did not rejoin,
        and residents whose screens are gone (their case is abandoned, its offers withdrawn)."""
        calls = self.desk.snapshot().calls
        in_call_interpreters = frozenset(c.interpreter_id for c in calls if c.interpreter_id is not None)
        for gone in self.interpreters.sweep(now, in_call_interpreters):
            await self._quietly(InterpreterOffline(at=now, interpreter_id=gone.member_id))
        for gone in self.counselors.sweep(now, frozenset(c.counselor_id for c in calls)):
            await self._quietly(CounselorAway(at=now, counselor_id=gone.member_id))
        for (consultation_id, interpreter_id), deadline in sorted(self._rejoin_by.items()):
            if now >= deadline:
                del self._rejoin_by[(consultation_id, interpreter_id)]
                if not await self._back_in_room(consultation_id, interpreter_id):
                    await self._interpreter_left(consultation_id, interpreter_id, now)
        for consultation_id in self.residents.sweep(now):
            log.info("resident of %s is gone: letting the case go", consultation_id)
            await self._quietly(
                ConsultationAbandoned(at=now, request_id=consultation_id, reason=AbandonReason.RESIDENT_LEFT)
            )

    def expect_reconnect(self, now: datetime) -> None:
        """After a start, members kept for something in progress (a ringing offer, the counselor it holds)
        count as seen now: like presence set over REST they lapse after the timeout unless a console
        reconnects, and the sweeper then lets them go (a ringing offer is re-offered). Members another process
        vouched for lately (`vouched`: connected there, swept there) are left to it."""
        kept = self.desk.awaiting_reconnect
        for pool, members in ((self.interpreters, kept.interpreters), (self.counselors, kept.counselors)):
            vouched = self._vouched[pool]
            for member_id in sorted(members):
                said = vouched.get(member_id)
                if said is None or now - said > pool.timeout:  # no other process tracks them lately
                    pool.announce(member_id, "available", now)

    def present_here(self) -> dict[str, list[str]]:
        """Who this process tracks (open sockets, and the silent it will sweep itself): said to a new leader
        so that it does not lapse, for want of heartbeats on its own sockets, members connected here."""
        return {
            "interpreters": [e.member_id for e in self.interpreters.entries()],
            "counselors": [e.member_id for e in self.counselors.entries()],
        }

    def awaiting_vouch(self) -> bool:
        """Is a member kept here only for a reconnect (`expect_reconnect`: no socket here) still unvouched?"""
        kept = self.desk.awaiting_reconnect
        for pool, members in ((self.interpreters, kept.interpreters), (self.counselors, kept.counselors)):
            for member_id in members:
                entry = pool.get(member_id)
                if entry is not None and not entry.socket_open:
                    return True
        return False

    def vouched(self, interpreters: Iterable[str], counselors: Iterable[str], now: datetime) -> None:
        """Another process tracks these members (`present_here`) and lets them go itself if they fall silent:
        an entry kept here only for their reconnect (no socket here) is dropped, before or after
        `expect_reconnect`. Members nobody vouches for (a dead process's) still lapse here."""
        for pool, members in ((self.interpreters, interpreters), (self.counselors, counselors)):
            for member_id in members:
                self._vouched[pool][member_id] = now
                entry = pool.get(member_id)
                if entry is not None and not entry.socket_open:
                    pool.remove(member_id, now)

    def expect_rejoin(self, now: datetime) -> None:
        """After a start nobody is in the reopened rooms: interpreters of calls in progress have the rejoin
        grace to come back before routing looks for another one."""
        for call in self.desk.snapshot().calls:
            if call.interpreter_id is not None:
                self._rejoin_by[(call.request_id, call.interpreter_id)] = now + self.rejoin_grace

    def watch(self, connection_id: str, consultation_id: str, now: datetime) -> None:
        """A resident's screen (counter tablet, own device) follows its case: it is kept while watched."""
        self.residents.watch(consultation_id, connection_id, now)

    def alive(self, connection_id: str, now: datetime) -> None:
        """A frame (a heartbeat is enough) from a socket: the residents' cases it watches are kept."""
        self.residents.touch(connection_id, now)

    async def record_saved(self, staff_user_id: int, now: datetime) -> None:
        """The counselor saved a case record: their wrap-up is over (no-op when not in one)."""
        await self._quietly(WrapUpEnded(at=now, counselor_id=str(staff_user_id)))

    async def _quietly(
        self,
        event: InterpreterAway | InterpreterOffline | CounselorAway | ConsultationAbandoned | WrapUpEnded,
    ) -> None:
        """Leaving when routing never saw you arrive (or the case already moved on) is not an error."""
        try:
            await self.desk.submit(event)
        except RoutingConflict as exc:
            log.debug("ignored %s: %s", type(event).__name__, exc)

    # -- offers -------------------------------------------------------------------------------------------

    async def answer_offer(self, interpreter_id: int, offer_id: str, accept: bool, now: datetime) -> None:
        parsed = topics.parse_offer_id(offer_id)
        if parsed is None or parsed[1] != str(interpreter_id):
            raise OfferGone(f"offer {offer_id!r} is not yours or not well-formed")
        request_id, _ = parsed
        event = (OfferAccepted if accept else OfferDeclined)(
            at=now, request_id=request_id, interpreter_id=str(interpreter_id)
        )
        try:
            await self.desk.submit(event)
        except RoutingConflict as exc:
            raise OfferGone(f"this offer is no longer open ({exc})") from None

    # -- rooms --------------------------------------------------------------------------------------------

    async def room_frame(
        self, connection_id: str, msg: RoomMessage, now: datetime, participant: str | None
    ) -> None:
        outcome = await self.signaling.handle(connection_id, msg, now, principal=participant)
        await self._deliver(outcome, now)

    async def disconnected(self, connection_id: str, now: datetime) -> None:
        self.interpreters.disconnect(connection_id, now)
        self.counselors.disconnect(connection_id, now)
        self.residents.disconnect(connection_id, now)
        try:
            outcome = await self.signaling.disconnected(connection_id, now)
        except RoomError as exc:  # shared rooms unreachable: the others see the member's media stop instead
            log.warning("connection %s closed but its rooms could not be left: %s", connection_id, exc)
            return
        await self._deliver(outcome, now)

    async def close_room(self, consultation_id: str, now: datetime) -> None:
        room = await self.signaling.registry.get(consultation_id)
        if room is not None and room.is_open:
            await self._deliver(await self.signaling.close_room(consultation_id, now, "ended"), now)

    async def _deliver(self, outcome: RoomOutcome, now: datetime) -> None:
        # Frames first: a participant must get its room.joined before any peer's signal.offer, and signals are
        # relayed without waiting on the database.
        for out in outcome.outbound:
            self.desk.hub.publish(topics.connection(out.connection_id), encode(out.message))
        await self._call_legs.record(outcome.events)
        for event in outcome.events:
            match event:
                case ParticipantJoined() | ParticipantRejoined() if event.role == "interpreter":
                    interpreter_id = event.participant_id.removeprefix("interp-")
                    self._rejoin_by.pop((event.consultation_id, interpreter_id), None)
                case RoomParticipantLeft() if event.interpreter_left_mid_call:
                    interpreter_id = event.participant_id.removeprefix("interp-")
                    if event.reason == "disconnected" and self.rejoin_grace > timedelta(0):  # a reload
                        deadline = now + self.rejoin_grace
                        self._rejoin_by[(event.consultation_id, interpreter_id)] = deadline
                    else:
                        await self._interpreter_left(event.consultation_id, interpreter_id, now)

    async def _back_in_room(self, consultation_id: str, interpreter_id: str) -> bool:
        """In a cluster the interpreter may have rejoined through another process: the shared room says so."""
        try:
            room = await self.signaling.registry.store.open_room_of(consultation_id)
        except RoomError as exc:
            log.warning("could not look whether the interpreter rejoined %s: %s", consultation_id, exc)
            return False
        participant = topics.interpreter_participant(interpreter_id)
        return room is not None and room.participant(participant) is not None

    async def _interpreter_left(self, consultation_id: str, interpreter_id: str, now: datetime) -> None:
        try:
            await self.desk.submit(
                ParticipantLeft(
                    at=now,
                    request_id=consultation_id,
                    role=Role.INTERPRETER,
                    participant_id=interpreter_id,
                )
            )
        except RoutingConflict as exc:
            log.info("interpreter left a call routing had closed: %s", exc)


def error_frame(code: ErrorCode, message: str, field: str | None = None) -> str:
    return encode(ErrorMessage(code=code, message=message, field=field))


async def interpreter_id_of(session: AsyncSession, staff_user_id: int) -> int | None:
    return await session.scalar(select(Interpreter.id).where(Interpreter.staff_user_id == staff_user_id))
