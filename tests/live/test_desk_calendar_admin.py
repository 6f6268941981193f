"""The desk calendar as data: admins save a version, the live desk applies it at once (no restart), the
journal records the policy switch, the resident page shows the new hours, a later date waits for its day."""

from __future__ import annotations

import asyncio
import re
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditEvent
from app.clock import ControlledClock
from app.config import Settings
from app.i18n import translator
from app.live.models import RoutingCheckpoint, RoutingPolicy
from app.main import create_app
from app.resident.links import LinkClaims, LinkKind, issue_link
from tests.conftest import JST, TEST_NOW, open_desk_settings

TODAY = TEST_NOW.date()  # a Wednesday, 11:00 in Japan
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


@pytest.fixture
def settings(database_url: str) -> Settings:
    """The environment's calendar: 09:00-17:00 on weekdays, holidays and year end closed (the seed)."""
    return open_desk_settings(
        database_url,
        desk_hours="09:00-17:00",
        desk_days=list(WEEKDAYS),
        vendor_hours="09:00-17:00",
        vendor_days=list(WEEKDAYS),
        routing_policy_json=None,
    )


def _calendar(effective_from: date, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "effective_from": effective_from.isoformat(),
        "desk": _week("09:00", "17:00"),
        "national_holidays": True,
        "year_end": True,
        "closed_dates": [],
        "open_dates": [],
        "vendor_hours": _week("09:00", "17:00"),
        "vendors": {},
    }
    body.update(changes)
    return body


async def _english(client: AsyncClient) -> dict[str, Any]:
    availability = {a["language"]: a for a in (await client.get("/api/v1/availability")).json()}
    return availability["en"]  # type: ignore[no-any-return]


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html).replace("&#39;", "'").replace("&amp;", "&")


async def test_role_matrix__admins_write_coordinators_read_others_refused(
    client: AsyncClient, auth: dict[str, dict[str, str]]
) -> None:
    for role in ("admin", "coordinator", "soja_coordinator"):
        seen = await client.get("/api/v1/admin/calendar", headers=auth[role])
        assert seen.status_code == 200, (role, seen.text)
    for role in ("counselor", "desk_staff", "interpreter", "desk_device"):
        assert (await client.get("/api/v1/admin/calendar", headers=auth[role])).status_code == 403, role
    assert (await client.get("/api/v1/admin/calendar")).status_code == 401
    body = _calendar(TODAY)
    for role in ("coordinator", "counselor", "desk_device"):
        refused = await client.post("/api/v1/admin/calendar", json=body, headers=auth[role])
        assert refused.status_code == 403, role
    assert (await client.post("/api/v1/admin/calendar", json=body)).status_code == 401
    assert (await client.post("/api/v1/admin/calendar", json=body, headers=auth["admin"])).status_code == 201


async def test_before_any_save__the_settings_seed_the_calendar(
    client: AsyncClient, auth: dict[str, dict[str, str]]
) -> None:
    view = (await client.get("/api/v1/admin/calendar", headers=auth["admin"])).json()
    assert view["in_force_id"] is None and view["versions"] == []
    assert view["in_force"]["desk"]["wed"] == {"opens": "09:00", "closes": "17:00"}
    assert view["in_force"]["desk"]["sat"] is None
    assert view["in_force"]["national_holidays"] is True


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"effective_from": (TODAY - timedelta(days=1)).isoformat()}, "effective_from"),
        ({"desk": {"mon": {"opens": "17:00", "closes": "09:00"}}}, "desk"),
        ({"desk": {"mon": {"opens": "nine", "closes": "17:00"}}}, "desk"),
        ({"desk": {"funday": {"opens": "09:00", "closes": "17:00"}}}, "desk"),
        ({"closed_dates": ["2026-12-24"], "open_dates": ["2026-12-24"]}, ""),
        ({"closed_dates": ["not-a-date"]}, "closed_dates"),
        ({"surprise": True}, "surprise"),
    ],
)
async def test_bad_calendars__422_naming_the_field_and_nothing_saved(
    client: AsyncClient,
    auth: dict[str, dict[str, str]],
    db: AsyncSession,
    changes: dict[str, Any],
    field: str,
) -> None:
    body = _calendar(TODAY)
    body.update(changes)
    refused = await client.post("/api/v1/admin/calendar", json=body, headers=auth["admin"])
    assert refused.status_code == 422, refused.text
    assert field in refused.text
    view = (await client.get("/api/v1/admin/calendar", headers=auth["admin"])).json()
    assert view["versions"] == []
    assert (
        await db.scalars(select(AuditEvent).where(AuditEvent.action == "desk_calendar.saved"))
    ).all() == []


