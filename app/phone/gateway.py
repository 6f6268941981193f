"""One phone call from answer to hang-up: greeting, language menu, intake, then hold and the call, or the
closed-desk message with a callback offer.

The menu's decisions come from the pure machines in ``menu.py``; this module only plays prompts, waits for
keys and timers, and talks to intake and the bridge.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from app.clock import Clock
from app.phone.intake import PhoneCase, PhoneIntake
from app.phone.menu import (
    CallbackAnswer,
    CallbackOffer,
    ChooseLanguage,
    LanguageMenu,
    MenuAction,
    MenuLayout,
    PlayMenu,
    StopPrompt,
)
from app.phone.prompts import PromptLibrary
from app.phone.sip import SipCall
from realtime.wait_announcement import Announced, should_announce, spoken_minutes
from routing import FallbackOption, FallbackReason

__all__ = ["Bridge", "BridgeFactory", "CallRecord", "PhoneGateway", "WaitAnnouncer"]

log = logging.getLogger(__name__)

GREETING_LANGUAGES = ("ja", "en")  # the greeting and "we did not understand" before anyone chose
KEEP_RECORDS = 500  # recent calls kept in memory (tests, benches); the log has every call


class Bridge(Protocol):
    """What the gateway needs of the phone bridge (``realtime/peers/phone_bridge.PhoneBridge``)."""

    def play_hold_music(self, pcm: bytes | None = None) -> None: ...

    def play_prompt(self, pcm: bytes) -> asyncio.Future[None]: ...

    async def join(self, consultation_id: str) -> Any: ...

    async def wait_ended(self) -> str: ...

    async def close(self) -> None: ...


OnQueue = Callable[[int, int | None], None]
BridgeFactory = Callable[[SipCall, OnQueue], Bridge]
EndCall = Callable[[str], Awaitable[None]]


@dataclass(slots=True)
class CallRecord:
    """What happened on one call (kept in memory for tests, benches and the log line at hang-up)."""

    call_id: str
    language: str | None = None
    choice: str | None = None
    consultation_id: str | None = None
    outcome: str = "in_menu"
    menus_played: int = 0
    invalid_keys: int = 0
    events: list[str] = field(default_factory=list)


class PhoneGateway:
    def __init__(
        self,
        prompts: PromptLibrary,
        intake: PhoneIntake,
        layout: MenuLayout,
        *,
        fallback_language: str,
        silence_s: float = 15.0,
        callback_enabled: bool = True,
        bridge_factory: BridgeFactory | None = None,
        end_call: EndCall | None = None,
        clock: Clock,
    ) -> None:
        self.prompts = prompts
        self.intake = intake
        self.layout = layout
        self.fallback_language = fallback_language
        self.silence_s = silence_s
        self.callback_enabled = callback_enabled
        self.bridge_factory = bridge_factory
        self.end_call = end_call
        self.clock = clock
        self._clock = clock.monotonic  # the menu's silence and callback timers
        self.records: dict[str, CallRecord] = {}

    # -- the whole call ---------------------------------------------------------------------------------

    async def serve(self, call: SipCall) -> None:
        """Called by the SIP line for every answered call; returns when the call should be hung up."""
        record = CallRecord(call.call_id)
        self.records[call.call_id] = record
        try:
            choice = await self._menu(call, record)
            if choice is None:
                record.outcome = "hung_up_in_menu"
                return
            record.language, record.choice = choice.language, choice.choice.value
            case = await self.intake.open_case(call.call_id, choice.language)
            record.consultation_id = case.consultation_id
            record.events.append(f"case:{case.consultation_id}")
            if case.fallback is not None:
                await self._not_now(call, record, case, choice.language)
            else:
                await self._hold_and_connect(call, record, case, choice.language)
        finally:
            while len(self.records) > KEEP_RECORDS:
                self.records.pop(next(iter(self.records)))
            log.info(
                "phone call %s: %s (language %s by %s, case %s)",
                call.call_id,
                record.outcome,
                record.language,
                record.choice,
                record.consultation_id,
            )

    # -- menu -------------------------------------------------------------------------------------------

    async def _menu(self, call: SipCall, record: CallRecord) -> ChooseLanguage | None:
        menu, actions = LanguageMenu(
            self.layout, fallback_language=self.fallback_language, silence_s=self.silence_s
        ).start()
        playing: asyncio.Future[None] | None = None
        digit_task: asyncio.Task[str] = asyncio.ensure_future(call.digits.get())
        ended = asyncio.ensure_future(call.wait_ended())
        try:
            while True:
                for action in actions:
                    outcome = self._menu_action(call, record, action)
                    if isinstance(outcome, ChooseLanguage):
                        return outcome
                    if outcome is not None:
                        playing = outcome
                    elif isinstance(action, StopPrompt):
                        playing = None
                done = await self._next_input(digit_task, ended, playing, menu.deadline)
                if ended in done:
                    return None
                now = self._clock()
                if digit_task in done:
                    digit = digit_task.result()
                    record.events.append(f"key:{digit}")
                    digit_task = asyncio.ensure_future(call.digits.get())
                    menu, actions = menu.digit(digit, now)
                elif playing is not None and playing in done:
                    playing = None
                    menu, actions = menu.prompt_finished(now)
                else:
                    menu, actions = menu.tick(now)
        finally:
            digit_task.cancel()
            ended.cancel()

    def _menu_action(
        self, call: SipCall, record: CallRecord, action: MenuAction
    ) -> asyncio.Future[None] | ChooseLanguage | None:
        if isinstance(action, StopPrompt):
            call.stop_playback()
            return None
        if isinstance(action, ChooseLanguage):
            record.events.append(f"chosen:{action.language}:{action.choice.value}")
            return action
        return self._play_menu(call, record, action)

    def _play_menu(self, call: SipCall, record: CallRecord, action: PlayMenu) -> asyncio.Future[None]:
        record.menus_played += 1
        if action.invalid:
            record.invalid_keys += 1
        names: list[tuple[str, str]] = []
        if action.greeting:
            names += [(lang, "greeting") for lang in GREETING_LANGUAGES]
        if action.invalid:
            names += [(lang, "invalid") for lang in GREETING_LANGUAGES]
        names += [(o.language, f"menu.{o.digit}") for o in action.options]
        record.events.append("menu:invalid" if action.invalid else f"menu:page{action.page}")
        return self._play(call, names)

    def _play(self, call: SipCall, names: Sequence[tuple[str, str]]) -> asyncio.Future[None]:
        last: asyncio.Future[None] | None = None
        for lang, name in names:
            last = call.play(self.prompts.get(lang, name))
        assert last is not None
        return last

    # -- desk closed (or the language only by reservation) --------------------------------------------

    async def _not_now(self, call: SipCall, record: CallRecord, case: PhoneCase, language: str) -> None:
        names = [(language, "closed")] if case.fallback is FallbackReason.DESK_CLOSED else []
        offer_callback = self.callback_enabled and FallbackOption.CALLBACK in case.options
        record.outcome = "closed"
        if not offer_callback:
            if names:
                await self._until_played(call, self._play(call, names))
            await self.intake.caller_left(case.consultation_id)
            return
        answer = await self._callback_offer(call, record, language, names)
        if answer is CallbackAnswer.REQUESTED:
            await self.intake.request_callback(case.consultation_id, call.caller_number)
            record.outcome = "callback_requested"
            await self._until_played(call, self._play(call, [(language, "callback_done")]))
        else:
            await self.intake.caller_left(case.consultation_id)

    async def _callback_offer(
        self, call: SipCall, record: CallRecord, language: str, before: list[tuple[str, str]]
    ) -> CallbackAnswer:
        offer = CallbackOffer(silence_s=self.silence_s)
        playing: asyncio.Future[None] | None = self._play(call, [*before, (language, "callback")])
        ended = asyncio.ensure_future(call.wait_ended())
        digit_task: asyncio.Task[str] = asyncio.ensure_future(call.digits.get())
        try:
            while offer.answer is CallbackAnswer.PENDING:
                done = await self._next_input(digit_task, ended, playing, offer.deadline)
                if ended in done:
                    return CallbackAnswer.DECLINED
                if digit_task in done:
                    record.events.append(f"key:{digit_task.result()}")
                    call.stop_playback()
                    offer, again = offer.digit(digit_task.result())
                    digit_task = asyncio.ensure_future(call.digits.get())
                    playing = (
                        self._play(call, [(language, "invalid"), (language, "callback")]) if again else None
                    )
                elif playing is not None and playing in done:
                    playing = None
                    offer = offer.prompt_finished(self._clock())
                else:
                    offer = offer.tick(self._clock())
            return offer.answer
        finally:
            digit_task.cancel()
            ended.cancel()

    async def _next_input(
        self,
        digit: asyncio.Future[str],
        ended: asyncio.Future[str],
        playing: asyncio.Future[None] | None,
        deadline: float | None,
    ) -> set[asyncio.Future[Any]]:
        """What finished first: a key, the hang-up or the prompt; none if the deadline passes first."""
        waits: set[asyncio.Future[Any]] = {digit, ended}
        if playing is not None:
            waits.add(playing)
        timeout = None if deadline is None else max(0.0, deadline - self._clock())
        done, _ = await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        return done

    @staticmethod
    async def _until_played(call: SipCall, playing: asyncio.Future[None]) -> None:
        ended = asyncio.ensure_future(call.wait_ended())
        waits: set[asyncio.Future[Any]] = {playing, ended}
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            ended.cancel()

    # -- queued: hold, announcements, the call ---------------------------------------------------------------

    async def _hold_and_connect(
        self, call: SipCall, record: CallRecord, case: PhoneCase, language: str
    ) -> None:
        record.outcome = "queued"
        if self.bridge_factory is None:
            # No bridge in this process (bench of the SIP side alone): hold with the prompt until hang-up.
            await self._until_played(call, self._play(call, [(language, "hold")]))
            await call.wait_ended()
            await self.intake.caller_left(case.consultation_id)
            record.outcome = "hung_up_queued"
            return
        announcer = WaitAnnouncer(self.prompts, language, self.clock)
        bridge = self.bridge_factory(call, announcer.on_queue)
        announcer.bridge = bridge
        try:
            bridge.play_prompt(self.prompts.get(language, "hold"))
            bridge.play_hold_music()
            announcer.ready()
            join = asyncio.ensure_future(bridge.join(case.consultation_id))
            ended = asyncio.ensure_future(call.wait_ended())
            done, _ = await asyncio.wait({join, ended}, return_when=asyncio.FIRST_COMPLETED)
            if join not in done:
                join.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await join
                await self.intake.caller_left(case.consultation_id)
                record.outcome = "hung_up_queued"
                return
            ended.cancel()
            if join.exception() is not None:
                log.warning("phone call %s could not join its call: %s", call.call_id, join.exception())
                record.outcome = "not_connected"
                return
            record.outcome = "connected"
            record.events.append("joined")
            reason = await bridge.wait_ended()
            record.events.append(f"bridge:{reason}")
            record.outcome = "ended_by_caller" if reason == "hung_up" else "ended_by_desk"
            if reason == "hung_up" and self.end_call is not None:
                await self.end_call(case.consultation_id)
        finally:
            await bridge.close()


class WaitAnnouncer:
    """Says the estimated wait in the caller's language when routing's estimate changes enough."""

    def __init__(self, prompts: PromptLibrary, language: str, clock: Clock) -> None:
        self._prompts = prompts
        self._clock = clock
        self._language = language
        self._last: Announced | None = None
        self._pending: int | None = None
        self._ready = False
        self.bridge: Bridge | None = None

    def ready(self) -> None:
        self._ready = True
        if self._pending is not None:
            self._say(self._pending)

    def on_queue(self, _position: int, estimated_wait_s: int | None) -> None:
        if estimated_wait_s is None:
            return
        if not self._ready:
            self._pending = estimated_wait_s
            return
        self._say(estimated_wait_s)

    def _say(self, wait_s: int) -> None:
        now = self._clock.now()
        if self.bridge is None or not should_announce(self._last, wait_s, now):
            return
        self._last = Announced(wait_s, now)
        self.bridge.play_prompt(self._prompts.wait(self._language, spoken_minutes(wait_s)))
