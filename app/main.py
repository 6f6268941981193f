"""The application factory: one place that wires settings, database, routers and shutdown."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from app.admin.router import router as admin_router
from app.audit.router import router as audit_router
from app.auth.router import router as auth_router
from app.call.device_check_router import router as device_check_router
from app.call.legs import CallLegRecorder
from app.call.router import router as call_router
from app.chat.router import router as chat_router
from app.clock import Clock, clock_for
from app.cluster.router import router as cluster_router
from app.config import Mode, Settings, get_settings
from app.consultation.own_cases_router import router as own_cases_router
from app.consultation.record_router import router as case_record_router
from app.consultation.router import router as consultation_router
from app.db import create_engine, create_sessionmaker
from app.demo import log_demo_state
from app.device.router import router as device_router
from app.errors import document_errors, install_error_handlers
from app.geography.router import router as geography_router
from app.health import router as health_router
from app.intake.router import phone_log_router
from app.intake.router import router as intake_router
from app.language.router import router as language_router
from app.live.desk_calendar.router import router as desk_calendar_router
from app.live.router import router as live_router
from app.live.runtime import start_live_desk
from app.mt.router import router as mt_admin_router
from app.mt.service import start_machine_translation
from app.phone.runtime import start_phone_gateway
from app.report.router import router as report_router
from app.reservation.router import resident_router as reservation_resident_router
from app.reservation.router import staff_router as reservation_staff_router
from app.resident.link_router import admin_router as resident_link_admin_router
from app.resident.link_router import router as resident_link_router
from app.resident.own_case_router import router as resident_own_case_router
from app.resident.router import router as resident_router
from app.resident.throttle import Throttles
from app.security.crypto import PersonalDataCipher
from app.security.headers import SecurityHeaders
from app.socket.endpoint import router as ws_router
from app.topic.router import router as topic_router
from app.ui.admin.pages import router as admin_pages_router
from app.ui.assets import router as assets_router
from app.ui.call.pages import router as call_ui_router
from app.ui.chat.pages import router as chat_pages_router
from app.ui.desk_settings.pages import router as desk_settings_pages_router
from app.ui.docs.pages import router as docs_pages_router
from app.ui.home.pages import router as ui_router
from app.ui.report.pages import router as report_pages_router
from app.ui.reservation.pages import router as reservation_pages_router
from app.ui.resident.pages import router as resident_pages_router
from realtime.peers.device_check import DeviceCheck
from realtime.peers.rtc import PeerRegistry, loopback_candidates

API_PREFIX = "/api/v1"


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    """The app on `settings`; `clock` replaces the one the settings choose (tests pass a controlled one)."""
    settings = settings or get_settings()
    clock = clock or clock_for(settings.clock_start)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            if settings.loopback_media:
                stack.enter_context(loopback_candidates(only=False))
            app.state.throttles = Throttles.for_settings(settings)
            await log_demo_state(app.state.sessionmaker, settings.mode is Mode.demo)
            peers = PeerRegistry()
            app.state.peers = peers
            app.state.device_check = DeviceCheck(
                peers,
                ice_servers=(),
                max_sessions=settings.device_check_max_sessions,
                max_per_client=settings.device_check_max_per_address,
                connect_within_s=settings.device_check_idle_seconds,
            )
            stack.push_async_callback(app.state.engine.dispose)
            stack.push_async_callback(peers.close_all)
            stack.push_async_callback(app.state.device_check.close_all)
            await start_machine_translation(app, settings, stack)
            await start_live_desk(app, settings, stack, CallLegRecorder(app.state.sessionmaker))
            await start_phone_gateway(app, settings, stack)
            yield

    app = FastAPI(
        title="Madoguchi",
        summary="A shared multilingual consultation desk for foreign residents",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served by app/ui/docs from local files (no CDN), under the security headers
        redoc_url=None,
    )
    engine = create_engine(settings.database_url, clock=clock)
    app.state.settings = settings
    app.state.clock = clock
    app.state.engine = engine
    app.state.sessionmaker = create_sessionmaker(engine)
    app.state.cipher = PersonalDataCipher(settings.data_keys, settings.secret_key)

    install_error_handlers(app)
    hsts = settings.hsts_max_age_seconds if settings.cookie_secure else None
    app.add_middleware(SecurityHeaders, hsts_max_age=hsts)
    api = APIRouter(prefix=API_PREFIX)
    for router in (
        auth_router,
        geography_router,
        language_router,
        topic_router,
        intake_router,
        phone_log_router,
        consultation_router,
        case_record_router,
        report_router,
        device_check_router,
        live_router,
        cluster_router,
        call_router,
        own_cases_router,
        device_router,
        chat_router,
        resident_router,
        resident_link_router,
        resident_own_case_router,
        reservation_resident_router,
        reservation_staff_router,
        admin_router,
        desk_calendar_router,
        resident_link_admin_router,
        audit_router,
        mt_admin_router,
    ):
        api.include_router(router)
    app.include_router(api)
    app.include_router(health_router)
    app.include_router(ws_router)
    app.include_router(ui_router)
    app.include_router(report_pages_router)
    app.include_router(call_ui_router)
    app.include_router(chat_pages_router)
    app.include_router(reservation_pages_router)
    app.include_router(resident_pages_router)
    app.include_router(desk_settings_pages_router)
    app.include_router(assets_router)
    app.include_router(admin_pages_router)
    app.include_router(docs_pages_router)
    document_errors(app)  # after every router is mounted: the OpenAPI document lists each route's errors
    return app
