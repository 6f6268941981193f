# mypy: allow-untyped-defs, allow-incomplete-defs, allow-untyped-decorators, allow-untyped-calls
"""Replay after a restart: stored events give the same decisions and snapshot in a fresh process.

A new process has a different string-hash seed, so any decision that depended on set or dict-of-str iteration
order would show up here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from routing_kit import random_scenario

from routing import DeskPolicy, Engine, decision_to_dict, event_to_dict, to_data

REPLAY = """
import json, sys
from routing import DeskPolicy, Engine, decision_to_dict, event_from_dict, to_data
engine = Engine(DeskPolicy.default())
out = [[decision_to_dict(d) for d in engine.handle(event_from_dict(e))] for e in json.load(sys.stdin)]
json.dump({"decisions": out, "snapshot": to_data(engine.snapshot())}, sys.stdout)
"""


def _replay(events, hash_seed):
    env = {**os.environ, "PYTHONHASHSEED": str(hash_seed)}
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", REPLAY],
        input=json.dumps(events),
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        check=True,
    )
    return json.loads(result.stdout)


@pytest.mark.parametrize("seed", [1, 2])
def test_replay__other_process_and_hash_seed__same_decisions_and_snapshot(seed):
    events = random_scenario(seed, 400)
    engine = Engine(DeskPolicy.default())
    expected = [[decision_to_dict(d) for d in engine.handle(event)] for event in events]
    assert sum(len(d) for d in expected) > 300, "the scenario should make the engine work"
    stored = [event_to_dict(event) for event in events]
    for hash_seed in (11, 12):
        replayed = _replay(stored, hash_seed)
        assert replayed["decisions"] == expected
        assert replayed["snapshot"] == json.loads(json.dumps(to_data(engine.snapshot())))


def test_replay__engine_replay_classmethod__rebuilds_the_same_state():
    events = random_scenario(3, 300)
    live = Engine(DeskPolicy.default())
    for event in events:
        live.handle(event)
    assert Engine.replay(DeskPolicy.default(), events).snapshot() == live.snapshot()
