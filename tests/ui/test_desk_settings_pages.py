"""The desk-settings screens (/admin/calendar, /admin/links, /admin/audit): who may open them, what they show,
and that the calendar page shows a saved version at once (Japanese first, English beside it)."""

from __future__ import annotations

from httpx import AsyncClient

from tests.conftest import TEST_NOW

PAGES = ("/admin/calendar", "/admin/links", "/admin/audit", "/admin/models")


async def test_pages_admit_admins_coordinators_read_and_others_are_refused(
    client: AsyncClient, auth: dict[str, dict[str, str]]
) -> None:
    for path in PAGES:
        page = await client.get(path, headers=auth["admin"])
        assert page.status_code == 200, path
        assert '<html lang="ja">' in page.text and 'lang="en"' in page.text
        assert (await client.get(path, headers=auth["counselor"])).status_code == 403
        assert (await client.get(path, headers=auth["desk_device"])).status_code == 303  # not staff
        assert (await client.get(path)).status_code == 303  # to the sign-in page
    for path in ("/admin/calendar", "/admin/links", "/admin/models"):
        assert (await client.get(path, headers=auth["coordinator"])).status_code == 200
    assert "models.js" in (await client.get("/admin/models", headers=auth["admin"])).text
    assert "models.js" not in (await client.get("/admin/models", headers=auth["coordinator"])).text
    assert (await client.get("/admin/audit", headers=auth["coordinator"])).status_code == 403


async def test_calendar_page__admins_get_the_form_coordinators_read_only_and_a_save_shows_at_once(
    client: AsyncClient, auth: dict[str, dict[str, str]]
) -> None:
    admin = (await client.get("/admin/calendar", headers=auth["admin"])).text
    assert "/assets/desk_settings/calendar.js" in admin and 'id="effective-from"' in admin
    assert "環境変数から" in admin  # nothing saved yet: the settings' seed
    coordinator = (await client.get("/admin/calendar", headers=auth["coordinator"])).text
    assert "calendar.js" not in coordinator and "閲覧のみ" in coordinator
    assert (await client.get("/assets/desk_settings/calendar.js")).status_code == 200

    day = {"opens": "10:00", "closes": "15:00"}
    body = {
        "effective_from": TEST_NOW.date().isoformat(),
        "desk": {"mon": day, "tue": day},
        "national_holidays": False,
        "year_end": True,
        "closed_dates": ["2026-12-24"],
        "vendor_hours": {"mon": day},
    }
    assert (await client.post("/api/v1/admin/calendar", json=body, headers=auth["admin"])).status_code == 201
    shown = (await client.get("/admin/calendar", headers=auth["admin"])).text
    assert "第1版" in shown and 'value="10:00"' in shown and "2026-12-24" in shown
    assert 'id="national-holidays" checked' not in shown and 'id="year-end" checked' in shown


async def test_links_page__lists_links_and_only_admins_get_revoke_buttons(
    client: AsyncClient, auth: dict[str, dict[str, str]]
) -> None:
    made = await client.post(
        "/api/v1/resident/links", json={"kind": "poster", "site": "soja-counter"}, headers=auth["admin"]
    )
    assert made.status_code == 201
    admin = (await client.get("/admin/links", headers=auth["admin"])).text
    assert 'class="revoke"' in admin and "ポスター" in admin and "soja-counter" in admin
    coordinator = (await client.get("/admin/links", headers=auth["soja_coordinator"])).text
    assert "soja-counter" in coordinator and 'class="revoke"' not in coordinator
    other = (await client.get("/admin/links", headers=auth["kasaoka_coordinator"])).text
    assert "soja-counter" not in other  # another municipality's links are not theirs


async def test_audit_page__filters_and_who_read_the_case(
    client: AsyncClient, auth: dict[str, dict[str, str]]
) -> None:
    created = await client.post(
        "/api/v1/consultations",
        json={"channel": "counter", "language": "en"},
        headers={**auth["desk_device"], "Idempotency-Key": "page-audit-1"},
    )
    case = created.json()["id"]
    await client.get(f"/api/v1/consultations/{case}", headers=auth["counselor"])
    page = await client.get("/admin/audit", params={"case": case}, headers=auth["admin"])
    assert page.status_code == 200
    assert 'id="readers"' in page.text and "consultation.read_personal" in page.text
    assert "counselor" in page.text
    assert f"/api/v1/admin/audit/export.csv?case={case}" in page.text
    bad = await client.get("/admin/audit", params={"since": "not-a-time"}, headers=auth["admin"])
    assert bad.status_code == 422
