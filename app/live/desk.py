"""The live desk: feeds routing events to the engine, journals them, applies decisions, pushes to screens.

Event sourcing keeps it honest: an event is accepted only if the engine accepts it, and it is journalled with
its decisions (and the policy version they were decided under) in the same transaction as the consultation
rows they change; every so often that transaction also saves a checkpoint of the engine's state. If it fails,
the engine is rebuilt from the journal, so memory never runs ahead of the database. After a restart the newest
checkpoint plus the events after it are replayed (app/live/journal.py), and consultations stored but never
routed (a crash between intake and routing) are routed then.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.clock import Clock
from app.cluster.forwarding import Forwarding
from app.cluster.lease import Lease, LeaseHeldElsewhere, NotLeader
from app.config import Settings
from app.consultation.models import Consultation
from app.enums import Channel, ConsultationStatus
from app.language.models import Language
from app.live import journal, topics
from app.live.desk_calendar import service as desk_calendar
from app.live.frames import CallTransferred, QueueChanged
from app.live.hub import Hub
from app.live.journal import JournalStatus
from app.live.models import RoutingDecision, RoutingEvent
from app.live.policy import build_policy
from app.live.pushes import Push, WaitTold, forced_away, offer_frame, pushes_for, wait_updates
from app.live.transitions import advance_case
from app.reservation.routing_fields import with_reservation
from realtime.protocol import encode
from realtime.roles import Role as RoomRole
from realtime.rooms import Room, RoomError, RoomRegistry
from realtime.signaling import make_invite
from routing import (
    Assigned,
    Closed,
    ConsultationRequested,
    CounselorAway,
    CounselorState,
    Decision,
    DeskPolicy,
    Engine,
    Event,
    InterpreterAway,
    InterpreterSetAway,
    InterpreterState,
    LanguageAvailability,
    Offered,
    Priority,
    Queued,
    QueuePosition,
    SafetyFlag,
    Snapshot,
    Tick,
    Transferred,
    decision_to_dict,
    policy_version,
)

log = logging.getLogger(__name__)

TICK_SECONDS = 1.0
WAIT_STEP_S = 0.25  # how often a starting process looks whether a departed holder's lease has expired
ROUTE_STRANDED_EVERY = 5  # lease steps: how often the leader routes cases stored while no process led
INVITE_TTL_S = 300
RESIDENT_INVITE_TTL_S = 3600


def requested_event(consultation: Consultation, at: datetime | None = None) -> ConsultationRequested:
    """The routing request for a stored case (what routing may know: never the resident's name)."""
    flags = set()
    if consultation.safety_dv:
        flags.add(SafetyFlag.DV)
    if consultation.safety_child:
        flags.add(SafetyFlag.CHILD)
    preference = consultation.interpreter_gender_preference
    return ConsultationRequested(
        at=at or consultation.requested_at,
        request_id=consultation.public_id,
        language=consultation.language_code,
        priority=Priority.URGENT if consultation.urgent else Priority.NORMAL,
        safety_flags=frozenset(flags),
        gender_preference=preference.value if preference else None,
        channel=consultation.channel.value,
        site_id=str(consultation.site_id) if consultation.site_id is not None else None,
    )


@dataclass(frozen=True, slots=True)
class AwaitingReconnect:
    """Members kept present after a start because something of theirs is in progress; they lapse after the
    heartbeat timeout unless their console reconnects (`Gateway.expect_reconnect`)."""

    interpreters: frozenset[str] = frozenset()
    counselors: frozenset[str] = frozenset()


class LiveDesk:
    """One per process; holds the engine and serialises every event through it.

    Embedded (SQLite) it always leads. On PostgreSQL it leads only while it holds the routing lease
    (app/cluster/lease.py): every journal write is fenced by the lease's epoch. A follower keeps a read model
    (the engine rebuilt from checkpoint plus tail whenever the journal moved) for queues and availability,
    refuses routing events with NotLeader (503), and takes the lease when the leader's expires.
    """

    def __init__(
        self,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        hub: Hub,
        rooms: RoomRegistry,
        clock: Clock,
        lease: Lease | None = None,
        forwarding: Forwarding | None = None,
    ) -> None:
        self._settings = settings
        self._lease = lease
        self._forwarding = forwarding
        self._server: asyncio.Task[None] | None = None
        self._keeper: asyncio.Task[None] | None = None
        self._tick = True
        self._steps = 0
        self.clock = clock
        self._sessionmaker = sessionmaker
        self.hub = hub
        self.rooms = rooms
        self._lock = asyncio.Lock()
        self._engine: Engine | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._last_offer_ids: dict[tuple[str, str], str] = {}
        self._wait_told: WaitTold = {}  # what each waiting case's watchers last heard (`wait_updates`)
        self.awaiting_reconnect = AwaitingReconnect()
        # called each time this process starts leading, after the rebuild set the unseen away (runtime asks
        # every process to re-announce who is connected to it)
        self.on_lead: Callable[[], None] | None = None
        # called after each lease step (leader or follower), so the runtime can repeat what must be heard
        self.on_step: Callable[[], None] | None = None
        self._policy_version = ""
        self._last_seq = 0  # the newest journalled event the engine includes
        self._checkpoint_seq: int | None = None
        self._checkpoint_at: datetime | None = None  # routing time of the last checkpoint written or read
        self._since_checkpoint = 0  # events journalled after it
        self._calendar_from: date | None = None  # the local day the next stored calendar takes effect

    # -- life cycle ---------------------------------------------------------------------------------------

    async def start(self, *, tick: bool = True) -> None:
        """Lead (rebuild, route what was stored but never routed, keep time) or, in a cluster, follow."""
        self._tick = tick
        lease = self._lease
        if lease is None:
            await self._lead()
            return
        if not await lease.try_take() and not self._settings.cluster:
            await self._wait_for_lease(lease)
        if lease.held:
            log.info("routing: leading (lease epoch %s, node %s)", lease.epoch, lease.node_id)
            await self._lead()
        else:
            log.info("routing: following (node %s)", lease.node_id)
            async with self._lock:
                self._engine = await self._rebuild()
        await lease.heartbeat(self.role)
        self._keeper = asyncio.create_task(self._keep_lease(lease), name="routing-lease")

    async def _lead(self) -> None:
        async with self._lock:
            self._engine = await self._rebuild(save=True)
        await self._reopen_rooms()
        await self._nobody_connected()
        await self.route_unrouted()
        await self.submit(Tick(at=self.clock.now()))
        if self._tick:
            self._ticker = asyncio.create_task(self._keep_time(), name="routing-ticker")
        if self._forwarding is not None and (self._server is None or self._server.done()):
            self._server = asyncio.create_task(
                self._forwarding.serve(self.submit, lambda: self.role == "leader"), name="routing-forwarded"
            )
        if self.on_lead is not None:
            self.on_lead()

    async def _wait_for_lease(self, lease: Lease) -> None:
        """Not a cluster: a lease left by a process that died is waited out; a live holder is a mistake."""
        for _ in range(int((lease.ttl_s + 1) / WAIT_STEP_S) + 1):
            await asyncio.sleep(WAIT_STEP_S)
            if await lease.try_take():
                return
        view = await lease.view()
        holder = view.node_id if view is not None else "unknown"
        raise LeaseHeldElsewhere(
            f"another process ({holder}) leads routing on this PostgreSQL database: two processes that are "
            "not one cluster would be two desks on one journal. To run several processes, set "
            "MADOGUCHI_CLUSTER=true and MADOGUCHI_REDIS_URL=redis://host:6379/0 on every process; "
            "otherwise stop the other process."
        )

    async def _keep_lease(self, lease: Lease) -> None:
        while True:
            await asyncio.sleep(self._settings.cluster_renew_seconds)
            try:
                await self.check_lease()
            except Exception:  # keep trying: a database hiccup must not end leadership checks for good
                log.exception("routing lease step failed")

    async def check_lease(self) -> None:
        """Leader: renew, or step down. Follower: take an expired lease and lead, or refresh the reads."""
        lease = self._lease
        if lease is None:
            return
        self._steps += 1
        if lease.held:
            if not await lease.renew():
                log.warning("routing lease lost (another process took it): following")
                await self._step_down()
            elif self._steps % ROUTE_STRANDED_EVERY == 0:
                await self.route_unrouted()
        elif await lease.try_take():
            log.warning(
                "routing: took the lease (epoch %s), leading from checkpoint plus journal", lease.epoch
            )
            await self._lead()
        else:
            await self._follow()
        await lease.heartbeat(self.role)
        if self.on_step is not None:
            self.on_step()

    async def _follow(self) -> None:
        """A follower's read model applies the events journalled since it last looked (the leader's own
        decisions are compared on the way); a full rebuild only when that cannot be trusted."""
        async with self._lock:
            if self._engine is None or (self._lease is not None and self._lease.held):
                return
            async with self._sessionmaker() as session:
                newest = await journal.catch_up(
                    session, self._engine, self._last_seq, self._policy_version, self._remember_offer_of
                )
            if newest is None:
                self._engine = await self._rebuild()
            else:
                self._last_seq = newest

    async def _step_down(self) -> None:
        self._stop_ticker()
        async with self._lock:
            self._engine = await self._rebuild()

    def _stop_ticker(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()  # not awaited: the ticker itself may be the one stepping down
            self._ticker = None

    @property
    def role(self) -> str:
        """leader (applies routing events) or follower (reads; another process leads)."""
        return "leader" if self._lease is None or self._lease.held else "follower"

    @property
    def lease(self) -> Lease | None:
        return self._lease

    @property
    def cluster(self) -> bool:
        return self._settings.cluster

    async def stop(self) -> None:
        """Stop keeping time; a clean shutdown saves a checkpoint, so the next start replays nothing."""
        for task in (self._keeper, self._ticker, self._server):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._keeper = self._ticker = self._server = None
        async with self._lock:
            if self._engine is not None and self._since_checkpoint and self.role == "leader":
                try:
                    async with self._sessionmaker() as session:
                        await self._checkpoint(session, self._engine)
                        await session.commit()
                except Exception:  # the journal is intact: the next start replays the tail instead
                    log.exception("routing checkpoint at shutdown failed")
        if self._lease is not None:
            try:
                await self._lease.release()
                await self._lease.leave()
            except Exception:  # the lease expires by itself
                log.exception("releasing the routing lease failed")

    @property
    def journal_status(self) -> JournalStatus:
        """The policy version in force and the checkpoint the state was last saved to (for /readyz)."""
        return JournalStatus(self._policy_version, self._checkpoint_seq, self._last_seq)

    async def _rebuild(self, *, save: bool = False) -> Engine:
        """The newest checkpoint plus the journal after it, each event under its own policy; then today's.

        With `save`, a rebuild that had to replay anything (or switch policy) saves a checkpoint at once.
        """
        async with self._sessionmaker() as session:
            policy = await self._todays_policy(session)
            self._last_offer_ids = {}
            rebuilt = await journal.rebuild(session, policy, self._remember_offer_of)
            if self.role == "leader":
                self._policy_version = await journal.remember_policy(session, policy, self.clock.now())
            else:  # a follower writes nothing; the leader stores the policy it decides under
                self._policy_version = policy_version(policy)
            self._last_seq, self._checkpoint_seq = rebuilt.last_seq, rebuilt.checkpoint_seq
            self._checkpoint_at, self._since_checkpoint = (
                rebuilt.engine.now,
                rebuilt.replayed + rebuilt.skipped,
            )
            log.info(
                "routing rebuilt from checkpoint %s plus %d events (policy %s%s)",
                rebuilt.checkpoint_seq,
                rebuilt.replayed,
                self._policy_version,
                ", changed" if rebuilt.policy_changed else "",
            )
            if rebuilt.diverged or rebuilt.skipped:
                log.error(
                    "routing replay: %d events decided differently than recorded, %d no longer applied",
                    rebuilt.diverged,
                    rebuilt.skipped,
                )
            if save and self.role == "leader" and (self._since_checkpoint or rebuilt.policy_changed):
                await self._checkpoint(session, rebuilt.engine)
            await session.commit()
        return rebuilt.engine

    async def _todays_policy(self, session: AsyncSession) -> DeskPolicy:
        """Settings, languages and the desk calendar in force today (settings' hours until one is saved)."""
        languages = (await session.scalars(select(Language))).all()
        today = self.clock.now().astimezone(self._settings.zone).date()
        calendar = await desk_calendar.in_force(session, self._settings, today)
        self._calendar_from = calendar.next_from
        return build_policy(
            self._settings, languages, calendar.data if calendar.version_id is not None else None
        )

    async def refresh_policy(self) -> str:
        """Apply a changed calendar (or languages) now, without a restart; returns the policy version.

        The leader switches the engine's policy on its live state (`Engine.restore`, as a start-up does),
        stores the new policy and writes a checkpoint under it, so the journal records the switch: events
        before it replay under the old version, events after it name the new one. A follower re-reads.
        """
        async with self._lock:
            if self.role != "leader":
                self._engine = await self._rebuild()
                return self._policy_version
            async with self._sessionmaker() as session:
                policy = await self._todays_policy(session)
                if policy_version(policy) == self._policy_version:
                    return self._policy_version
                self._policy_version = await journal.remember_policy(session, policy, self.clock.now())
                self._engine = Engine.restore(policy, self.engine.checkpoint())
                await self._checkpoint(session, self._engine)
                await session.commit()
            log.info("routing policy changed to %s (desk calendar)", self._policy_version)
            return self._policy_version

    def _calendar_due(self, at: datetime) -> bool:
        """A calendar saved for a later day takes effect when that day begins (checked by the ticker)."""
        due = self._calendar_from
        return due is not None and at.astimezone(self._settings.zone).date() >= due

    async def _checkpoint(self, session: AsyncSession, engine: Engine) -> None:
        if self._lease is not None:
            await self._lease.fence(session)
        await journal.write_checkpoint(session, engine, self._last_seq, self._policy_version)
        self._checkpoint_seq, self._checkpoint_at, self._since_checkpoint = self._last_seq, engine.now, 0

    def _checkpoint_due(self, at: datetime) -> bool:
        if self._since_checkpoint >= self._settings.routing_checkpoint_events:
            return True
        if self._checkpoint_at is None:
            return True  # the first event of an empty journal
        return (at - self._checkpoint_at).total_seconds() >= self._settings.routing_checkpoint_seconds

    def _forget_offers(self, request_id: str) -> None:
        for key in [key for key in self._last_offer_ids if key[0] == request_id]:
            del self._last_offer_ids[key]

    def _remember_offer_of(self, request_id: str, interpreter_id: str, deadline: datetime) -> None:
        self._last_offer_ids[(request_id, interpreter_id)] = topics.offer_id(
            request_id, interpreter_id, int(deadline.timestamp())
        )

    def _remember_offer(self, decision: Offered) -> None:
        self._remember_offer_of(decision.request_id, decision.interpreter_id, decision.deadline)

    async def _reopen_rooms(self) -> None:
        """Rooms live in memory: after a restart, calls in progress get their rooms back for rejoining."""
        now = self.clock.now()
        for call in self.engine.snapshot().calls:
            await self._open_room(call.request_id, now)

    async def _open_room(self, consultation_id: str, at: datetime) -> Room:
        """The consultation's room (one per case, its id the case's). Invitations go out even when the shared
        rooms (Redis) cannot be reached: the decision is journalled already, and a reconnecting console's
        `resume` opens the room again."""
        try:
            room, _events = await self.rooms.open_room(consultation_id, consultation_id, at)
        except RoomError as exc:
            log.error("room of %s not opened (%s); invitations still go out", consultation_id, exc)
            return Room(room_id=consultation_id, consultation_id=consultation_id, opened_at=at)
        return room

    async def _nobody_connected(self) -> None:
        """Presence is what is connected, and after a start nothing is.

        Whoever the journal left available with nothing in progress goes away at once, so nobody is offered a
        case before their console is back. What is in progress is kept for the reconnect grace
        (`awaiting_reconnect`): a ringing interpreter and the counselors its offer holds (a restart must not
        turn a ringing case back into a waiting one), a counselor writing up a call (wrap-up), and the members
        of calls (the rejoin grace). A console that reconnects says it is available again.
        """
        now = self.clock.now()
        snapshot = self.engine.snapshot()
        ringing = {offer.interpreter_id for offer in snapshot.offers}
        free = [c.counselor_id for c in snapshot.counselors if c.state is CounselorState.FREE]
        holding = set(free[: snapshot.held_counselors])  # holds name nobody: the first free ones back them
        holding |= {c.counselor_id for c in snapshot.counselors if c.state is CounselorState.WRAP_UP}
        gone: list[Event] = [
            InterpreterAway(at=now, interpreter_id=i.interpreter_id)
            for i in snapshot.interpreters
            if i.state is InterpreterState.AVAILABLE
        ]
        gone += [
            CounselorAway(at=now, counselor_id=c.counselor_id)
            for c in snapshot.counselors
            if c.state in (CounselorState.FREE, CounselorState.BUSY) and c.counselor_id not in holding
        ]
        self.awaiting_reconnect = AwaitingReconnect(
            interpreters=frozenset(ringing), counselors=frozenset(holding)
        )
        for event in gone:
            await self.submit(event)

    async def route_unrouted(self) -> None:
        """Cases stored but never handed to routing (the process died in between) are routed now."""
        async with self._sessionmaker() as session:
            routed = select(RoutingEvent.request_id).where(RoutingEvent.kind == "ConsultationRequested")
            stranded = (
                await session.scalars(
                    select(Consultation)
                    .where(Consultation.status == ConsultationStatus.requested)
                    .where(Consultation.public_id.not_in(routed))
                    .order_by(Consultation.id)
                )
            ).all()
            events = [  # a case opened from a booking keeps its reservation and reserved interpreter
                await with_reservation(
                    session,
                    consultation.id,
                    requested_event(consultation, at=max(consultation.requested_at, self._now())),
                )
                for consultation in stranded
                if not self.engine.knows(consultation.public_id)  # its request may predate the journal kept
            ]
        for event in events:
            log.warning("routing consultation %s stored before a restart", event.request_id)
            await self.submit(event)

    async def _keep_time(self) -> None:
        while True:
            await asyncio.sleep(TICK_SECONDS)
            try:
                if self._calendar_due(self.clock.now()):
                    await self.refresh_policy()
                await self.submit(Tick(at=self.clock.now()))
            except Exception:  # keep ticking: one bad tick must not stop offers expiring
                log.exception("routing tick failed")

    # -- queries ------------------------------------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise RuntimeError("the live desk has not started")
        return self._engine

    def _now(self) -> datetime:
        return self.engine.now or self.clock.now()

    def snapshot(self) -> Snapshot:
        return self.engine.snapshot()

    def availability(self, at: datetime | None = None) -> tuple[LanguageAvailability, ...]:
        return self.engine.availability(at or self.clock.now())

    def position(self, request_id: str) -> QueuePosition | None:
        return self.engine.position(request_id)

    async def resume(
        self, *, interpreter_id: str | None = None, counselor_id: str | None = None
    ) -> list[str]:
        """What a console that reconnected must see again: the offer ringing for it, or its call invitation.

        A page reload or a dropped connection loses neither an offer nor a call.
        """
        snapshot = self.engine.snapshot()
        offers = [
            o for o in snapshot.offers if interpreter_id is not None and o.interpreter_id == interpreter_id
        ]
        calls = [
            c
            for c in snapshot.calls
            if (interpreter_id is not None and c.interpreter_id == interpreter_id)
            or (counselor_id is not None and c.counselor_id == counselor_id)
        ]
        if not offers and not calls:
            return []
        frames: list[str] = []
        now = self.clock.now()
        async with self._sessionmaker() as session:
            for offer in offers:
                case = await session.scalar(
                    select(Consultation).where(Consultation.public_id == offer.request_id)
                )
                if case is not None:
                    frames.append(encode(offer_frame(case, offer.interpreter_id, offer.deadline)))
        for call in calls:
            room = await self._open_room(call.request_id, now)
            secret = self._settings.room_secret
            if interpreter_id is not None and call.interpreter_id == interpreter_id:
                participant = topics.interpreter_participant(interpreter_id)
                invite = make_invite(secret, room, participant, "interpreter", now, ttl_s=INVITE_TTL_S)
            else:
                participant = topics.counselor_participant(call.counselor_id)
                invite = make_invite(secret, room, participant, "counselor", now, ttl_s=INVITE_TTL_S)
            frames.append(encode(invite))
        return frames

    async def resume_front(self, consultation_id: str) -> list[str]:
        """The resident's side of a call already under way, for a tablet or device that starts watching now.

        A case assigned during its own intake (a counselor was free) is invited before its tablet watches it.
        """
        call = next((c for c in self.engine.snapshot().calls if c.request_id == consultation_id), None)
        if call is None:
            return []
        now = self.clock.now()
        room = await self._open_room(consultation_id, now)
        assigned = Assigned(
            at=now,
            request_id=consultation_id,
            counselor_id=call.counselor_id,
            interpreter_id=call.interpreter_id,
        )
        push = await self._front_invite(room, assigned)
        return [encode(push.message)]

    # -- commands -----------------------------------------------------------------------------------------

    async def submit(self, event: Event) -> list[Decision]:
        """Apply one event; raises routing's RoutingConflict (nothing changed) when it makes no sense.

        A follower hands the event to the leader (app/cluster/forwarding.py) and returns the leader's
        decisions; its read model catches up at once (the leader answered after its journal commit).
        """
        if self._lease is not None and not self._lease.held and self._forwarding is not None:
            decisions = await self._forwarding.forward(event)
            await self._follow()
            return decisions
        async with self._lock:
            if self._lease is not None and not self._lease.held:
                raise NotLeader("routing is led by another process; the event was not applied, retry")
            engine = self.engine
            if engine.now is not None and event.at < engine.now:
                # the engine applies a late event (another process's clock, a tick between) at its own time;
                # the journal keeps that time, so a replay (a follower, the next leader) decides the same
                event = replace(event, at=engine.now)
            decisions = engine.handle(event)
            if isinstance(event, Tick) and not decisions:
                return []  # a quiet tick changes nothing a later event would not redo: not journalled
            try:
                async with self._sessionmaker() as session:
                    pushes = await self._record(session, event, decisions)
                    await session.commit()
            except NotLeader:
                log.warning("routing lease lost at a journal write: following, rebuilt from the journal")
                self._stop_ticker()
                self._engine = await self._rebuild()
                raise
            except BaseException:
                log.exception("journal write failed; rebuilding routing state from the journal")
                self._engine = await self._rebuild()
                raise
            pushes += await self._room_invites(decisions)
            pushes += self._wait_updates(decisions)
        await self.hub.publish_all([(push.topic, encode(push.message)) for push in pushes])
        return decisions

    def _wait_updates(self, decisions: Sequence[Decision]) -> list[Push]:
        """Fresh places and waits for the cases still queued: the tablet shows what the console does."""
        engine = self.engine
        positions = [p for e in engine.snapshot().queue if (p := engine.position(e.request_id)) is not None]
        queued = {d.request_id for d in decisions if isinstance(d, Queued)}
        return wait_updates(positions, self._wait_told, queued)

    async def _record(self, session: AsyncSession, event: Event, decisions: Sequence[Decision]) -> list[Push]:
        if self._lease is not None:
            await self._lease.fence(session)  # a deposed leader's write fails here, before any row
        row = journal.journal_row(event, self._policy_version)
        session.add(row)
        await session.flush()
        self._last_seq, self._since_checkpoint = row.seq, self._since_checkpoint + 1
        if self._checkpoint_due(event.at):
            await self._checkpoint(session, self.engine)
        for decision in decisions:
            session.add(
                RoutingDecision(
                    event_seq=row.seq,
                    kind=type(decision).__name__,
                    request_id=getattr(decision, "request_id", None),
                    payload=decision_to_dict(decision),
                )
            )
        ids = {str(d.request_id) for d in decisions if hasattr(d, "request_id")}
        cases = {
            c.public_id: c
            for c in (
                await session.scalars(select(Consultation).where(Consultation.public_id.in_(ids)))
            ).all()
        }
        pushes: list[Push] = []
        for decision in decisions:
            case = cases.get(str(getattr(decision, "request_id", "")))
            pushes += self._apply(decision, case)
        for decision in decisions:  # a closed case rings nobody again: its offer ids are not needed any more
            if isinstance(decision, Closed):
                self._forget_offers(decision.request_id)
        if decisions:
            pushes.append(Push(topics.DESK, QueueChanged(at=event.at.isoformat())))
        await session.flush()
        return pushes

    def _apply(self, decision: Decision, case: Consultation | None) -> list[Push]:
        """Move the case row along (transitions), then say who must hear about it (pushes)."""
        if isinstance(decision, InterpreterSetAway):
            return [forced_away(decision)]
        if case is None:
            log.error("decision %s for an unknown consultation", type(decision).__name__)
            return []
        advance_case(case, decision)
        return pushes_for(decision, case, self._offer_id_for)

    def _offer_id_for(self, request_id: str, interpreter_id: str) -> str:
        """The id of the offer that just ended: rebuilt from the journal's Offered decision deadline."""
        return self._last_offer_ids.get((request_id, interpreter_id), f"{request_id}.{interpreter_id}.0")

    async def _room_invites(self, decisions: Sequence[Decision]) -> list[Push]:
        """An assignment opens the consultation's room and invites the counselor, interpreter and tablet."""
        pushes: list[Push] = []
        for decision in decisions:
            if isinstance(decision, Offered):
                self._remember_offer(decision)
            if isinstance(decision, Transferred):
                pushes += await self._transfer_pushes(decision)
            if not isinstance(decision, Assigned):
                continue
            room = await self._open_room(decision.request_id, decision.at)
            secret = self._settings.room_secret
            if not decision.rejoin:
                counselor = make_invite(
                    secret,
                    room,
                    topics.counselor_participant(decision.counselor_id),
                    "counselor",
                    decision.at,
                    ttl_s=INVITE_TTL_S,
                )
                pushes.append(Push(topics.staff(decision.counselor_id), counselor))
            if decision.interpreter_id is not None:
                offer = self._last_offer_ids.get((decision.request_id, decision.interpreter_id))
                interpreter = make_invite(
                    secret,
                    room,
                    topics.interpreter_participant(decision.interpreter_id),
                    "interpreter",
                    decision.at,
                    ttl_s=INVITE_TTL_S,
                    offer_id=offer,
                )
                pushes.append(Push(topics.interpreter(decision.interpreter_id), interpreter))
            if not decision.rejoin:
                pushes.append(await self._front_invite(room, decision))
        return pushes

    async def _transfer_pushes(self, decision: Transferred) -> list[Push]:
        """The new counselor is invited into the running room; the former one is told to leave it."""
        room = await self._open_room(decision.request_id, decision.at)
        invite = make_invite(
            self._settings.room_secret,
            room,
            topics.counselor_participant(decision.to_counselor_id),
            "counselor",
            decision.at,
            ttl_s=INVITE_TTL_S,
        )
        handed_over = CallTransferred(
            consultation_id=decision.request_id,
            room_id=room.room_id,
            to_counselor_id=decision.to_counselor_id,
        )
        return [
            Push(topics.staff(decision.to_counselor_id), invite),
            Push(topics.staff(decision.from_counselor_id), handed_over),
        ]

    async def _front_invite(self, room: Room, decision: Assigned) -> Push:
        """The tablet at the counter, or the resident's own device, joins as the resident's side."""
        async with self._sessionmaker() as session:
            case = await session.scalar(
                select(Consultation).where(Consultation.public_id == decision.request_id)
            )
        channel = case.channel if case else Channel.counter
        own_device = channel is Channel.video
        role: RoomRole
        if channel is Channel.phone:  # the phone bridge (app/phone/room_link.py) follows the case itself
            participant, role = topics.phone_participant(decision.request_id), "phone"
        elif own_device:
            participant, role = topics.resident_participant(decision.request_id), "resident"
        else:
            participant, role = topics.tablet_participant(decision.request_id), "counter_tablet"
        invite = make_invite(
            self._settings.room_secret,
            room,
            participant,
            role,
            decision.at,
            ttl_s=RESIDENT_INVITE_TTL_S if own_device else INVITE_TTL_S,
        )
        return Push(topics.consultation(decision.request_id), invite)
