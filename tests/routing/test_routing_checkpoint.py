# mypy: allow-untyped-defs, allow-incomplete-defs, allow-untyped-decorators, allow-untyped-calls
"""Checkpoints: restoring a saved state and replaying the tail is exactly a full replay.

The stateful machine of test_routing_stateful drives a desk; beside it runs a shadow engine that is thrown
away and restored from a JSON round trip of its own checkpoint before *every* event. Each event must give the
shadow the same decisions as the real engine and leave both with the same checkpoint and snapshot, so each cut
point of every generated sequence is a restore point, and any state a checkpoint forgot shows up as a
difference. At the end, a few cut points are also checked the way the app restarts: checkpoint at the cut
(through JSON), restore, replay the whole tail, compare with the full replay.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, settings
from routing_kit import Desk, jst, policy, random_scenario
from test_routing_stateful import POLICY, RoutingMachine

from routing import (
    CHECKPOINT_FORMAT,
    CallEnded,
    CheckpointError,
    ConsultationCancelled,
    DeskPolicy,
    DuplicateRequest,
    Engine,
    Event,
    Offered,
    RoutingConflict,
    UnknownRequest,
    event_from_dict,
    event_to_dict,
    policy_version,
)


def json_round_trip(engine: Engine) -> dict:
    return json.loads(json.dumps(engine.checkpoint()))


class CheckpointMachine(RoutingMachine):
    def send(self, event: Event):
        if not hasattr(self, "shadow"):
            self.shadow = Engine.restore(POLICY, json_round_trip(self.desk.engine))
        self.shadow = Engine.restore(POLICY, json_round_trip(self.shadow))
        try:
            decisions = super().send(event)
        except RoutingConflict as exc:
            with pytest.raises(type(exc)):
                self.shadow.handle(event)
            raise
        assert self.shadow.handle(event) == decisions
        assert self.shadow.checkpoint() == self.desk.engine.checkpoint()
        assert self.shadow.snapshot() == self.desk.engine.snapshot()
        assert self.shadow.next_wakeup() == self.desk.engine.next_wakeup()
        return decisions

    def check_replay(self) -> None:
        super().check_replay()
        stored = [event_to_dict(event) for event in self.desk.events]
        decisions = [d for _, d in self.desk.log]
        final = self.desk.engine.snapshot()
        step = max(1, len(stored) // 4)
        for cut in range(0, len(stored) + 1, step):
            head = Engine.replay(POLICY, (event_from_dict(data) for data in stored[:cut]))
            restored = Engine.restore(POLICY, json_round_trip(head))
            for data, expected in zip(stored[cut:], decisions[cut:], strict=True):
                assert restored.handle(event_from_dict(data)) == expected
            assert restored.snapshot() == final
            assert restored.checkpoint() == self.desk.engine.checkpoint()


CheckpointMachine.TestCase.settings = settings(
    max_examples=80,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_checkpoint_plus_tail_is_a_full_replay = CheckpointMachine.TestCase


# -- the format ---------------------------------------------------------------------------------------


def busy_desk() -> Desk:
    """A desk with a call, a ringing offer, a queue, a pending fallback and learned handling times."""
    desk = Desk(jst(2026, 6, 1, 10, 0), POLICY)
    desk.counselor("c-1", "en")
    desk.counselor("c-2")
    desk.counselor("c-3")
    desk.interpreter("i-ko", "ko", gender="female")
    desk.request("r-en", "en")
    desk.advance(30)
    desk.send(CallEnded(at=desk.now, request_id="r-en"))
    desk.request("r-en2", "en")
    desk.request("r-ko", "ko", gender="female")
    desk.request("r-ko2", "ko")
    desk.request("r-th", "th")
    return desk


def test_checkpoint__carries_its_format_and_round_trips_through_json() -> None:
    desk = busy_desk()
    data = json_round_trip(desk.engine)
    assert data["format_version"] == CHECKPOINT_FORMAT
    assert [r["request_id"] for r in data["requests"]] == ["r-en2", "r-ko", "r-ko2", "r-th"]
    assert data["handling_means"] == {"en": 30.0}
    restored = Engine.restore(POLICY, data)
    assert restored.snapshot() == desk.engine.snapshot()
    assert restored.checkpoint() == desk.engine.checkpoint()
    assert restored.outcome("r-en") is not None


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda d: d.update(format_version=99), "unknown checkpoint format"),
        (lambda d: d.pop("format_version"), "unknown checkpoint format"),
        (lambda d: d.pop("timers"), "malformed"),
        (lambda d: d["requests"][0].update(requested_at="yesterday"), "requested_at"),
        (lambda d: d["requests"][0].update(colour="red"), "unknown fields"),
        (lambda d: d["requests"][0].update(bucket=[2, None, []]), "wrong bucket"),
        (lambda d: d["counselors"][0].update(presence="asleep"), "presence"),
        (lambda d: d["closed"].append(["r-x", "vanished"]), "malformed"),
    ],
)
def test_checkpoint__malformed_data_is_refused_with_a_reason(spoil, message) -> None:
    data = json_round_trip(busy_desk().engine)
    spoil(data)
    with pytest.raises(CheckpointError, match=message):
        Engine.restore(POLICY, data)


def test_checkpoint__not_an_object_is_refused() -> None:
    with pytest.raises(CheckpointError):
        Engine.restore(POLICY, ["not", "a", "checkpoint"])


# -- a policy change ------------------------------------------------------------------------------------


def test_restore_under_a_new_policy__keeps_the_past_and_applies_the_new_rules_from_now() -> None:
    desk = busy_desk()
    offered = [d for d in desk.decisions if isinstance(d, Offered)]
    assert offered, "the scenario rings an interpreter"
    shorter = policy(
        offers={"timeout_s": 5, "max_missed_in_row": 2, "redial_cooldown_s": 30},
        desk_hours={"opens": "11:00", "closes": "17:00"},
    )
    assert policy_version(shorter) != policy_version(POLICY)
    engine = Engine.restore(shorter, json_round_trip(desk.engine))
    before = desk.engine.snapshot()
    assert engine.snapshot() == before  # nobody moved: queue, offers (deadlines as announced), calls
    assert engine.snapshot().offers[0].deadline == offered[-1].deadline
    # the desk is closed now (opens 11:00): a new arrival is offered a fallback; the queued keep their place
    decisions = engine.handle(
        replace(event_from_dict(event_to_dict(desk.events[-1])), request_id="r-new", at=desk.now)
    )
    assert [type(d).__name__ for d in decisions] == ["FallbackOffered"]
    assert [e.request_id for e in engine.snapshot().queue] == [e.request_id for e in before.queue]
    # the next offer uses the new timeout
    engine.handle(event_from_dict({"type": "OfferDeclined", "at": desk.now.isoformat(), **_offer(before)}))
    later = desk.now + timedelta(seconds=31)
    engine.handle(event_from_dict({"type": "Tick", "at": later.isoformat()}))
    for offer in engine.snapshot().offers:
        assert offer.deadline <= later + timedelta(seconds=5)


def _offer(snapshot) -> dict:
    offer = snapshot.offers[0]
    return {"request_id": offer.request_id, "interpreter_id": offer.interpreter_id}


def test_policy_version__is_a_content_hash() -> None:
    assert policy_version(DeskPolicy.default()) == policy_version(DeskPolicy.default())
    assert policy_version(POLICY) != policy_version(DeskPolicy.default())
    assert len(policy_version(POLICY)) == 16


# -- bounded memory -------------------------------------------------------------------------------------


def test_closed_outcomes__are_bounded_so_a_checkpoint_is_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Engine, "CLOSED_MEMORY", 3)
    desk = Desk(jst(2026, 6, 1, 10, 0), POLICY)
    for n in range(5):
        desk.request(f"r-{n}", "en")
        desk.send(ConsultationCancelled(at=desk.now, request_id=f"r-{n}"))
    assert [item[0] for item in desk.engine.checkpoint()["closed"]] == ["r-2", "r-3", "r-4"]
    with pytest.raises(DuplicateRequest):
        desk.request("r-4", "en")
    with pytest.raises(UnknownRequest):  # long closed and forgotten: a late event is an unknown case
        desk.engine.outcome("r-0")


# -- a policy change at any point -----------------------------------------------------------------------

OTHER_POLICIES = {
    "closed desk": policy(desk_hours={"opens": "16:00", "closes": "17:00"}),
    "short offers": policy(offers={"timeout_s": 5, "max_missed_in_row": 1, "redial_cooldown_s": 5}),
    "vendor closed": policy(interpreter_hours={"opens": "16:00", "closes": "18:00"}),
    "modes swapped": policy(
        languages={**DeskPolicy.default().to_dict()["languages"], "en": "remote", "ko": "on_site"}
    ),
    "new staff language": policy(staff_language="en"),
}


@pytest.mark.parametrize("name", sorted(OTHER_POLICIES))
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_restore_under_another_policy__keeps_the_state_and_goes_on_consistently(name: str, seed: int) -> None:
    """At several cut points the state moves to another policy unchanged, and the rest of the events either
    apply or are refused as conflicts: never an index out of step (KeyError, AssertionError)."""
    events = random_scenario(seed, 240)
    for cut in (30, 120, 200):
        head = Engine.replay(DeskPolicy.default(), events[:cut])
        switched = Engine.restore(OTHER_POLICIES[name], json_round_trip(head))
        assert switched.snapshot() == head.snapshot()
        assert switched.policy is OTHER_POLICIES[name]
        for event in events[cut:]:
            try:
                switched.handle(event)
            except RoutingConflict:
                continue
        again = Engine.restore(OTHER_POLICIES[name], json_round_trip(switched))
        assert again.snapshot() == switched.snapshot()
        assert again.checkpoint() == switched.checkpoint()
