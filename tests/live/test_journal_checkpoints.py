"""The live desk's journal: checkpoints, policy versions, fallbacks and the upgrade from the previous format.

Each test drives a real LiveDesk on the test database (SQLite and PostgreSQL), stops it, and starts a fresh
one on the same database, as a restart does.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.clock import ControlledClock
from app.config import Settings
from app.db import create_engine, create_sessionmaker
from app.language.models import Language
from app.live.desk import LiveDesk
from app.live.hub import Hub
from app.live.journal import EVENT_FORMAT, KEEP_CHECKPOINTS
from app.live.models import RoutingCheckpoint, RoutingDecision, RoutingEvent, RoutingPolicy
from app.live.policy import build_policy
from realtime.rooms import InMemoryRoomStore, RoomRegistry
from routing import (
    CounselorPresent,
    Event,
    InterpreterAvailable,
    OfferDeclined,
    Snapshot,
    event_from_dict,
    policy_version,
)
from routing.snapshot import CounselorState, InterpreterState
from tests.conftest import open_desk_settings, pinned_clock

FIXTURE = Path(__file__).parent / "fixtures" / "journal_format1.json"

Desks = Callable[..., Any]


@pytest.fixture
async def sessionmaker(
    database_url: str, clock: ControlledClock
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url, clock=clock)
    yield create_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
def frozen() -> ControlledClock:
    return pinned_clock(running=False)


def new_desk(
    database_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: ControlledClock,
    **overrides: Any,
) -> LiveDesk:
    settings: Settings = open_desk_settings(database_url, **overrides)
    return LiveDesk(
        settings, sessionmaker, Hub(), RoomRegistry(InMemoryRoomStore(), settings.room_secret), clock
    )


def requested(at: Any, request_id: str, language: str) -> Event:
    return event_from_dict(
        {
            "type": "ConsultationRequested",
            "at": at.isoformat(),
            "request_id": request_id,
            "language": language,
        }
    )


async def busy_desk(desk: LiveDesk, clock: ControlledClock) -> None:
    """A call, a ringing offer, a re-queued request after a decline and a plain queue."""
    now = clock.now()
    await desk.submit(CounselorPresent(at=now, counselor_id="c-1", languages=frozenset({"en"})))
    await desk.submit(CounselorPresent(at=now, counselor_id="c-2", languages=frozenset()))
    await desk.submit(
        InterpreterAvailable(
            at=now,
            interpreter_id="i-ne",
            languages=frozenset({"ne"}),
            gender=None,
            safety_cleared=frozenset(),
        )
    )
    await desk.submit(requested(now, "r-en", "en"))  # c-1 takes it: a call
    await desk.submit(requested(now, "r-ne", "ne"))  # i-ne rings
    await desk.submit(requested(now, "r-en2", "en"))  # waits for an English speaker
    await desk.submit(requested(now, "r-ne2", "ne"))  # waits behind r-ne
    clock.advance(5)
    await desk.submit(OfferDeclined(at=clock.now(), request_id="r-ne", interpreter_id="i-ne"))


async def count(session: AsyncSession, model: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def same_state(a: Snapshot, b: Snapshot) -> None:
    """Every case where it was; of the roster, whoever has something in progress (a call, a ringing offer,
    the counselor it holds) is kept. The rest went away at the start: presence is what is connected."""
    assert (a.queue, a.offers, a.calls, a.pending, a.held_counselors) == (
        b.queue,
        b.offers,
        b.calls,
        b.pending,
        b.held_counselors,
    )
    assert in_progress(a) == in_progress(b)


def in_progress(snapshot: Snapshot) -> tuple[list[Any], list[Any]]:
    interpreters = [
        i for i in snapshot.interpreters if i.state in (InterpreterState.OFFERED, InterpreterState.BUSY)
    ]
    counselors = [
        c for c in snapshot.counselors if c.state in (CounselorState.IN_CALL, CounselorState.WRAP_UP)
    ]
    return interpreters, counselors


async def test_checkpoints__written_every_n_events_and_only_a_few_kept(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession], frozen: ControlledClock
) -> None:
    desk = new_desk(database_url, sessionmaker, frozen, routing_checkpoint_events=2)
    await desk.start(tick=False)
    await busy_desk(desk, frozen)
    async with sessionmaker() as session:
        seqs = list((await session.scalars(select(RoutingCheckpoint.event_seq))).all())
        last = await session.scalar(select(func.max(RoutingEvent.seq)))
        versions = set((await session.scalars(select(RoutingEvent.policy_version))).all())
        formats = set((await session.scalars(select(RoutingEvent.format_version))).all())
    assert len(seqs) == KEEP_CHECKPOINTS
    assert max(seqs) >= last - 1  # never more than two events behind
    assert versions == {desk.journal_status.policy_version} and formats == {EVENT_FORMAT}


async def test_restart__restores_the_checkpoint_and_replays_only_the_tail(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession], frozen: ControlledClock
) -> None:
    desk = new_desk(database_url, sessionmaker, frozen, routing_checkpoint_events=3)
    await desk.start(tick=False)
    await busy_desk(desk, frozen)
    before = desk.snapshot()
    status = desk.journal_status
    assert status.checkpoint_seq is not None and status.checkpoint_seq < status.last_seq  # a tail exists
    # no stop(): a crash, so the tail after the checkpoint must be replayed
    again = new_desk(database_url, sessionmaker, frozen, routing_checkpoint_events=3)
    await again.start(tick=False)
    same_state(again.snapshot(), before)
    assert again.journal_status.checkpoint_seq == status.last_seq  # the replay was saved at once


async def test_clean_shutdown__saves_a_checkpoint_so_nothing_is_replayed(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession], frozen: ControlledClock
) -> None:
    desk = new_desk(database_url, sessionmaker, frozen)
    await desk.start(tick=False)
    await busy_desk(desk, frozen)
    await desk.stop()
    assert desk.journal_status.checkpoint_seq == desk.journal_status.last_seq
    async with sessionmaker() as session:  # the journal stays the record; the checkpoint is enough to start
        await session.execute(update(RoutingEvent).values(payload={"type": "Nonsense"}))
        await session.commit()
    again = new_desk(database_url, sessionmaker, frozen)
    await again.start(tick=False)
    same_state(again.snapshot(), desk.snapshot())


@pytest.mark.parametrize("damage", ["corrupt", "unknown_format", "missing"])
async def test_a_bad_newest_checkpoint__falls_back_to_the_previous_one(
    database_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    frozen: ControlledClock,
    damage: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    desk = new_desk(database_url, sessionmaker, frozen, routing_checkpoint_events=2)
    await desk.start(tick=False)
    await busy_desk(desk, frozen)
    before = desk.snapshot()
    async with sessionmaker() as session:
        newest, previous = (
            await session.scalars(select(RoutingCheckpoint).order_by(RoutingCheckpoint.id.desc()).limit(2))
        ).all()
        if damage == "corrupt":
            newest.payload = {**newest.payload, "requests": [{"request_id": 7}]}
        elif damage == "unknown_format":
            newest.format_version = 99
        else:
            await session.delete(newest)
        await session.commit()
        previous_seq = previous.event_seq
    caplog.set_level(logging.INFO)
    again = new_desk(database_url, sessionmaker, frozen)
    await again.start(tick=False)
    same_state(again.snapshot(), before)
    assert f"from checkpoint {previous_seq} " in caplog.text
    if damage != "missing":
        assert "trying an older one" in caplog.text or "is unreadable" in caplog.text


async def test_no_readable_checkpoint__a_full_replay(
    database_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    frozen: ControlledClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    desk = new_desk(database_url, sessionmaker, frozen, routing_checkpoint_events=2)
    await desk.start(tick=False)
    await busy_desk(desk, frozen)
    before = desk.snapshot()
    async with sessionmaker() as session:
        await session.execute(update(RoutingCheckpoint).values(payload={"format_version": 1}))
        await session.commit()
    caplog.set_level(logging.INFO)
    again = new_desk(database_url, sessionmaker, frozen)
    await again.start(tick=False)
    same_state(again.snapshot(), before)
    assert "from checkpoint None " in caplog.text


async def test_policy_change__starts_keeps_the_past_and_is_recorded(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession], frozen: ControlledClock
) -> None:
    desk = new_desk(database_url, sessionmaker, frozen, desk_hours="00:00-23:59")
    await desk.start(tick=False)
    await busy_desk(desk, frozen)
    before, old = desk.snapshot(), desk.journal_status.policy_version
    changed = new_desk(
        database_url,
        sessionmaker,
        frozen,
        desk_hours="13:00-23:59",  # closed at TEST_NOW (11:00 in Tokyo)
        routing_policy_json=json.dumps({"offers": {"timeout_s": 7}}),
    )
    await changed.start(tick=False)
    assert changed.journal_status.policy_version != old
    same_state(changed.snapshot(), before)  # nobody moved, the ringing offer keeps its announced deadline
    after = await changed.submit(requested(frozen.now(), "r-late", "en"))
    assert [type(d).__name__ for d in after] == ["FallbackOffered"]  # the new hours rule from now on
    async with sessionmaker() as session:
        assert await count(session, RoutingPolicy) == 2
        newest = await session.scalar(
            select(RoutingCheckpoint).order_by(RoutingCheckpoint.id.desc()).limit(1)
        )
        late = await session.scalar(select(RoutingEvent).where(RoutingEvent.request_id == "r-late"))
    assert newest is not None and late is not None
    assert late.policy_version == changed.journal_status.policy_version
    # back to the first policy: starts again, the past (including r-late, refused under the other policy) kept
    back = new_desk(database_url, sessionmaker, frozen, desk_hours="00:00-23:59")
    await back.start(tick=False)
    assert back.journal_status.policy_version == old
    assert [p.request_id for p in back.snapshot().pending] == ["r-late"]
    same_state_but_pending = back.snapshot()
    assert same_state_but_pending.queue == before.queue and same_state_but_pending.calls == before.calls


async def test_replay_under_recorded_policies__a_crash_after_a_policy_change(
    database_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    frozen: ControlledClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Events of two policies in a tail with no checkpoint: each replays under its own, no divergence."""
    desk = new_desk(database_url, sessionmaker, frozen, routing_checkpoint_events=10_000)
    await desk.start(tick=False)
    await busy_desk(desk, frozen)
    changed = new_desk(database_url, sessionmaker, frozen, desk_hours="13:00-23:59")
    await changed.start(tick=False)
    await changed.submit(requested(frozen.now(), "r-late", "en"))
    expected = changed.snapshot()
    async with sessionmaker() as session:  # lose every checkpoint: the whole journal is the tail
        for row in (await session.scalars(select(RoutingCheckpoint))).all():
            await session.delete(row)
        await session.commit()
    caplog.set_level(logging.INFO)
    again = new_desk(database_url, sessionmaker, frozen, desk_hours="13:00-23:59")
    await again.start(tick=False)
    same_state(again.snapshot(), expected)
    assert "decided differently" not in caplog.text  # each event met the policy it was decided under


