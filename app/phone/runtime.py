"""Start and stop the phone gateway with the app (only when ``MADOGUCHI_PHONE_ENABLED``)."""

from __future__ import annotations

import contextlib
import logging

from fastapi import FastAPI
from sqlalchemy import select

from app.clock import Clock
from app.config import Settings
from app.language.models import Language
from app.live.desk import LiveDesk
from app.live.gateway import Gateway
from app.phone.gateway import Bridge, OnQueue, PhoneGateway
from app.phone.intake import PhoneIntake
from app.phone.menu import MenuLayout
from app.phone.prompts import AUDIO_DIR, PromptLibrary
from app.phone.room_link import phone_bridge
from app.phone.sip import LineConfig, PhoneLine, SipCall, parse_registrar
from routing import CallEnded, RoutingConflict

__all__ = ["line_config", "menu_languages", "start_phone_gateway"]

log = logging.getLogger(__name__)


def line_config(settings: Settings) -> LineConfig:
    low, high = (int(part) for part in settings.phone_rtp_ports.split("-"))
    if not 1024 <= low < high <= 65535:
        raise ValueError(f"MADOGUCHI_PHONE_RTP_PORTS must be a range within 1024-65535, got {low}-{high}")
    return LineConfig(
        bind_host=settings.phone_sip_host,
        bind_port=settings.phone_sip_port,
        advertised_host=settings.phone_public_host,
        rtp_ports=(low, high),
        codecs=tuple(c.upper() for c in settings.phone_codecs),
        registrar=parse_registrar(settings.phone_registrar) if settings.phone_registrar else None,
        user=settings.phone_user,
        password=settings.phone_password,
        allowed_sources=tuple(settings.phone_sip_allowed_sources),
        max_pending_per_source=settings.phone_sip_max_pending_per_source,
        max_pending=settings.phone_sip_max_pending,
    )


def menu_languages(settings: Settings, desk_order: list[str], prompts: PromptLibrary) -> list[str]:
    """The configured order, else the desk's active languages in their own order; only those with prompts."""
    wanted = settings.phone_menu_languages or desk_order
    usable = [lang for lang in wanted if prompts.has(lang, "greeting")]
    for lang in set(wanted) - set(usable):
        log.warning("phone menu: no prompts for language %r; left out of the menu", lang)
    return usable


async def start_phone_gateway(app: FastAPI, settings: Settings, stack: contextlib.AsyncExitStack) -> None:
    if not settings.phone_enabled:
        return
    desk: LiveDesk = app.state.desk
    prompts = PromptLibrary.load(settings.phone_prompts_dir or AUDIO_DIR)
    policy = desk.engine.policy
    async with app.state.sessionmaker() as session:
        order = (
            await session.scalars(
                select(Language.code).where(Language.active.is_(True)).order_by(Language.sort_order)
            )
        ).all()
    layout = MenuLayout.of(menu_languages(settings, [c for c in order if c in policy.languages], prompts))
    for page in range(layout.page_count):
        for option in layout.options(page):
            if not prompts.has(option.language, f"menu.{option.digit}"):
                log.warning(
                    "phone menu: no prompt for %s on key %s; run python -m app.phone.prompts.generate",
                    option.language,
                    option.digit,
                )
    live: Gateway = app.state.gateway
    clock: Clock = app.state.clock

    async def end_call(consultation_id: str) -> None:
        """The caller hung up during the call: it is over for everyone, and the legs are closed."""
        now = clock.now()
        with contextlib.suppress(RoutingConflict):
            # the counselor wraps up (writes the record) before the next case, as after any call
            await desk.submit(CallEnded(at=now, request_id=consultation_id, counselor_wrap_up=True))
        await live.close_room(consultation_id, now)

    def bridge_for(call: SipCall, on_queue: OnQueue) -> Bridge:
        return phone_bridge(app, call, on_queue=on_queue)

    gateway = PhoneGateway(
        prompts,
        PhoneIntake(app.state.sessionmaker, app.state.cipher, desk, clock),
        layout,
        fallback_language=policy.staff_language,
        silence_s=settings.phone_silence_timeout_seconds,
        callback_enabled=settings.phone_callback_enabled,
        bridge_factory=bridge_for,
        end_call=end_call,
        clock=clock,
    )
    line = PhoneLine(line_config(settings), gateway.serve)
    await line.start()
    app.state.phone_gateway, app.state.phone_line = gateway, line
    log.info("phone gateway listening on %s:%s (menu: %s)", *line.address, ", ".join(layout.languages))
    stack.push_async_callback(line.stop)