async def test_a_closure_today_applies_at_once__routing_journal_audit_and_resident_page_follow(
    app_and_client: tuple[Any, AsyncClient],
    auth: dict[str, dict[str, str]],
    settings: Settings,
    db: AsyncSession,
) -> None:
    app, client = app_and_client
    await client.post("/api/v1/presence", json={"state": "available"}, headers=auth["counselor"])
    assert (await _english(client))["status"] == "available_now"
    before = (await client.get("/api/v1/admin/calendar", headers=auth["admin"])).json()["policy_version"]
    token = issue_link(settings, LinkClaims(LinkKind.poster, language="en"), TEST_NOW)
    assert '"closed": false' in (await client.get(f"/r/{token}")).text  # open now: no hours shown

    saved = await client.post(
        "/api/v1/admin/calendar",
        json=_calendar(
            TODAY,
            desk={
                **_week("10:00", "16:00"),
                "sat": {"opens": "10:00", "closes": "12:00"},
            },
            closed_dates=[TODAY.isoformat()],
        ),
        headers=auth["admin"],
    )
    assert saved.status_code == 201, saved.text
    view = saved.json()
    assert view["in_force_id"] is not None and view["effective_from"] == TODAY.isoformat()
    assert view["policy_version"] != before

    # the live desk: closed today from now on, without a restart
    english = await _english(client)
    assert english["status"] == "closed"
    desk = app.state.desk
    assert TODAY in desk.engine.policy.desk_hours.closed_dates
    # the journal: the new policy is stored and a checkpoint names it
    await db.commit()  # a fresh read
    assert await db.get(RoutingPolicy, view["policy_version"]) is not None
    newest = await db.scalar(
        select(RoutingCheckpoint)
        .order_by(RoutingCheckpoint.event_seq.desc(), RoutingCheckpoint.id.desc())
        .limit(1)
    )
    assert newest is not None and newest.policy_version == view["policy_version"]
    # the audit trail: who saved what
    audit = await _audited(db)
    assert len(audit) == 1 and audit[0].actor_kind == "staff"
    assert audit[0].detail is not None and audit[0].detail["calendar"]["closed_dates"] == [TODAY.isoformat()]
    # the resident page: the new hours, today among the closed days, in the resident's language
    for lang in ("en", "ja", "ne"):
        html = (await client.get(f"/r/{token}?lang={lang}")).text
        tr, page = translator(lang), _text(html)
        assert '"closed": true' in html
        weekdays = tr.t(
            "closed.hours", days=tr.format_days(range(5)), hours=tr.format_hours(*_times("10:00", "16:00"))
        )
        saturday = tr.t(
            "closed.hours", days=tr.format_days([5]), hours=tr.format_hours(*_times("10:00", "12:00"))
        )
        assert weekdays in page and saturday in page, lang
        assert tr.t("resident.closed_days", date=tr.format_date(TODAY)) in page, lang


async def test_the_saved_calendar_survives_a_restart_under_the_same_policy_version(
    settings: Settings, clock: ControlledClock, auth: dict[str, dict[str, str]]
) -> None:
    versions = []
    for attempt in range(2):
        app = create_app(settings, clock=clock)
        async with (
            app.router.lifespan_context(app),
            AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client,
        ):
            if attempt == 0:
                body = _calendar(TODAY, desk={"wed": {"opens": "12:00", "closes": "18:00"}})
                assert (
                    await client.post("/api/v1/admin/calendar", json=body, headers=auth["admin"])
                ).status_code == 201
            view = (await client.get("/api/v1/admin/calendar", headers=auth["admin"])).json()
            versions.append(view["policy_version"])
            assert not app.state.desk.engine.policy.desk_hours.is_open(TEST_NOW)  # 11:00 < 12:00
            assert app.state.desk.engine.policy.desk_hours.is_open(TEST_NOW.replace(hour=12))
    assert versions[0] == versions[1]


async def test_a_later_version_waits_for_its_day_then_the_ticker_applies_it(
    app_and_client: tuple[Any, AsyncClient], auth: dict[str, dict[str, str]], clock: ControlledClock
) -> None:
    app, client = app_and_client
    tomorrow = TODAY + timedelta(days=1)
    body = _calendar(
        tomorrow,
        closed_dates=[tomorrow.isoformat()],
        desk=_week("08:00", "17:00"),
    )
    view = (await client.post("/api/v1/admin/calendar", json=body, headers=auth["admin"])).json()
    assert view["in_force_id"] is None and view["next_from"] == tomorrow.isoformat()
    assert tomorrow not in app.state.desk.engine.policy.desk_hours.closed_dates

    clock.set(datetime.combine(tomorrow, datetime.min.time(), tzinfo=JST) + timedelta(hours=8))
    for _ in range(100):  # the ticker runs every second; wait for it (not a timing assertion)
        if tomorrow in app.state.desk.engine.policy.desk_hours.closed_dates:
            break
        await asyncio.sleep(0.1)
    assert tomorrow in app.state.desk.engine.policy.desk_hours.closed_dates
    view = (await client.get("/api/v1/admin/calendar", headers=auth["admin"])).json()
    assert view["effective_from"] == tomorrow.isoformat() and view["next_from"] is None


def _times(opens: str, closes: str) -> tuple[time, time]:
    return time.fromisoformat(opens), time.fromisoformat(closes)


def _week(opens: str, closes: str) -> dict[str, dict[str, str]]:
    return {day: {"opens": opens, "closes": closes} for day in WEEKDAYS}


async def _audited(db: AsyncSession) -> list[AuditEvent]:
    rows = await db.scalars(select(AuditEvent).where(AuditEvent.action == "desk_calendar.saved"))
    return list(rows)
