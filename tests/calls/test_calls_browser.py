"""Interpreted calls in a real browser: tablet, interpreter and counselor pages on one uvicorn, real WebRTC.

Each page is its own browser context (own cookies, own fake camera and microphone). Media is proven with
RTCPeerConnection.getStats: inbound audio bytes, video bytes and decoded frames rise for every remote peer.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser_support import media_browser  # noqa: F401 (fixture)
from tests.calls.calls_support import (
    INTERPRETERS,
    Desk,
    admin_client,
    assert_media_flowing,
    available_staff,
    connected_peers,
    desk,  # noqa: F401 (fixture)
    desk_server,
    failure_evidence,
    figures_apart,
    go_available,
    open_page,
    register_tablet,
    screenshot,
    screenshot_all,
    wait_for,
)

pytestmark = pytest.mark.browser


def _tablet(browser: Any, base: str, device_token: str, logs: list[str]) -> Any:
    page = open_page(browser, base, "/tablet", logs=logs)
    register_tablet(page, device_token, "ne")
    return page


def _start_nepali(tablet: Any) -> str:
    # a double tap: one consultation (one Idempotency-Key, one request in flight)
    tablet.dblclick("button[data-language=ne]")
    wait_for(lambda: tablet.evaluate("() => window.madoguchiCall.state.consultationId"), 10, "intake")
    consultation_id: str = tablet.evaluate("() => window.madoguchiCall.state.consultationId")
    tablet.wait_for_selector("#waiting:not([hidden]), #call:not([hidden])")
    return consultation_id


def _accept_offer(page: Any, shot: str | None = None) -> None:
    page.wait_for_selector("#ring:not([hidden])", timeout=15_000)
    if shot:
        screenshot(page, shot)
    assert page.get_attribute("#offer-language", "data-code") == "ne"
    assert page.get_attribute("#offer-channel", "data-code") == "counter"
    assert page.text_content("#offer-language") == "ネパール語 Nepali"  # names, not the codes
    assert page.text_content("#offer-channel") == "窓口 Counter"
    assert int(page.text_content("#offer-countdown") or "0") > 0
    page.click("#accept")
    page.wait_for_selector("#call:not([hidden])", timeout=10_000)


def _admin_case(base: str, consultation_id: str) -> tuple[dict[str, Any], int]:
    """The case as an admin reads it, and how many cases exist (a double tap must have made one)."""
    with admin_client(base) as client:
        response = client.get(f"/api/v1/consultations/{consultation_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        listed = client.get("/api/v1/consultations")
        assert listed.status_code == 200, listed.text
        return body, len(listed.json()["items"])


def test_three_way_call_tablet_interpreter_counselor(
    media_browser: Any,  # noqa: F811
    desk: Desk,  # noqa: F811
) -> None:
    logs: list[str] = []
    with desk_server(desk) as server:
        base = server.url
        counselor, interpreter = available_staff(media_browser, base, logs)
        tablet = _tablet(media_browser, base, desk.device_token, logs)
        pages = {"tablet": tablet, "interpreter": interpreter, "counselor": counselor}
        with failure_evidence(logs, pages, "failed"):
            consultation_id = _start_nepali(tablet)
            _accept_offer(interpreter, "interpreter-ring")
            figures = assert_media_flowing(pages, 2)
        roles = {name: sorted(v["role"] for v in f.values()) for name, f in figures.items()}
        assert roles["tablet"] == ["counselor", "interpreter"]
        assert roles["interpreter"] == ["counselor", "counter_tablet"]
        assert roles["counselor"] == ["counter_tablet", "interpreter"]
        # resident-facing text in the resident's language (from the gettext catalogue), Japanese underneath
        assert tablet.evaluate("() => document.documentElement.lang") == "ne"
        assert "तपाईं जोडिनुभयो" in (tablet.text_content("#status") or "")
        # no resident's name on the interpreter's screen: the offer never carried one
        assert "name" not in (interpreter.text_content("#ring") or "").lower()
        screenshot_all(pages, "three-way")

        # the counselor switches to audio only: the others are told, and the counselor's audio keeps flowing
        counselor.click("#audio-only")
        staff = f"staff-{desk.counselor_id}"
        for page in (tablet, interpreter):
            page.wait_for_selector(f"figure[data-participant='{staff}'][data-mode=audio]", timeout=5_000)
        before, after = figures_apart(tablet, staff)
        assert after["audioBytes"] > before["audioBytes"], (before, after)
        assert counselor.evaluate("() => window.madoguchiCall.state.room.audioOnly") is True

        # the interpreter's camera goes away (unplugged): the page falls back to audio only by itself
        interpreter.evaluate(
            "() => window.madoguchiCall.state.room.stream.getVideoTracks()[0]"
            ".dispatchEvent(new Event('ended'))"
        )
        interp = f"interp-{desk.interpreter_ids[INTERPRETERS[0]]}"
        counselor.wait_for_selector(f"figure[data-participant='{interp}'][data-mode=audio]", timeout=5_000)
        screenshot(counselor, "audio-only-counselor")

        interpreter.click("#leave")
        wait_for(lambda: len(counselor.evaluate("() => window.madoguchiCall.stats()")) == 1, 10, "peer left")
        counselor.click("#end-call")
        tablet.wait_for_selector("#ended:not([hidden])", timeout=10_000)
        counselor.wait_for_selector("#call[hidden]", state="attached")

        case, cases = _admin_case(base, consultation_id)
        assert cases == 1
        legs = {leg["role"]: leg for leg in case["call_legs"]}
        assert set(legs) == {"interpreter", "counselor", "counter_tablet"}, case["call_legs"]
        for leg in legs.values():
            assert leg["left_at"] is not None
            assert leg["minutes"] is not None and leg["minutes"] > 0
        assert legs["interpreter"]["left_at"] <= legs["counselor"]["left_at"]


def test_interpreter_drops_mid_call_and_a_second_one_takes_over(
    media_browser: Any,  # noqa: F811
    desk: Desk,  # noqa: F811
) -> None:
    logs: list[str] = []
    # no rejoin grace: a browser that is gone has left the call at once (the grace: test_live_truthful_desk)
    with desk_server(desk, rejoin_grace_seconds=0) as server:
        base = server.url
        counselor, first = available_staff(media_browser, base, logs)
        tablet = _tablet(media_browser, base, desk.device_token, logs)
        shown: dict[str, Any] = {"tablet": tablet, "counselor": counselor}
        with failure_evidence(logs, shown, "failed"):
            _start_nepali(tablet)
            _accept_offer(first)
            assert_media_flowing({"tablet": tablet, "interpreter": first, "counselor": counselor}, 2)
            # the second interpreter comes on shift only now, so the first offer could not go to them
            second = shown["second"] = open_page(media_browser, base, "/interpreter", INTERPRETERS[1], logs)
            go_available(second)
            first.context.close()  # the interpreter's browser is gone mid-call
            _accept_offer(second, "second-interpreter-ring")
            pages = {"tablet": tablet, "interpreter": second, "counselor": counselor}
            figures = assert_media_flowing(pages, 2)
        interp_2 = f"interp-{desk.interpreter_ids[INTERPRETERS[1]]}"
        interp_1 = f"interp-{desk.interpreter_ids[INTERPRETERS[0]]}"
        for name in ("tablet", "counselor"):
            assert interp_2 in figures[name] and interp_1 not in figures[name], figures[name]
        screenshot_all(pages, "takeover")


def test_device_check_page_shows_the_servers_figures(
    media_browser: Any,  # noqa: F811
    desk: Desk,  # noqa: F811
) -> None:
    logs: list[str] = []
    with desk_server(desk) as server:
        page = open_page(media_browser, server.url, "/device-check", logs=logs)
        page.click("#start-check")
        with failure_evidence(logs, {"device-check": page}, "failed"):
            page.wait_for_selector("#status[data-done=true]", timeout=20_000)
        report = page.evaluate("() => window.madoguchiCall.state.report")
        assert report["audio_ok"] is True and report["video_ok"] is True
        assert isinstance(report["round_trip_time_s"], float)
        assert page.get_attribute("#camera", "data-ok") == "true"
        assert page.get_attribute("#mic", "data-ok") == "true"
        assert (page.text_content("#rtt") or "").endswith(" ms")
        assert (page.text_content("#loss") or "").endswith(" %")
        # the echo comes back: the page decodes the server's video
        frames = page.evaluate(
            "() => document.getElementById('echo').getVideoPlaybackQuality().totalVideoFrames"
        )
        assert frames > 0
        screenshot(page, "device-check")


NO_CAMERA = """
(() => {
  const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = (constraints) =>
    constraints && constraints.video
      ? Promise.reject(new DOMException("no camera", "NotFoundError"))
      : real(constraints);
})();
"""


def test_interpreter_without_a_camera_joins_with_audio_and_still_sees_the_others(
    media_browser: Any,  # noqa: F811
    desk: Desk,  # noqa: F811
) -> None:
    logs: list[str] = []
    with desk_server(desk) as server:
        base = server.url
        counselor, interpreter = available_staff(media_browser, base, logs, init_script=NO_CAMERA)
        tablet = _tablet(media_browser, base, desk.device_token, logs)
        interp = f"interp-{desk.interpreter_ids[INTERPRETERS[0]]}"
        pages = {"tablet": tablet, "interpreter": interpreter, "counselor": counselor}
        with failure_evidence(logs, pages, "failed-nocam"):
            _start_nepali(tablet)
            _accept_offer(interpreter)
            # the interpreter sees and hears both others; they hear the interpreter (no video from them)
            wait_for(lambda: connected_peers(interpreter, 2), 20, "interpreter receives video from both")
            for page in (tablet, counselor):
                page.wait_for_selector(
                    f"figure[data-participant='{interp}'][data-mode=audio]", timeout=10_000
                )
            first, second = figures_apart(tablet, interp)
        assert second["audioBytes"] > first["audioBytes"]
        assert second["framesDecoded"] == 0
        assert "音声のみ" in (interpreter.text_content("#call-note") or "")
        screenshot(interpreter, "no-camera-interpreter")
