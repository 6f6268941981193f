"""Journal and checkpoint I/O for the live desk: what it stores, and how it rebuilds the engine from it.

Rebuilding replays facts, not today's opinions: the newest checkpoint that decodes is restored under the
policy it was taken under, then the events after it are replayed, each under the policy version recorded with
it (switching by `Engine.restore` when the version changes), and their decisions are compared with the
recorded ones (a difference is logged loudly, never fatal). Only then does today's policy take over. So a
changed policy never rewrites the past, and start-up reads the live state plus a short tail, not the history.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.live.models import RoutingCheckpoint, RoutingDecision, RoutingEvent, RoutingPolicy
from routing import (
    CHECKPOINT_FORMAT,
    CheckpointError,
    DeskPolicy,
    Engine,
    Event,
    Offered,
    PolicyError,
    RoutingConflict,
    decision_to_dict,
    event_from_dict,
    event_to_dict,
    policy_version,
)

log = logging.getLogger(__name__)

# 1: rows written before policy versions existed (no policy_version; replayed under the oldest known policy);
# 2: rows that name the policy version they were decided under.
EVENT_FORMAT = 2
KEEP_CHECKPOINTS = 3  # the newest is normally enough; older ones cover a corrupt newest one
CHUNK = 5000  # events read per query while replaying a tail


@dataclass(slots=True)
class Rebuilt:
    """An engine rebuilt from the journal, and what it was rebuilt from (for /readyz and the logs)."""

    engine: Engine
    last_seq: int  # the last journalled event it includes
    checkpoint_seq: int | None  # the checkpoint it started from (None: a full replay)
    replayed: int  # events replayed after the checkpoint
    diverged: int  # replayed events whose decisions differ from the recorded ones
    skipped: int  # replayed events the engine refused (logged; the state stays consistent)
    policy_changed: bool  # the journal ends under another policy than today's


@dataclass(frozen=True, slots=True)
class JournalStatus:
    """What /readyz shows of the routing journal."""

    policy_version: str  # the policy in force
    checkpoint_seq: int | None  # the journal event the newest checkpoint includes (None: none yet)
    last_seq: int  # the newest journalled event


async def remember_policy(session: AsyncSession, policy: DeskPolicy, at: datetime) -> str:
    """Store the policy under its version (once) and return the version."""
    version = policy_version(policy)
    if await session.get(RoutingPolicy, version) is None:
        session.add(RoutingPolicy(version=version, payload=policy.to_dict(), first_used_at=at))
        await session.flush()
    return version


async def _policies(session: AsyncSession) -> dict[str, DeskPolicy]:
    found: dict[str, DeskPolicy] = {}
    for row in (await session.scalars(select(RoutingPolicy))).all():
        try:
            found[row.version] = DeskPolicy.from_dict(row.payload)
        except (PolicyError, ValueError, TypeError):
            log.error("routing policy %s is unreadable; its events replay under today's policy", row.version)
    return found


async def _latest_checkpoint(
    session: AsyncSession, policy_for: Callable[[str], DeskPolicy]
) -> tuple[Engine, RoutingCheckpoint] | None:
    """The newest checkpoint that restores; a corrupt one is logged and the previous one tried.

    Payloads are read one at a time: usually only the newest is ever loaded.
    """
    newest_first = RoutingCheckpoint.event_seq.desc(), RoutingCheckpoint.id.desc()
    ids = (await session.scalars(select(RoutingCheckpoint.id).order_by(*newest_first))).all()
    for checkpoint_id in ids:
        row = await session.get(RoutingCheckpoint, checkpoint_id)
        if row is None:  # pragma: no cover - deleted by a concurrent writer
            continue
        if row.format_version != CHECKPOINT_FORMAT:
            log.error(
                "routing checkpoint %s has unknown format %s; trying an older one", row.id, row.format_version
            )
            continue
        try:
            return Engine.restore(policy_for(row.policy_version), row.payload), row
        except CheckpointError as exc:
            log.error("routing checkpoint %s (event %s) is unreadable: %s", row.id, row.event_seq, exc)
    return None


async def _tail(
    session: AsyncSession, after: int
) -> AsyncIterator[tuple[RoutingEvent, list[dict[str, Any]]]]:
    """Events after `after` in order, each with its recorded decisions, read in chunks (bounded memory)."""
    last = after
    while True:
        rows = (
            await session.scalars(
                select(RoutingEvent).where(RoutingEvent.seq > last).order_by(RoutingEvent.seq).limit(CHUNK)
            )
        ).all()
        if not rows:
            return
        recorded: dict[int, list[dict[str, Any]]] = {row.seq: [] for row in rows}
        decisions = await session.execute(
            select(RoutingDecision.event_seq, RoutingDecision.payload)
            .where(RoutingDecision.event_seq > last, RoutingDecision.event_seq <= rows[-1].seq)
            .order_by(RoutingDecision.event_seq, RoutingDecision.id)  # the event_seq index serves both
        )
        for event_seq, payload in decisions:
            recorded[event_seq].append(payload)
        for row in rows:
            yield row, recorded[row.seq]
        last = rows[-1].seq
        session.expunge_all()  # the rows were read once: let them go


OfferSeen = Callable[[str, str, datetime], None]  # request id, interpreter id, deadline


async def rebuild(session: AsyncSession, policy: DeskPolicy, on_offer: OfferSeen) -> Rebuilt:
    """Checkpoint plus tail, each event under its recorded policy; then today's `policy` rules.

    `on_offer` hears of every offer ringing in the checkpoint and every offer made in the tail (the desk keeps
    their ids for the screens).
    """
    policies = await _policies(session)
    today = policy_version(policy)
    policies[today] = policy
    oldest = await session.scalar(
        select(RoutingPolicy.version).order_by(RoutingPolicy.first_used_at).limit(1)
    )
    resolved: dict[str | None, str] = {}

    def resolve(version: str | None) -> str:
        """The stored policy version to replay under. A format-1 row names none: it was decided under the
        first policy stored (the one in force at the upgrade), the best record there is."""
        if version not in resolved:
            wanted = version if version is not None else (oldest or today)
            if wanted not in policies:
                log.error(
                    "routing policy %s is not stored; replaying its events under today's policy", wanted
                )
                wanted = today
            resolved[version] = wanted
        return resolved[version]

    restored = await _latest_checkpoint(session, lambda v: policies[resolve(v)])
    if restored is None:
        version, checkpoint_seq, last_seq = resolve(None), None, 0
        engine = Engine(policies[version])
    else:
        engine, checkpoint = restored
        version = resolve(checkpoint.policy_version)
        checkpoint_seq = last_seq = checkpoint.event_seq
        for offer in engine.snapshot().offers:
            on_offer(offer.request_id, offer.interpreter_id, offer.deadline)
    replayed = diverged = skipped = 0
    async for row, recorded in _tail(session, last_seq):
        last_seq = row.seq
        wanted = resolve(row.policy_version)
        if wanted != version:
            engine, version = Engine.restore(policies[wanted], engine.checkpoint()), wanted
        try:
            decisions = engine.handle(event_from_dict(row.payload))
        except (RoutingConflict, ValueError) as exc:  # refused now, or unreadable: never stop a start
            skipped += 1
            log.error("journal event %s (%s) no longer applies, skipped: %s", row.seq, row.kind, exc)
            continue
        replayed += 1
        for decision in decisions:
            if isinstance(decision, Offered):
                on_offer(decision.request_id, decision.interpreter_id, decision.deadline)
        if [decision_to_dict(d) for d in decisions] != recorded:
            diverged += 1
            log.error(
                "journal event %s (%s) replays with other decisions than recorded (policy %s)",
                row.seq,
                row.kind,
                version,
            )
    if version != today:
        engine = Engine.restore(policy, engine.checkpoint())
    return Rebuilt(engine, last_seq, checkpoint_seq, replayed, diverged, skipped, version != today)


async def catch_up(
    session: AsyncSession, engine: Engine, after: int, version: str, on_offer: OfferSeen
) -> int | None:
    """A follower's read model applies the events journalled after `after`, in place; returns the newest seq.

    None when only a full `rebuild` is right: an event decided under another policy than `version`, one the
    engine refuses, or one that decides otherwise than recorded (the engine may be partly moved on then).
    """
    last = after
    async for row, recorded in _tail(session, after):
        if row.policy_version != version:
            return None
        try:
            decisions = engine.handle(event_from_dict(row.payload))
        except (RoutingConflict, ValueError) as exc:
            log.warning(
                "follower catch-up: event %s (%s) does not apply (%s); rebuilding", row.seq, row.kind, exc
            )
            return None
        if [decision_to_dict(d) for d in decisions] != recorded:
            log.warning("follower catch-up: event %s (%s) decides otherwise; rebuilding", row.seq, row.kind)
            return None
        for decision in decisions:
            if isinstance(decision, Offered):
                on_offer(decision.request_id, decision.interpreter_id, decision.deadline)
        last = row.seq
    return last


def journal_row(event: Event, policy_version_id: str) -> RoutingEvent:
    """The journal row of an accepted event, naming the policy it was decided under."""
    return RoutingEvent(
        at=event.at,
        kind=type(event).__name__,
        request_id=getattr(event, "request_id", None),
        payload=event_to_dict(event),
        format_version=EVENT_FORMAT,
        policy_version=policy_version_id,
    )


async def write_checkpoint(session: AsyncSession, engine: Engine, event_seq: int, version: str) -> None:
    """Save the engine's state after event `event_seq` in the caller's transaction; keep a few older ones."""
    session.add(
        RoutingCheckpoint(
            event_seq=event_seq,
            format_version=CHECKPOINT_FORMAT,
            policy_version=version,
            at=engine.now,
            payload=engine.checkpoint(),
        )
    )
    await session.flush()
    keep = select(RoutingCheckpoint.id).order_by(RoutingCheckpoint.id.desc()).limit(KEEP_CHECKPOINTS)
    await session.execute(delete(RoutingCheckpoint).where(RoutingCheckpoint.id.not_in(keep)))


async def last_event_seq(session: AsyncSession) -> int:
    """The seq of the newest journalled event (0 for an empty journal)."""
    return int(await session.scalar(select(func.max(RoutingEvent.seq))) or 0)