async def test_replay__a_decision_that_differs_from_the_record_is_logged_not_fatal(
    database_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    frozen: ControlledClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    desk = new_desk(database_url, sessionmaker, frozen, routing_checkpoint_events=10_000)
    await desk.start(tick=False)
    await busy_desk(desk, frozen)
    async with sessionmaker() as session:
        await session.execute(update(RoutingDecision).values(payload={"type": "Tampered"}))
        for row in (await session.scalars(select(RoutingCheckpoint))).all():
            await session.delete(row)
        await session.commit()
    again = new_desk(database_url, sessionmaker, frozen)
    await again.start(tick=False)
    same_state(again.snapshot(), desk.snapshot())
    assert "replays with other decisions than recorded" in caplog.text


async def test_upgrade__journal_rows_of_the_previous_release_still_load(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession], frozen: ControlledClock
) -> None:
    """Rows exactly as the release before checkpoints wrote them: no format, policy version or checkpoint."""
    fixture = json.loads(FIXTURE.read_text())
    async with sessionmaker() as session:
        for event in fixture["events"]:
            await session.execute(
                insert(RoutingEvent).values(
                    seq=event["seq"],
                    at=event_from_dict(event["payload"]).at,
                    kind=event["kind"],
                    request_id=event["request_id"],
                    payload=event["payload"],
                    recorded_at=event_from_dict(event["payload"]).at,
                )
            )
            for decision in event["decisions"]:
                await session.execute(
                    insert(RoutingDecision).values(
                        event_seq=event["seq"],
                        kind=decision["type"],
                        request_id=decision.get("request_id"),
                        payload=decision,
                    )
                )
        await session.commit()
        assert set((await session.scalars(select(RoutingEvent.format_version))).all()) == {1}
    desk = new_desk(database_url, sessionmaker, frozen)
    await desk.start(tick=False)
    snapshot = desk.snapshot()
    assert [[e.request_id, e.position] for e in snapshot.queue] == fixture["queue"]
    assert [c.request_id for c in snapshot.calls] == fixture["calls"]
    assert desk.journal_status.checkpoint_seq == fixture["events"][-1]["seq"]  # never replayed again
    async with sessionmaker() as session:
        languages = (await session.scalars(select(Language))).all()
    assert desk.journal_status.policy_version == policy_version(build_policy(desk._settings, languages))


