"""Staff make resident links: who may, for which municipality, what comes back (URL, QR code), bad input; the
resident cancels or rejoins their own case with its watch ticket only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from httpx import AsyncClient

from app.clock import ControlledClock
from app.config import Settings
from app.resident.links import LinkKind, read_link
from tests.conftest import resident_link

API = "/api/v1/resident/links"


@pytest.mark.parametrize("role", ["counselor", "coordinator", "admin", "soja_coordinator"])
async def test_links__made_by_counselors_coordinators_and_admins(
    client: AsyncClient,
    auth: dict[str, dict[str, str]],
    settings: Settings,
    clock: ControlledClock,
    role: str,
) -> None:
    response = await client.post(API, json={"kind": "poster", "site": "soja-counter"}, headers=auth[role])
    assert response.status_code == 201, response.text
    body = response.json()
    link = read_link(settings, body["token"], clock.now())
    assert (link.kind, link.municipality, link.site) == (LinkKind.poster, "33208", "soja-counter")
    assert body["url"] == f"http://testserver/r/{body['token']}"
    assert body["qr_svg"].startswith("<svg") and "</svg>" in body["qr_svg"]
    assert timedelta(days=364) < link.expires_at - clock.now() <= timedelta(days=365)


@pytest.mark.parametrize("role", ["desk_staff", "interpreter", "desk_device"])
async def test_links__refused_to_other_roles(
    client: AsyncClient, auth: dict[str, dict[str, str]], role: str
) -> None:
    response = await client.post(API, json={"kind": "invite"}, headers=auth[role])
    assert response.status_code == 403
    assert (await client.post(API, json={"kind": "invite"})).status_code == 401


async def test_links__a_municipal_coordinator_stays_in_their_municipality(
    client: AsyncClient, auth: dict[str, dict[str, str]], settings: Settings, clock: ControlledClock
) -> None:
    own = await client.post(API, json={"kind": "invite", "language": "vi"}, headers=auth["soja_coordinator"])
    assert own.status_code == 201
    link = read_link(settings, own.json()["token"], clock.now())
    assert (link.municipality, link.language, link.kind) == ("33208", "vi", LinkKind.invite)
    assert timedelta(days=2) < link.expires_at - clock.now() <= timedelta(days=3)
    other = await client.post(
        API, json={"kind": "poster", "municipality": "33205"}, headers=auth["soja_coordinator"]
    )
    assert other.status_code == 403
    other_site = await client.post(
        API, json={"kind": "poster", "site": "kurashiki-desk"}, headers=auth["soja_coordinator"]
    )
    assert other_site.status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "poster", "language": "xx"}, "language"),
        ({"kind": "poster", "municipality": "99999"}, "municipality"),
        ({"kind": "poster", "site": "nowhere"}, "site"),
        ({"kind": "poster", "municipality": "33205", "site": "soja-counter"}, "site"),
        ({"kind": "invite", "valid_days": 30}, "valid_days"),
        ({"kind": "invite", "valid_days": 0}, "valid_days"),
        ({"kind": "reservation"}, "kind"),
        ({"kind": "poster", "extra": 1}, "extra"),
    ],
)
async def test_links__bad_input_is_422_naming_the_field(
    client: AsyncClient, auth: dict[str, dict[str, str]], body: dict[str, object], field: str
) -> None:
    response = await client.post(API, json=body, headers=auth["admin"])
    assert response.status_code == 422, response.text
    assert field in [str(part) for part in response.json()["detail"][0]["loc"]]


async def test_links__staff_page_for_link_makers_only(
    client: AsyncClient, auth: dict[str, dict[str, str]]
) -> None:
    page = await client.get("/resident-links", headers=auth["soja_coordinator"])
    assert page.status_code == 200
    assert "相談者用リンクとQRコード" in page.text and "Resident links and QR codes" in page.text
    assert "soja-counter" in page.text and "kurashiki-desk" not in page.text  # their municipality only
    assert (await client.get("/resident-links", headers=auth["desk_staff"])).status_code == 403
    assert (await client.get("/resident-links")).status_code == 303


async def test_own_case__cancel_and_invite_need_this_cases_ticket(client: AsyncClient) -> None:
    headers = {"Idempotency-Key": "resident-own-case-1"}
    first = (
        await client.post(
            "/api/v1/resident/consultations",
            json={"language": "pt", "link": resident_link()},
            headers=headers,
        )
    ).json()
    other = (
        await client.post(
            "/api/v1/resident/consultations",
            json={"language": "pt", "link": resident_link()},
            headers={"Idempotency-Key": "resident-own-2"},
        )
    ).json()
    url = f"/api/v1/resident/consultations/{first['id']}"
    wrong = {"X-Watch-Ticket": other["live"]["watch_ticket"]}
    assert (await client.post(f"{url}/cancel", headers=wrong)).status_code == 403
    assert (await client.post(f"{url}/cancel")).status_code == 422
    mine = {"X-Watch-Ticket": first["live"]["watch_ticket"]}
    assert (await client.get(f"{url}/invite", headers=mine)).status_code == 404  # no call yet
    assert (await client.post(f"{url}/cancel", headers=mine)).status_code == 204
    assert (await client.post(f"{url}/cancel", headers=mine)).status_code == 409
