"""One wait estimate: the counter tablet shows what the counselor console shows, from routing's one estimate,
and hears of it again when it changes (a counselor signing in), not only when the case was queued."""

from __future__ import annotations

from datetime import time

from app.i18n import translator
from app.live.pushes import WaitTold, wait_updates
from realtime.protocol import QueueUpdate
from routing import CounselorPresent, LanguageAvailability, Queued, QueuePosition
from tests.routing.routing_kit import Desk, jst, one, policy

WEEKDAY_1100 = jst(2026, 6, 1, 11, 0)


def _console_row(desk: Desk, language: str) -> LanguageAvailability:
    """The console's row for a language (`GET /api/v1/availability`)."""
    return next(a for a in desk.engine.availability(desk.now) if a.language == language)


def _positions(desk: Desk) -> list[QueuePosition]:
    engine = desk.engine
    return [p for e in engine.snapshot().queue if (p := engine.position(e.request_id)) is not None]


def _busy_desk() -> Desk:
    """One counselor in a call in English, a Portuguese interpreter online: Portuguese residents queue."""
    desk = Desk(WEEKDAY_1100, policy(estimates={"default_handling_s": 900, "smoothing": 0.5}))
    desk.counselor("c1", "en")
    desk.request("r0", "en")  # c1 takes it: busy
    desk.interpreter("i-pt", "pt")
    return desk


def test_the_wait_a_new_arrival_is_shown_is_the_wait_the_resident_gets() -> None:
    desk = _busy_desk()
    console = _console_row(desk, "pt").estimated_wait_s
    assert console == 900  # one call ahead: the console shows about 15 minutes
    queued = one(desk.request("r1", "pt"), Queued)
    assert queued.estimated_wait_s == console  # the tablet's first figure (the Queued frame)
    position = desk.engine.position("r1")
    assert position is not None and position.estimated_wait_s == console  # the tablet's page reload (watch)


def test_a_waiting_resident_hears_the_new_estimate_when_a_counselor_signs_in() -> None:
    desk = Desk(WEEKDAY_1100, policy(estimates={"default_handling_s": 900, "smoothing": 0.5}))
    desk.interpreter("i-pt", "pt")
    desk.request("r0", "en")
    queued = one(desk.request("r1", "pt"), Queued)
    assert queued.estimated_wait_s is None  # nobody present: "cannot be estimated", on both screens
    told: WaitTold = {}
    assert wait_updates(_positions(desk), told, {"r0", "r1"}) == []  # their Queued frames told them already
    assert told == {"r0": (1, None), "r1": (1, None)}
    desk.send(CounselorPresent(at=desk.now, counselor_id="c1", languages=frozenset({"en"})))  # takes r0
    pushes = wait_updates(_positions(desk), told, set())
    updates = [p.message for p in pushes]
    assert all(isinstance(u, QueueUpdate) for u in updates)
    assert [(u.consultation_id, u.position, u.estimated_wait_s) for u in updates] == [("r1", 1, 900)]
    # the console's row is the wait of the next arrival: behind r1, with c1's call in progress
    assert _console_row(desk, "pt").estimated_wait_s == 1800  # r1 ahead and a call in progress
    assert told == {"r1": (1, 900)}  # r0 left the queue: forgotten
    assert wait_updates(_positions(desk), told, set()) == []  # nothing new: nothing sent again


def test_opening_hours_follow_the_desk_calendar_per_weekday_with_its_closures() -> None:
    hours = policy(
        desk_hours={
            "opens": "09:00",
            "closes": "17:00",
            "weekdays": ["mon", "tue", "wed", "thu", "fri", "sat"],
            "day_hours": {"sat": {"opens": "09:00", "closes": "12:00"}},
            "holiday_country": "JP",
        }
    ).desk_hours
    en = translator("en").opening_hours(hours)
    assert translator("en").format_days(range(5)) in en and "Saturday" in en
    assert translator("en").format_hours(time(9), time(12)) in en
    assert translator("en").t("closed.holidays") in en and "weekdays" not in en.lower()
    ja = translator("ja").opening_hours(hours)
    assert "土" in ja and translator("ja").t("closed.holidays") in ja
