# mypy: allow-untyped-defs, allow-incomplete-defs, allow-untyped-decorators, allow-untyped-calls
"""Engine behaviour, case by case: the desk policy, offers, drop-outs, constraints, priorities, errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from routing_kit import Desk, jst, one, only, policy

from routing import (
    AbandonReason,
    Assigned,
    Availability,
    AwayReason,
    CallEnded,
    CallTransferred,
    CallView,
    Closed,
    ConsultationAbandoned,
    ConsultationCancelled,
    CounselorAway,
    CounselorBusy,
    CounselorFree,
    CounselorState,
    DeskPolicy,
    DuplicateRequest,
    Event,
    FallbackAccepted,
    FallbackOffered,
    FallbackOption,
    FallbackReason,
    InterpreterOffline,
    InterpreterRequested,
    InterpreterSetAway,
    InterpreterState,
    InvalidTransition,
    OfferAccepted,
    OfferDeclined,
    Offered,
    OfferEnded,
    OfferEndReason,
    OfferExpired,
    OfferNotOutstanding,
    Outcome,
    ParticipantLeft,
    Queued,
    Requeued,
    RequeueReason,
    Role,
    RoutingConflict,
    SafetyFlag,
    ServiceMode,
    Tick,
    Transferred,
    UnknownCounselor,
    UnknownInterpreter,
    UnknownRequest,
    UnsupportedLanguage,
    WrapUpEnded,
    default_policy_data,
)

POLICY = DeskPolicy.default()
ALL_LANGUAGES = list(POLICY.languages)
ON_SITE = [code for code, mode in POLICY.languages.items() if mode is ServiceMode.ON_SITE]
REMOTE = [code for code, mode in POLICY.languages.items() if mode is ServiceMode.REMOTE]
WEEKDAY_0930 = jst(2026, 6, 1, 9, 30)  # Monday
WEEKDAY_1100 = jst(2026, 6, 1, 11, 0)


def position_of(desk: Desk, request_id: str) -> int | None:
    position = desk.engine.position(request_id)
    return None if position is None else position.position


def staffed_desk(start, desk_policy=None):
    """Two counselors (en; zh+vi) and one interpreter per remote language (ko also cleared for DV cases)."""
    desk = Desk(start, desk_policy)
    desk.counselor("c-en", "en")
    desk.counselor("c-zhvi", "zh", "vi")
    for code in [*REMOTE, "uk"]:
        desk.interpreter(f"i-{code}", code)
    return desk


# -- the desk policy, language by language, at different times -----------------------------------


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_request__weekday_0930_before_vendor_opens(language):
    desk = staffed_desk(WEEKDAY_0930)
    decisions = desk.request("r1", language)
    mode = POLICY.mode_of(language)
    if mode is ServiceMode.ON_SITE:
        assigned = one(decisions, Assigned)
        assert assigned.interpreter_id is None
        # Easy Japanese goes to any counselor: the one with the fewest other languages (keeps linguists free).
        assert assigned.counselor_id == {"zh": "c-zhvi", "vi": "c-zhvi"}.get(language, "c-en")
    elif mode is ServiceMode.REMOTE:
        fallback = one(decisions, FallbackOffered)
        assert (fallback.reason, fallback.queued) == (FallbackReason.VENDOR_CLOSED, True)
        assert fallback.options == POLICY.fallback_options
        assert one(decisions, Queued).position == 1
        assert not only(decisions, Offered)
        # The vendor opens at 10:00: the queued resident is offered to an interpreter without doing anything.
        opened = desk.advance(30 * 60)
        assert one(opened, Offered).interpreter_id == f"i-{language}"
    else:
        fallback = one(decisions, FallbackOffered)
        assert (fallback.reason, fallback.queued) == (FallbackReason.RESERVATION_ONLY, False)
        assert fallback.options == (FallbackOption.RESERVATION,)
        assert not only(decisions, Queued)


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_request__weekday_1100__served_live_except_reservation_languages(language):
    desk = staffed_desk(WEEKDAY_1100)
    decisions = desk.request("r1", language)
    mode = POLICY.mode_of(language)
    if mode is ServiceMode.ON_SITE:
        assert one(decisions, Assigned).interpreter_id is None
    elif mode is ServiceMode.REMOTE:
        assert one(decisions, Offered).interpreter_id == f"i-{language}"
        assert not only(decisions, FallbackOffered)
    else:
        assert one(decisions, FallbackOffered).reason is FallbackReason.RESERVATION_ONLY


@pytest.mark.parametrize(
    "when",
    [
        pytest.param(jst(2026, 11, 23, 11, 0), id="labour-thanksgiving-day"),
        pytest.param(jst(2027, 1, 11, 11, 0), id="coming-of-age-day"),
        pytest.param(jst(2026, 12, 30, 11, 0), id="year-end-30-dec"),
        pytest.param(jst(2026, 6, 6, 11, 0), id="saturday"),
        pytest.param(jst(2026, 6, 1, 17, 30), id="after-hours"),
    ],
)
@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_request__desk_closed__fallback_and_not_queued(when, language):
    desk = staffed_desk(when)
    decisions = desk.request("r1", language)
    fallback = one(decisions, FallbackOffered)
    assert (fallback.reason, fallback.queued) == (FallbackReason.DESK_CLOSED, False)
    assert decisions == [fallback]
    snapshot = desk.engine.snapshot()
    assert snapshot.queue == ()
    assert [p.request_id for p in snapshot.pending] == ["r1"]
    # The resident takes a callback: that is the request's terminal state.
    closed = desk.send(FallbackAccepted(at=desk.now, request_id="r1", option=FallbackOption.CALLBACK))
    assert one(closed, Closed).outcome is Outcome.FALLBACK_ACCEPTED


def test_request__reservation_slot_now__reserved_interpreter_offered_first():
    desk = staffed_desk(WEEKDAY_1100)
    desk.interpreter("i-uk-booked", "uk")  # idle for less time than i-uk
    decisions = desk.request("r1", "uk", reservation_id="res-7", reserved_interpreter_id="i-uk-booked")
    assert one(decisions, Offered).interpreter_id == "i-uk-booked"
    # If the booked interpreter declines, the pool takes over.
    nxt = desk.send(OfferDeclined(at=desk.now, request_id="r1", interpreter_id="i-uk-booked"))
    assert one(nxt, Offered).interpreter_id == "i-uk"


def test_request__language_nobody_covers__fallback_but_stays_queued():
    desk = Desk(WEEKDAY_1100)
    desk.counselor("c1")
    decisions = desk.request("r1", "th")
    fallback = one(decisions, FallbackOffered)
    assert (fallback.reason, fallback.queued) == (FallbackReason.NO_INTERPRETER, True)
    assert one(decisions, Queued).position == 1
    # A Thai interpreter comes online: the resident, still queued, is offered.
    assert one(desk.interpreter("i-th", "th"), Offered).request_id == "r1"


# -- the Nepali resident at the Soja satellite counter -------------------------------------------


def test_nepali_at_soja_satellite__needs_counselor_and_interpreter():
    desk = Desk(WEEKDAY_1100)
    desk.interpreter("i-ne", "ne")
    queued = desk.request("r1", "ne", channel="satellite", site_id="33208-soja")
    assert not only(queued, Offered), "no counselor yet: the interpreter must not be rung"
    assert one(queued, Queued).estimated_wait_s is None  # nobody who could serve is present
    offered = desk.counselor("c1")
    assert one(offered, Offered).interpreter_id == "i-ne"
    assert desk.engine.snapshot().held_counselors == 1
    assigned = one(desk.send(OfferAccepted(at=desk.now, request_id="r1", interpreter_id="i-ne")), Assigned)
    assert (assigned.counselor_id, assigned.interpreter_id) == ("c1", "i-ne")
    call = one(desk.engine.snapshot().calls, CallView)
    assert (call.counselor_id, call.interpreter_id) == ("c1", "i-ne")
    assert desk.engine.snapshot().held_counselors == 0
    desk.advance(600)
    assert one(desk.send(CallEnded(at=desk.now, request_id="r1")), Closed).outcome is Outcome.SERVED


# -- offers: decline, expiry, set away -----------------------------------------------------------


def test_offer_declined__next_interpreter_offered():
    desk = Desk(WEEKDAY_1100)
    desk.counselor("c1")
    desk.interpreter("i-a", "ko")
    desk.advance(1)
    desk.interpreter("i-b", "ko")
    assert one(desk.request("r1", "ko"), Offered).interpreter_id == "i-a"  # longest idle first
    decisions = desk.send(OfferDeclined(at=desk.now, request_id="r1", interpreter_id="i-a"))
    ended = one(decisions, OfferEnded)
    assert (ended.interpreter_id, ended.reason) == ("i-a", OfferEndReason.DECLINED)
    assert one(decisions, Offered).interpreter_id == "i-b"


def test_offer_declined__only_interpreter__not_rung_again_until_cooldown():
    desk = Desk(WEEKDAY_1100)
    desk.counselor("c1")
    desk.interpreter("i-a", "ko")
    desk.request("r1", "ko")
    assert not only(desk.send(OfferDeclined(at=desk.now, request_id="r1", interpreter_id="i-a")), Offered)
    assert not only(desk.advance(59), Offered)
    assert one(desk.advance(1), Offered).interpreter_id == "i-a"


def test_offer_expired__next_interpreter_offered():
    desk = Desk(WEEKDAY_1100)
    desk.counselor("c1")
    desk.interpreter("i-a", "ko")
    desk.advance(1)
    desk.interpreter("i-b", "ko")
    offered = one(desk.request("r1", "ko"), Offered)
    assert offered.deadline == desk.now + (offered.deadline - offered.at)
    assert not only(desk.advance(19), OfferEnded)
    decisions = desk.advance(1)  # the deadline: the Tick expires it
    assert one(decisions, OfferEnded).reason is OfferEndReason.EXPIRED
    assert one(decisions, Offered).interpreter_id == "i-b"


def test_offer_expired_event__same_as_deadline():
    desk = Desk(WEEKDAY_1100)
    desk.counselor("c1")
    desk.interpreter("i-a", "ko")
    desk.interpreter("i-b", "ko")
    first = one(desk.request("r1", "ko"), Offered).interpreter_id
    decisions = desk.send(OfferExpired(at=desk.now, request_id="r1", interpreter_id=first))
    assert one(decisions, OfferEnded).reason is OfferEndReason.EXPIRED
    assert one(decisions, Offered).interpreter_id != first


def test_offer_expired__twice_in_a_row__interpreter_set_away():
    desk = Desk(WEEKDAY_1100)
    desk.counselor("c1")
    desk.interpreter("i-sleepy", "ko")
    desk.request("r1", "ko")
    first = desk.advance(20)
    assert not only(first, InterpreterSetAway)
    desk.request("r2", "ko")  # r1 is in cooldown for i-sleepy; r2 is offered to them
    second = desk.advance(20)
    away = one(second, InterpreterSetAway)
    assert (away.interpreter_id, away.reason) == ("i-sleepy", AwayReason.MISSED_OFFERS)
    sleepy = next(i for i in desk.engine.snapshot().interpreters if i.interpreter_id == "i-sleepy")
    assert sleepy.state is InterpreterState.AWAY
    assert not only(desk.advance(120), Offered)  # away: no more offers
    assert only(desk.interpreter("i-sleepy", "ko"), Offered)  # back: offered again


def test_offer_expired_then_declined__streak_resets():
    desk = Desk(WEEKDAY_1100, policy(offers={"redial_cooldown_s": 0}))
    desk.counselor("c1")
    desk.interpreter("i-a", "ko")
    desk.request("r1", "ko")
    desk.advance(20)  # missed once, re-offered at once (no cooldown)
    desk.send(OfferDeclined(at=desk.now, request_id="r1", interpreter_id="i-a"))  # answered: streak resets
    assert not only(desk.advance(20), InterpreterSetAway)


def test_late_accept__after_deadline__is_refused_and_changes_nothing():
    desk = Desk(WEEKDAY_1100)
    desk.counselor("c1")
    desk.interpreter("i-a", "ko")
    desk.request("r1", "ko")
    before = desk.engine.snapshot()
    with pytest.raises(OfferNotOutstanding):
        desk.engine.handle(
            OfferAccepted(at=desk.now.replace(second=20), request_id="r1", interpreter_id="i-a")
        )
    assert desk.engine.snapshot() == before


# -- an interpreter drops out of a call ----------------------------------------------------------


@pytest.mark.parametrize("how", ["participant_left", "offline"])
def test_interpreter_drops_mid_call__reoffered_with_top_priority_same_request(how):
    desk = Desk(WEEKDAY_1100)
    desk.counselor("c1")
    desk.interpreter("i-a", "ne")
    desk.request("r1", "ne")
    desk.send(OfferAccepted(at=desk.now, request_id="r1", interpreter_id="i-a"))
    desk.advance(60)
    desk.request("r-urgent", "ne", urgent=True)  # waits: the only counselor is in r1's call
    event: Event
    if how == "participant_left":
        event = ParticipantLeft(at=desk.now, request_id="r1", role=Role.INTERPRETER, participant_id="i-a")
    else:
        event = InterpreterOffline(at=desk.now, interpreter_id="i-a")
    dropped = desk.send(event)
    requeued = one(dropped, Requeued)
    assert (requeued.request_id, requeued.interpreter_id, requeued.position) == ("r1", "i-a", 1)
    if how == "participant_left":
        assert one(dropped, InterpreterSetAway).reason is AwayReason.LEFT_CALL
    desk.advance(5)
    offered = one(desk.interpreter("i-b", "ne"), Offered)
    assert (offered.request_id, offered.reoffer) == ("r1", True)  # ahead of the urgent request
    rejoined = one(desk.send(OfferAccepted(at=desk.now, request_id="r1", interpreter_id="i-b")), Assigned)
    assert (rejoined.request_id, rejoined.counselor_id, rejoined.interpreter_id, rejoined.rejoin) == (
        "r1",
        "c1",
        "i-b",
        True,
    )
    closed = desk.send(CallEnded(at=desk.now, request_id="r1"))
    assert one(closed, Closed).outcome is Outcome.SERVED
    assert only(closed, Offered)[0].request_id == "r-urgent"  # c1 and i-b are free again
    assert [c for c in desk.decisions if isinstance(c, Closed)] == [one(closed, Closed)], (
        "one record, one close"
    )


def test_counselor_asks_for_an_interpreter__pool_rung_first_call_goes_on():
    desk = Desk(WEEKDAY_1100)
    desk.counselor("c-zh", "zh")
    desk.request("r1", "zh")  # served on site: the counselor speaks Chinese
    assert one(desk.decisions, Assigned).interpreter_id is None
    desk.request("r-next", "zh")  # waits for the busy counselor
    asked = desk.send(InterpreterRequested(at=desk.now, request_id="r1"))
    requeued = one(asked, Requeued)
    assert (requeued.interpreter_id, requeued.reason, requeued.position) == (
        None,
        RequeueReason.INTERPRETER_REQUESTED,
        1,
    )
    with pytest.raises(InvalidTransition):  # asking twice while one is being found
        desk.send(InterpreterRequested(at=desk.now, request_id="r1"))
    offered = one(desk.interpreter("i-zh", "zh"), Offered)
    assert (offered.request_id, offered.reoffer) == ("r1", True)  # the call in progress, not r-next
    joined = one(desk.send(OfferAccepted(at=desk.now, request_id="r1", interpreter_id="i-zh")), Assigned)
    assert (joined.counselor_id, joined.interpreter_id, joined.rejoin) == ("c-zh", "i-zh", True)
    with pytest.raises(InvalidTransition):  # it has one now
        desk.send(InterpreterRequested(at=desk.now, request_id="r1"))
    with pytest.raises(InvalidTransition):  # r-next is not in a call
        desk.send(InterpreterRequested(at=desk.now, request_id="r-next"))


def transfer(desk: Desk, request_id: str, to_counselor_id: str):
    return desk.send(CallTransferred(at=desk.now, request_id=request_id, to_counselor_id=to_counselor_id))


def counselor_states(desk: Desk) -> dict[str, tuple[CounselorState, str | None]]:
    return {c.counselor_id: (c.state, c.request_id) for c in desk.engine.snapshot().counselors}


def test_call_transferred__new_counselor_takes_the_running_call_with_its_interpreter():
    desk = Desk(WEEKDAY_1100)
    desk.counselor("c-a")
    desk.interpreter("i-ko", "ko")
    desk.request("r1", "ko")
    desk.send(OfferAccepted(at=desk.now, request_id="r1", interpreter_id="i-ko"))
    desk.counselor("c-b")
    desk.advance(60)
    moved = transfer(desk, "r1", "c-b")
    assert moved == [
        Transferred(
            at=desk.now,
            request_id="r1",
            from_counselor_id="c-a",
            to_counselor_id="c-b",
            interpreter_id="i-ko",
        )
    ]
    (call,) = desk.engine.snapshot().calls
    assert (call.counselor_id, call.interpreter_id, call.since) == ("c-b", "i-ko", WEEKDAY_1100)
    assert counselor_states(desk) == {
        "c-a": (CounselorState.FREE, None),
        "c-b": (CounselorState.IN_CALL, "r1"),
    }
    assert one(desk.send(CallEnded(at=desk.now, request_id="r1")), Closed).outcome is Outcome.SERVED
    assert counselor_states(desk)["c-b"] == (CounselorState.FREE, None)


def test_call_transferred__the_former_counselor_is_given_the_next_waiting_request_at_once():
    desk = Desk(WEEKDAY_1100)
    desk.counselor("c-a", "en")
    desk.interpreter("i-ko", "ko")
    desk.request("r1", "ko")
    desk.send(OfferAccepted(at=desk.now, request_id="r1", interpreter_id="i-ko"))
    desk.request("r-en", "en")  # on site: waits for the only English speaker, c-a
    desk.counselor("c-b")  # speaks no English: r-en keeps waiting
    assert position_of(desk, "r-en") == 1
    moved = transfer(desk, "r1", "c-b")
    assert one(moved, Transferred).to_counselor_id == "c-b"
    assigned = one(moved, Assigned)
    assert (assigned.request_id, assigned.counselor_id, assigned.interpreter_id) == ("r-en", "c-a", None)
    assert moved.index(one(moved, Transferred)) < moved.index(assigned)


def test_call_transferred__on_site_language_without_interpreter_needs_a_speaker():
    desk = Desk(WEEKDAY_1100)
    desk.counselor("c-zh", "zh")
    desk.request("r1", "zh")
    desk.counselor("c-en", "en")
    desk.counselor("c-zhvi", "zh", "vi")
    assert desk.engine.transfer_targets("r1") == ("c-zhvi",)  # the console's picker: same rule
    with pytest.raises(InvalidTransition, match="does not speak 'zh'"):
        transfer(desk, "r1", "c-en")
    assert one(transfer(desk, "r1", "c-zhvi"), Transferred).from_counselor_id == "c-zh"
    desk.request("r-ja", "ja")  # the staff language: the free c-zh or c-en takes it, anyone may take it over
    ja_counselor = only(desk.log[-1][1], Assigned)[0].counselor_id
    other = ({"c-zh", "c-en"} - {ja_counselor}).pop()
    assert one(transfer(desk, "r-ja", other), Transferred).to_counselor_id == other


def test_call_transferred__refused_unless_target_present_and_idle():
    desk = Desk(WEEKDAY_1100)
    desk.counselor("c-busy")
    desk.send(CounselorBusy(at=desk.now, counselor_id="c-busy"))
    desk.counselor("c-away")
    desk.send(CounselorAway(at=desk.now, counselor_id="c-away"))
    desk.counselor("c-a")
    desk.counselor("c-b")
    desk.request("r1", "ja")
    desk.request("r2", "ja")
    desk.request("r-waiting", "ja")
    caller = {a.request_id: a.counselor_id for a in only(desk.decisions, Assigned)}
    assert set(caller) == {"r1", "r2"}
    before = desk.engine.snapshot()
    with pytest.raises(InvalidTransition, match="not free \\(busy\\)"):
        transfer(desk, "r1", "c-busy")
    with pytest.raises(InvalidTransition, match="not free \\(away\\)"):
        transfer(desk, "r1", "c-away")
    with pytest.raises(InvalidTransition, match="not free \\(in_call\\)"):
        transfer(desk, "r1", caller["r2"])
    with pytest.raises(InvalidTransition, match="already in this call"):
        transfer(desk, "r1", caller["r1"])
    with pytest.raises(UnknownCounselor):
        transfer(desk, "r1", "c-ghost")
    with pytest.raises(InvalidTransition, match="not in a call"):
        transfer(desk, "r-waiting", "c-busy")
    with pytest.raises(UnknownRequest):
        transfer(desk, "r-never", "c-busy")
    assert desk.engine.snapshot() == before, "a refused transfer changes nothing"
    assert desk.engine.transfer_targets("r1") == ()
    with pytest.raises(InvalidTransition):
        desk.engine.transfer_targets("r-waiting")
    desk.send(CallEnded(at=desk.now, request_id="r1"))  # r-waiting takes the freed counselor
    desk.send(CounselorFree(at=desk.now, counselor_id="c-busy"))
    with pytest.raises(InvalidTransition, match="already closed"):
        transfer(desk, "r1", "c-busy")


def test_call_transferred__a_counselor_held_for_a_ringing_interpreter_is_not_free_to_take_it():
    desk = Desk(WEEKDAY_1100)
    desk.counselor("c-a")
    desk.request("r1", "ja")
    desk.send(CounselorBusy(at=desk.now, counselor_id="c-a"))  # stays in r1; will not be free after it
    desk.counselor("c-b")
    desk.interpreter("i-ko", "ko")
    offered = one(desk.request("r2", "ko"), Offered)  # rings i-ko, holding the one free counselor, c-b
    assert (offered.reoffer, desk.engine.snapshot().held_counselors) == (False, 1)
    with pytest.raises(InvalidTransition, match="held for a call"):
        transfer(desk, "r1", "c-b")
    desk.send(CounselorFree(at=desk.now, counselor_id="c-a"))  # c-a will be free after handing r1 over
    assert one(transfer(desk, "r1", "c-b"), Transferred).to_counselor_id == "c-b"
    joined = one(desk.send(OfferAccepted(at=desk.now, request_id="r2", interpreter_id="i-ko")), Assigned)
    assert joined.counselor_id == "c-a"


def test_call_transferred__a_call_still_seeking_an_interpreter_gets_it_with_the_new_counselor():
    desk = Desk(WEEKDAY_1100)
    desk.counselor("c-a")
    desk.request("r1", "ja")
    desk.send(InterpreterRequested(at=desk.now, request_id="r1"))
    desk.counselor("c-b")
    transfer(desk, "r1", "c-b")
    offered = one(desk.interpreter("i-ja", "ja"), Offered)
    assert offered.reoffer
    joined = one(desk.send(OfferAccepted(at=desk.now, request_id="r1", interpreter_id="i-ja")), Assigned)
    assert (joined.counselor_id, joined.rejoin) == ("c-b", True)


def test_participant_left__other_roles_or_repeats__change_nothing():
    desk = Desk(WEEKDAY_1100)
    desk.counselor("c1")
    desk.interpreter("i-a", "ne")
    desk.request("r1", "ne")
    desk.send(OfferAccepted(at=desk.now, request_id="r1", interpreter_id="i-a"))
    assert (
        desk.send(ParticipantLeft(at=desk.now, request_id="r1", role=Role.RESIDENT, participant_id="x")) == []
    )
    assert (
        desk.send(ParticipantLeft(at=desk.now, request_id="r1", role=Role.INTERPRETER, participant_id="i-z"))
        == []
    )


# -- constraints: gender, safety, exclusions, priority -------------------------------------------


def test_gender_preference__honoured_then_relaxed_after_wait():
    desk = Desk(WEEKDAY_1100, policy(relaxation={"gender_after_s": 90}))
    desk.counselor("c1")
    desk.interpreter("i-m", "pt", gender="male")
    queued = desk.request("r1", "pt", gender="female")
    assert not only(queued, Offered)
    assert not only(desk.advance(89), Offered)
    assert one(desk.advance(1), Offered).interpreter_id == "i-m"


def test_gender_preference__matching_interpreter_preferred_over_longer_idle():
    desk = Desk(WEEKDAY_1100)
    desk.counselor("c1")
    desk.interpreter("i-m", "pt", gender="male")
    desk.advance(5)
    desk.interpreter("i-f", "pt", gender="female")
    assert one(desk.request("r1", "pt", gender="female"), Offered).interpreter_id == "i-f"


def test_dv_case__offered_only_to_cleared_interpreters():
    desk = Desk(WEEKDAY_1100)
    desk.counselor("c1")
    desk.interpreter("i-plain", "ko")
    desk.advance(5)
    assert not only(desk.request("r-dv", "ko", flags={SafetyFlag.DV}), Offered)
    desk.advance(600)  # no relaxation ever lifts a safety flag
    assert not [d for d in desk.decisions if isinstance(d, Offered)]
    assert (
        one(desk.interpreter("i-cleared", "ko", cleared={SafetyFlag.DV}), Offered).interpreter_id
        == "i-cleared"
    )


def test_child_case__dv_clearance_is_not_enough():
    desk = Desk(WEEKDAY_1100)
    desk.counselor("c1")
    desk.interpreter("i-dv", "ko", cleared={SafetyFlag.DV})
    assert not only(desk.request("r1", "ko", flags={SafetyFlag.CHILD, SafetyFlag.DV}), Offered)
    both = desk.interpreter("i-both", "ko", cleared={SafetyFlag.DV, SafetyFlag.CHILD})
    assert one(both, Offered).interpreter_id == "i-both"


def test_exclusion_list__interpreter_who_knows_the_resident_never_offered():
    desk = Desk(WEEKDAY_1100)
    desk.counselor("c1")
    desk.interpreter("i-neighbour", "vi")
    desk.interpreter("i-neighbour2", "ne")
    assert not only(desk.request("r1", "ne", exclude={"i-neighbour2"}), Offered)
    # A request behind it without exclusions is not blocked by the excluded one.
    assert one(desk.request("r2", "ne"), Offered).request_id == "r2"
    desk.interpreter("i-stranger", "ne")
    desk.send(OfferDeclined(at=desk.now, request_id="r2", interpreter_id="i-neighbour2"))
    assert all(
        d.interpreter_id != "i-neighbour2" for d in only(desk.decisions, Offered) if d.request_id == "r1"
    )


def test_urgent_request__served_before_earlier_normal_ones():
    desk = Desk(WEEKDAY_1100)
    desk.counselor("c1", "en")
    desk.request("r-first", "en")  # takes c1
    desk.request("r-normal", "en")
    queued = one(desk.request("r-urgent", "en", urgent=True), Queued)
    assert queued.position == 1
    desk.advance(300)
    decisions = desk.send(CallEnded(at=desk.now, request_id="r-first"))
    assert one(decisions, Assigned).request_id == "r-urgent"


def test_fifo__same_language_and_priority__first_come_first_served():
    desk = Desk(WEEKDAY_1100)
    desk.counselor("c1", "en")
    for n in range(4):
        desk.request(f"r{n}", "en")
        desk.advance(1)
    served = []
    for _ in range(4):
        current = next(c.request_id for c in desk.engine.snapshot().calls)
        served.append(current)
        desk.send(CallEnded(at=desk.now, request_id=current))
    assert served == ["r0", "r1", "r2", "r3"]


# -- relaxation rules and fallbacks --------------------------------------------------------------


def test_on_site_language__long_wait__goes_to_interpreter_pool_with_any_counselor():
    desk = Desk(WEEKDAY_1100, policy(relaxation={"on_site_to_remote_after_s": 120}))
    desk.counselor("c-ja")  # speaks only Japanese
    desk.interpreter("i-en", "en")
    assert not only(desk.request("r1", "en"), Offered)
    assert not only(desk.advance(119), Offered)
    offered = one(desk.advance(1), Offered)
    assert offered.interpreter_id == "i-en"
    assigned = one(desk.send(OfferAccepted(at=desk.now, request_id="r1", interpreter_id="i-en")), Assigned)
    assert (assigned.counselor_id, assigned.interpreter_id) == ("c-ja", "i-en")


def test_relaxed_on_site_request__still_prefers_a_speaking_counselor():
    desk = Desk(WEEKDAY_1100, policy(relaxation={"on_site_to_remote_after_s": 10}))
    desk.counselor("c-en", "en")
    desk.request("r0", "en")  # c-en busy
    desk.request("r1", "en")
    desk.interpreter("i-en", "en")
    assert desk.advance(10) == []  # relaxed, but no counselor is free for either route
    decisions = desk.send(CallEnded(at=desk.now, request_id="r0"))
    assigned = one(decisions, Assigned)
    assert (assigned.request_id, assigned.counselor_id, assigned.interpreter_id) == ("r1", "c-en", None)
    assert not only(decisions, Offered)


def test_remote_language__long_wait__fallback_offered_and_still_queued():
    desk = Desk(WEEKDAY_1100, policy(relaxation={"remote_fallback_after_s": 180}))
    desk.counselor("c1")
    desk.interpreter("i-a", "es")
    desk.request("r0", "es")
    desk.send(OfferAccepted(at=desk.now, request_id="r0", interpreter_id="i-a"))
    desk.request("r1", "es")
    assert not only(desk.advance(179), FallbackOffered)
    fallback = one(desk.advance(1), FallbackOffered)
    assert (fallback.request_id, fallback.reason, fallback.queued) == ("r1", FallbackReason.LONG_WAIT, True)
    assert position_of(desk, "r1") == 1  # still in the queue
    assert not only(desk.advance(600), FallbackOffered), "offered once per reason"
    closed = desk.send(FallbackAccepted(at=desk.now, request_id="r1", option=FallbackOption.MT_CHAT))
    assert one(closed, Closed).outcome is Outcome.FALLBACK_ACCEPTED
    assert desk.engine.position("r1") is None


# -- counselor capacity held for ringing interpreters --------------------------------------------


def test_offer_ringing__holds_the_only_free_counselor():
    desk = Desk(WEEKDAY_1100)
    desk.counselor("c1", "en")
    desk.interpreter("i-ko", "ko")
    assert only(desk.request("r-ko", "ko"), Offered)
    assert not only(desk.request("r-en", "en"), Assigned), "c1 is held for the ringing Korean call"
    # The interpreter declines: the hold is released and c1 serves the English resident.
    decisions = desk.send(OfferDeclined(at=desk.now, request_id="r-ko", interpreter_id="i-ko"))
    assert one(decisions, Assigned).request_id == "r-en"


def test_counselor_leaves_while_offer_rings__offer_withdrawn_and_requeued():
    desk = Desk(WEEKDAY_1100)
    desk.counselor("c1")
    desk.interpreter("i-ko", "ko")
    desk.request("r1", "ko")
    decisions = desk.send(CounselorAway(at=desk.now, counselor_id="c1"))
    ended = one(decisions, OfferEnded)
    assert (ended.request_id, ended.reason) == ("r1", OfferEndReason.COUNSELOR_UNAVAILABLE)
    assert desk.engine.snapshot().held_counselors == 0
    assert position_of(desk, "r1") == 1
    # No cooldown: it was nobody's fault. The counselor comes back and the same interpreter is rung.
    assert one(desk.send(CounselorFree(at=desk.now, counselor_id="c1")), Offered).interpreter_id == "i-ko"


def test_counselor_away_during_call__leaves_when_it_ends():
    desk = Desk(WEEKDAY_1100)
    desk.counselor("c1", "en")
    desk.request("r1", "en")
    desk.send(CounselorAway(at=desk.now, counselor_id="c1"))
    desk.request("r2", "en")
    assert not only(desk.send(CallEnded(at=desk.now, request_id="r1")), Assigned)


def test_call_ended_with_wrap_up__counselor_busy_until_free():
    desk = Desk(WEEKDAY_1100)
    desk.counselor("c1", "en")
    desk.request("r1", "en")
    desk.request("r2", "en")
    assert not only(desk.send(CallEnded(at=desk.now, request_id="r1", counselor_wrap_up=True)), Assigned)
    assert one(desk.send(CounselorFree(at=desk.now, counselor_id="c1")), Assigned).request_id == "r2"


# -- queries -------------------------------------------------------------------------------------


def test_estimated_wait__follows_recent_handling_times():
    desk = Desk(WEEKDAY_1100, policy(estimates={"default_handling_s": 900, "smoothing": 0.5}))
    desk.counselor("c1", "en")
    desk.request("r1", "en")
    assert one(desk.request("r2", "en"), Queued).estimated_wait_s == 900  # default: one call ahead
    desk.advance(300)
    desk.send(CallEnded(at=desk.now, request_id="r1"))  # first data point: 300 s; r2 goes in
    assert one(desk.request("r3", "en"), Queued).estimated_wait_s == 300  # r2's call ahead
    assert one(desk.request("r4", "en"), Queued).estimated_wait_s == 600  # r2's call and r3 ahead
    desk.advance(500)
    desk.send(CallEnded(at=desk.now, request_id="r2"))  # 300 + 0.5 * (500 - 300) = 400; r3 goes in
    position = desk.engine.position("r4")
    assert position is not None
    assert position.estimated_wait_s == 400


def test_availability__per_language_status():
    desk = staffed_desk(WEEKDAY_0930)
    by_language = {a.language: a for a in desk.engine.availability()}
    assert by_language["en"].status is Availability.AVAILABLE_NOW
    assert by_language["ne"].status is Availability.LATER_TODAY  # the vendor opens at 10:00
    assert by_language["ne"].opens_at == jst(2026, 6, 1, 10, 0)
    assert by_language["uk"].status is Availability.BOOK_AHEAD
    later = {a.language: a for a in desk.engine.availability(at=WEEKDAY_1100)}
    assert later["ne"].status is Availability.AVAILABLE_NOW
    holiday = {a.language: a for a in desk.engine.availability(at=jst(2026, 11, 23, 11))}
    assert {a.status for a in holiday.values()} == {Availability.CLOSED, Availability.BOOK_AHEAD}
    assert holiday["uk"].status is Availability.BOOK_AHEAD  # booking works on any day
    assert holiday["en"].opens_at == jst(2026, 11, 24, 9, 0)
    assert holiday["ne"].opens_at == jst(2026, 11, 24, 10, 0)  # its interpreters' hours, not the desk's


def test_availability__early_morning_each_language_its_own_opening():
    """07:11: English opens with the desk at 09:00; Nepali with the default vendor at 10:00; Thai, whose only
    interpreters work for a vendor starting at 11:00, at 11:00 (not the desk's 09:00)."""
    data = default_policy_data()
    data["vendor_hours"] = {"thai-co": {"opens": "11:00", "closes": "19:00"}}
    desk = Desk(jst(2026, 6, 1, 7, 11), DeskPolicy.from_dict(data))
    desk.counselor("c-en", "en")
    desk.interpreter("i-ne", "ne")
    desk.interpreter("i-th", "th", vendor="thai-co")
    by_language = {a.language: a for a in desk.engine.availability()}
    assert by_language["en"].status is Availability.LATER_TODAY
    assert by_language["en"].opens_at == jst(2026, 6, 1, 9, 0)
    assert by_language["ne"].status is Availability.LATER_TODAY
    assert by_language["ne"].opens_at == jst(2026, 6, 1, 10, 0)
    assert by_language["th"].status is Availability.LATER_TODAY
    assert by_language["th"].opens_at == jst(2026, 6, 1, 11, 0)
    assert by_language["en"].estimated_wait_s is None  # nothing is promised before it opens
    evening = {a.language: a for a in desk.engine.availability(at=jst(2026, 6, 5, 19, 0))}  # Friday
    assert evening["th"].status is Availability.CLOSED
    assert evening["th"].opens_at == jst(2026, 6, 8, 11, 0)  # Monday, at the vendor's hour


def test_availability__a_vendor_opening_after_the_desk_closes_is_not_today():
    late = {"opens": "17:30", "closes": "20:00", "weekdays": ["mon", "tue", "wed", "thu", "fri"]}
    desk = staffed_desk(WEEKDAY_0930, policy(interpreter_hours=late))
    by_language = {a.language: a for a in desk.engine.availability()}
    assert by_language["ne"].status is Availability.CLOSED  # desk 09–17 and vendor 17:30–20 never overlap
    assert by_language["ne"].opens_at is None


def test_availability__open_desk_with_nobody_signed_in_is_not_now():
    desk = Desk(WEEKDAY_1100)
    desk.advance(0)
    by_language = {a.language: a for a in desk.engine.availability()}
    assert by_language["en"].status is Availability.CLOSED
    assert by_language["en"].opens_at is None and by_language["en"].estimated_wait_s is None
    assert by_language["ne"].status is Availability.CLOSED
    assert by_language["uk"].status is Availability.BOOK_AHEAD
    desk.counselor("c-en", "en")
    assert {a.language: a for a in desk.engine.availability()}["en"].status is Availability.AVAILABLE_NOW


def test_snapshot__queue_in_dispatch_order_with_positions():
    desk = Desk(WEEKDAY_1100)
    desk.request("a", "en")
    desk.request("b", "ne")
    desk.request("c", "en", urgent=True)
    desk.request("d", "en")
    queue = desk.engine.snapshot().queue
    assert [(e.request_id, e.language, e.position) for e in queue] == [
        ("c", "en", 1),
        ("a", "en", 2),
        ("b", "ne", 1),
        ("d", "en", 3),
    ]
    assert position_of(desk, "d") == 3


def test_next_wakeup__vendor_opening_while_someone_waits():
    desk = Desk(WEEKDAY_0930, policy(relaxation={"remote_fallback_after_s": None}))
    desk.counselor("c1")
    desk.interpreter("i-ne", "ne")
    assert desk.engine.next_wakeup() is None
    desk.request("r1", "ne")
    assert desk.engine.next_wakeup() == jst(2026, 6, 1, 10, 0)
    desk.now = jst(2026, 6, 1, 10, 0)
    assert one(desk.send(Tick(at=desk.now)), Offered).request_id == "r1"


def test_next_wakeup__is_the_next_deadline():
    desk = Desk(WEEKDAY_1100, policy(relaxation={"gender_after_s": None, "remote_fallback_after_s": None}))
    desk.counselor("c1")
    desk.interpreter("i-a", "ko")
    offered = one(desk.request("r1", "ko"), Offered)
    assert desk.engine.next_wakeup() == offered.deadline


# -- events that make no sense: a clear 409, and no change ---------------------------------------


def _busy_desk():
    desk = Desk(WEEKDAY_1100)
    desk.counselor("c1", "en")
    desk.interpreter("i-a", "ko")
    desk.request("r-call", "en")
    desk.request("r-ring", "ko")
    desk.request("r-done", "ja")
    desk.send(ConsultationCancelled(at=desk.now, request_id="r-done"))
    return desk


@pytest.mark.parametrize(
    ("make_event", "error"),
    [
        (lambda at: ConsultationCancelled(at=at, request_id="nope"), UnknownRequest),
        (lambda at: ConsultationCancelled(at=at, request_id="r-call"), InvalidTransition),
        (lambda at: ConsultationCancelled(at=at, request_id="r-done"), InvalidTransition),
        (lambda at: CallEnded(at=at, request_id="r-ring"), InvalidTransition),
        (lambda at: OfferAccepted(at=at, request_id="r-call", interpreter_id="i-a"), OfferNotOutstanding),
        (lambda at: OfferAccepted(at=at, request_id="r-ring", interpreter_id="i-b"), OfferNotOutstanding),
        (lambda at: OfferDeclined(at=at, request_id="nope", interpreter_id="i-a"), UnknownRequest),
        (lambda at: OfferExpired(at=at, request_id="r-call", interpreter_id="i-a"), OfferNotOutstanding),
        (lambda at: CounselorFree(at=at, counselor_id="c-ghost"), UnknownCounselor),
        (lambda at: InterpreterOffline(at=at, interpreter_id="i-ghost"), UnknownInterpreter),
        (
            lambda at: ParticipantLeft(at=at, request_id="nope", role=Role.INTERPRETER, participant_id="x"),
            UnknownRequest,
        ),
    ],
)
def test_nonsense_event__raises_conflict_and_changes_nothing(make_event, error):
    desk = _busy_desk()
    before = desk.engine.snapshot()
    with pytest.raises(error) as raised:
        desk.engine.handle(make_event(desk.now))
    assert isinstance(raised.value, RoutingConflict)
    assert raised.value.code
    assert desk.engine.snapshot() == before


def test_duplicate_and_unsupported_requests__raise_conflicts():
    desk = _busy_desk()
    with pytest.raises(DuplicateRequest):
        desk.request("r-call", "en")
    with pytest.raises(DuplicateRequest):
        desk.request("r-done", "en")  # closed ids are never reused
    with pytest.raises(UnsupportedLanguage):
        desk.request("r-x", "tlh")


def test_event_from_the_past__treated_as_now():
    desk = Desk(WEEKDAY_1100)
    desk.counselor("c1", "en")
    desk.advance(60)
    decisions = desk.send(Tick(at=WEEKDAY_1100))
    assert decisions == []
    assert desk.engine.now == desk.now
    assigned = one(desk.request("r1", "en", at=WEEKDAY_1100), Assigned)
    assert assigned.at == desk.now


def test_outcome__reports_terminal_state():
    desk = _busy_desk()
    assert desk.engine.outcome("r-done") is Outcome.CANCELLED
    assert desk.engine.outcome("r-call") is None
    with pytest.raises(UnknownRequest):
        desk.engine.outcome("nope")


def test_fallback_offer__the_choices_a_waiting_request_may_take_now():
    """A late watcher is told the fallbacks: pending ones (desk closed), queued ones, none once served."""
    closed = Desk(jst(2026, 6, 1, 7, 11))
    closed.request("early", "ne")
    pending = closed.engine.fallback_offer("early")
    assert pending is not None and (pending.reason, pending.queued) == (FallbackReason.DESK_CLOSED, False)
    desk = Desk(WEEKDAY_1100)
    desk.counselor("c-en", "en")
    desk.request("r-th", "th")  # no Thai interpreter online: choices, still in the queue
    queued = desk.engine.fallback_offer("r-th")
    assert queued is not None and (queued.reason, queued.queued) == (FallbackReason.NO_INTERPRETER, True)
    desk.request("r-en", "en")
    assert desk.engine.fallback_offer("r-en") is None  # served at once: nothing to choose
    desk.interpreter("i-th", "th")  # the only counselor is busy: r-th still waits, its choices stand
    assert desk.engine.fallback_offer("r-th") == queued
    desk.send(CallEnded(at=desk.now, request_id="r-en"))  # the counselor is free: r-th is offered
    assert desk.engine.fallback_offer("r-th") == queued  # being offered is still waiting
    desk.send(OfferAccepted(at=desk.now, request_id="r-th", interpreter_id="i-th"))
    assert desk.engine.fallback_offer("r-th") is None  # in a call: nothing to choose


def test_wrap_up__no_offer_until_the_record_is_saved():
    desk = Desk(WEEKDAY_1100, policy(wrap_up_s=300))
    desk.counselor("c1", "en")
    desk.request("r1", "en")
    desk.request("r2", "en")
    assert not only(desk.send(CallEnded(at=desk.now, request_id="r1", counselor_wrap_up=True)), Assigned)
    assert counselor_states(desk)["c1"] == (CounselorState.WRAP_UP, None)
    assert not only(desk.advance(299), Assigned)
    assert one(desk.send(WrapUpEnded(at=desk.now, counselor_id="c1")), Assigned).request_id == "r2"


def test_wrap_up__ends_by_itself_at_the_limit():
    desk = Desk(WEEKDAY_1100, policy(wrap_up_s=120))
    desk.counselor("c1", "en")
    desk.request("r1", "en")
    desk.send(CallEnded(at=desk.now, request_id="r1", counselor_wrap_up=True))
    assert desk.engine.next_wakeup() == desk.now + timedelta(seconds=120)
    desk.request("r2", "en")
    assert not only(desk.advance(119), Assigned)
    assert one(desk.advance(1), Assigned).request_id == "r2"


def test_wrap_up__a_saved_record_keeps_an_away_counselor_away():
    desk = Desk(WEEKDAY_1100, policy(wrap_up_s=120))
    desk.counselor("c1", "en")
    desk.request("r1", "en")
    desk.send(CallEnded(at=desk.now, request_id="r1", counselor_wrap_up=True))
    desk.send(CounselorAway(at=desk.now, counselor_id="c1"))
    desk.send(WrapUpEnded(at=desk.now, counselor_id="c1"))
    assert counselor_states(desk)["c1"] == (CounselorState.AWAY, None)


def test_wrap_up__zero_limit_means_none():
    desk = Desk(WEEKDAY_1100, policy(wrap_up_s=0))
    desk.counselor("c1", "en")
    desk.request("r1", "en")
    desk.request("r2", "en")
    decisions = desk.send(CallEnded(at=desk.now, request_id="r1", counselor_wrap_up=True))
    assert one(decisions, Assigned).request_id == "r2"


def test_abandoned__the_reason_reaches_the_closed_decision():
    desk = Desk(WEEKDAY_1100)
    desk.request("r1", "en")
    closed = one(
        desk.send(ConsultationAbandoned(at=desk.now, request_id="r1", reason=AbandonReason.RESIDENT_LEFT)),
        Closed,
    )
    assert (closed.outcome, closed.abandon_reason) == (Outcome.ABANDONED, AbandonReason.RESIDENT_LEFT)