async def test_readyz__shows_the_policy_version_and_checkpoint(
    app_and_client: tuple[Any, AsyncClient],
) -> None:
    app, client = app_and_client
    body = (await client.get("/readyz")).json()
    status = app.state.desk.journal_status
    lease = app.state.desk.lease  # PostgreSQL: the one process leads by the routing lease; SQLite: embedded
    assert body["routing"] == {
        "role": "leader",
        "node_id": lease.node_id if lease is not None else None,
        "lease_epoch": 1 if lease is not None else None,
        "policy_version": status.policy_version,
        "checkpoint_seq": status.checkpoint_seq,
        "last_event_seq": status.last_seq,
    }
    assert len(body["routing"]["policy_version"]) == 16


async def test_offer_deadline_clock__advances_past_a_checkpoint(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession], frozen: ControlledClock
) -> None:
    """An offer ringing in the checkpoint still expires after the restart (its timer was kept)."""
    desk = new_desk(database_url, sessionmaker, frozen)
    await desk.start(tick=False)
    await busy_desk(desk, frozen)
    await desk.stop()
    ringing = desk.snapshot().offers
    assert ringing
    again = new_desk(database_url, sessionmaker, frozen)
    await again.start(tick=False)
    frozen.advance((ringing[0].deadline - frozen.now()).total_seconds() + 1)
    decisions = await again.submit(event_from_dict({"type": "Tick", "at": frozen.now().isoformat()}))
    assert "OfferEnded" in [type(d).__name__ for d in decisions]


