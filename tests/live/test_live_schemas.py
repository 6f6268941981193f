"""The queue's response models give back exactly the JSON the engine's snapshot encodes to."""

from __future__ import annotations

import pytest

from app.live.schemas import LiveQueueRead, SiteQueueRead
from routing import Engine, to_data
from routing.policy import DeskPolicy
from tests.routing.routing_kit import random_scenario


@pytest.mark.parametrize("seed", range(6))
def test_live_queue_read__any_snapshot__same_json(seed: int) -> None:
    engine = Engine(DeskPolicy.default())
    for event in random_scenario(seed, 60):
        engine.handle(event)
    data = to_data(engine.snapshot())
    assert data["interpreters"] and data["counselors"]  # the scenario left a roster to encode
    assert LiveQueueRead.model_validate(data).model_dump(mode="json") == data
    site = {"at": data["at"], "queue": data["queue"]}
    assert SiteQueueRead.model_validate(site).model_dump(mode="json") == site


def test_live_queue_read__empty_desk__same_json() -> None:
    data = to_data(Engine(DeskPolicy.default()).snapshot())
    assert LiveQueueRead.model_validate(data).model_dump(mode="json") == data


def test_site_queue_read__staff_snapshot__refused() -> None:
    """The two shapes never mix: the site view cannot carry the roster."""
    data = to_data(Engine(DeskPolicy.default()).snapshot())
    with pytest.raises(ValueError, match="extra"):
        SiteQueueRead.model_validate(data)
