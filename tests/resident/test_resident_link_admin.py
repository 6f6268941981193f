"""Resident links in administration: listed (admins, coordinators for their municipality), revoked (admins
only, audited), and a revoked link answers 410 in the resident's language on the page and the booking API."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditEvent
from app.clock import ControlledClock
from app.i18n import SUPPORTED, translator

MAKE = "/api/v1/resident/links"
ADMIN = "/api/v1/admin/resident-links"


async def _make(client: AsyncClient, headers: dict[str, str], **body: object) -> dict[str, object]:
    response = await client.post(MAKE, json=body, headers=headers)
    assert response.status_code == 201, response.text
    made: dict[str, object] = response.json()
    return made


def _only_link_id(listing: dict[str, list[dict[str, str]]]) -> str:
    (entry,) = listing["links"]
    return entry["link_id"]


async def test_list__admins_see_all_coordinators_their_municipality_others_refused(
    client: AsyncClient, auth: dict[str, dict[str, str]]
) -> None:
    await _make(client, auth["admin"], kind="poster", site="soja-counter", language="ne")
    await _make(client, auth["counselor"], kind="invite", municipality="33205")
    everything = await client.get(ADMIN, headers=auth["admin"])
    assert everything.status_code == 200
    links = everything.json()["links"]
    assert {(e["kind"], e["municipality"], e["state"]) for e in links} == {
        ("poster", "33208", "active"),
        ("invite", "33205", "active"),
    }
    soja = (await client.get(ADMIN, headers=auth["soja_coordinator"])).json()["links"]
    assert [e["municipality"] for e in soja] == ["33208"]
    assert len((await client.get(ADMIN, headers=auth["coordinator"])).json()["links"]) == 2
    for role in ("counselor", "desk_staff", "interpreter", "desk_device"):
        assert (await client.get(ADMIN, headers=auth[role])).status_code == 403, role
    assert (await client.get(ADMIN)).status_code == 401


async def test_expired_links_drop_out_of_the_default_list_but_stay_in_the_full_one(
    client: AsyncClient, auth: dict[str, dict[str, str]], clock: ControlledClock
) -> None:
    await _make(client, auth["admin"], kind="invite")
    clock.set(clock.now() + timedelta(days=4))
    assert (await client.get(ADMIN, headers=auth["admin"])).json()["links"] == []
    full = (await client.get(ADMIN, params={"include_inactive": "true"}, headers=auth["admin"])).json()
    assert [e["state"] for e in full["links"]] == ["expired"]


@pytest.mark.parametrize("lang", ["ne", "uk", "ja"])
async def test_revoke__admin_only_audited_and_the_page_answers_410_in_the_residents_language(
    client: AsyncClient, auth: dict[str, dict[str, str]], db: AsyncSession, lang: str
) -> None:
    made = await _make(client, auth["admin"], kind="poster", site="soja-counter", language=lang)
    assert (await client.get(f"/r/{made['token']}")).status_code == 200
    link_id = _only_link_id((await client.get(ADMIN, headers=auth["admin"])).json())

    for role in ("coordinator", "soja_coordinator", "counselor", "desk_device"):
        refused = await client.post(f"{ADMIN}/{link_id}/revoke", headers=auth[role])
        assert refused.status_code == 403, role
    revoked = await client.post(f"{ADMIN}/{link_id}/revoke", headers=auth["admin"])
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["state"] == "revoked" and revoked.json()["revoked_by"] is not None
    again = await client.post(f"{ADMIN}/{link_id}/revoke", headers=auth["admin"])
    assert again.status_code == 409
    assert (await client.post(f"{ADMIN}/no-such-link/revoke", headers=auth["admin"])).status_code == 404

    page = await client.get(f"/r/{made['token']}", headers={"Accept-Language": "en"})
    assert page.status_code == 410
    tr = translator(lang)
    text = re.sub(r"<[^>]+>", " ", page.text).replace("&#39;", "'")
    assert tr.t("error.link_revoked") in text
    assert f'<html lang="{tr.bcp47}"' in page.text
    booking = await client.get(f"/r/{made['token']}/reserve")
    assert booking.status_code == 410 and tr.t("error.link_revoked") in booking.text.replace("&#39;", "'")
    intake = await client.post(
        "/api/v1/resident/consultations",
        json={"language": lang, "link": made["token"]},
        headers={"Idempotency-Key": f"revoked-link-{lang}-0001"},
    )
    assert intake.status_code == 401 and tr.t("error.link_revoked") in intake.text, intake.text
    header = {"X-Resident-Link": str(made["token"])}
    slots = await client.get("/api/v1/resident/reservation-slots", params={"lang": lang}, headers=header)
    assert slots.status_code == 403 and tr.t("error.link_revoked") in slots.text, slots.text

    actions = (await db.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == link_id))).all()
    assert sorted(actions) == ["resident_link.issued", "resident_link.revoked"]
    listed = (await client.get(ADMIN, headers=auth["admin"])).json()["links"]
    assert listed == []  # revoked: out of the active list


def test_the_revoked_message_is_translated_in_every_language() -> None:
    english = translator("en").t("error.link_revoked")
    for lang in SUPPORTED:
        text = translator(lang).t("error.link_revoked")
        assert text and (lang == "en" or text != english), lang