async def test_a_failed_journal_write__rebuilds_from_checkpoint_and_tail(
    database_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    frozen: ControlledClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    desk = new_desk(database_url, sessionmaker, frozen, routing_checkpoint_events=3)
    await desk.start(tick=False)
    await busy_desk(desk, frozen)
    before, status = desk.snapshot(), desk.journal_status
    assert status.checkpoint_seq is not None and status.checkpoint_seq < status.last_seq

    async def broken(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(desk, "_record", broken)
    caplog.set_level(logging.INFO)
    with pytest.raises(OSError, match="disk full"):
        await desk.submit(requested(frozen.now(), "r-lost", "en"))
    monkeypatch.undo()
    same_state(desk.snapshot(), before)  # the engine never runs ahead of the database
    assert (
        f"from checkpoint {status.checkpoint_seq} plus {status.last_seq - status.checkpoint_seq} events"
        in (caplog.text)
    )
    assert desk.journal_status == status


async def test_offer_ids__of_closed_cases_are_forgotten(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession], frozen: ControlledClock
) -> None:
    """The desk's own memory is bounded by the live state too."""
    desk = new_desk(database_url, sessionmaker, frozen)
    await desk.start(tick=False)
    await busy_desk(desk, frozen)
    assert ("r-ne", "i-ne") in desk._last_offer_ids
    await desk.submit(
        event_from_dict(
            {"type": "ConsultationCancelled", "at": frozen.now().isoformat(), "request_id": "r-ne"}
        )
    )
    assert not [key for key in desk._last_offer_ids if key[0] == "r-ne"]


async def test_an_unreadable_tail_event__is_logged_and_skipped_not_fatal(
    database_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    frozen: ControlledClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    desk = new_desk(database_url, sessionmaker, frozen, routing_checkpoint_events=10_000)
    await desk.start(tick=False)
    await busy_desk(desk, frozen)
    async with sessionmaker() as session:
        last = await session.scalar(select(func.max(RoutingEvent.seq)))
        await session.execute(
            update(RoutingEvent).where(RoutingEvent.seq == last).values(payload={"type": "Nope"})
        )
        await session.commit()
    again = new_desk(database_url, sessionmaker, frozen)
    await again.start(tick=False)  # starts; the last event (the decline) is lost, and said so
    assert "no longer applies, skipped" in caplog.text and "unknown type 'Nope'" in caplog.text
    assert [o.request_id for o in again.snapshot().offers] == [
        "r-ne"
    ]  # still ringing: the decline was skipped
