"""The counter is no window onto its site's history (issue 18, Medium 9 and Low 14).

A tablet reads only the cases it opened itself, while they are open; counter staff read their site's open
cases; neither sees the statistics attributes (nationality, residence group, age band, gender). Device
tokens expire. Counter staff cannot open a case at another site (they could never see it again).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.service import register_device
from app.consultation.models import Consultation
from app.enums import ConsultationStatus
from app.geography.models import Site
from tests.conftest import TEST_NOW

AT_THE_DESK: dict[str, Any] = {
    "channel": "counter",
    "language": "en",
    "site": "kurashiki-desk",
    "resident_municipality": "33202",
    "safety": {"dv": True},
    "attributes": {"nationality": "vn", "age_band": "30s", "gender": "female"},
}


async def _open(client: AsyncClient, headers: dict[str, str]) -> str:
    response = await client.post("/api/v1/consultations", json=AT_THE_DESK, headers=headers)
    assert response.status_code == 201, response.text
    case_id: str = response.json()["id"]
    return case_id


async def _listed(client: AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/consultations", headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_counter__sees_open_cases_only_tablets_their_own_and_no_attributes(
    client: AsyncClient, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    by_tablet = await _open(client, auth["desk_device"])
    by_staff = await _open(client, auth["desk_staff"])
    history = await _open(client, auth["counselor"])
    await db.execute(
        update(Consultation).where(Consultation.public_id == history).values(status=ConsultationStatus.ended)
    )
    await db.commit()

    tablet = await _listed(client, auth["desk_device"])
    assert [c["id"] for c in tablet] == [by_tablet]
    staff = await _listed(client, auth["desk_staff"])
    assert [c["id"] for c in staff] == [by_staff, by_tablet]  # the site's open cases, newest first
    assert all(c["attributes"] is None for c in tablet + staff)
    counselor = await _listed(client, auth["counselor"])
    assert [c["id"] for c in counselor] == [history, by_staff, by_tablet]
    assert counselor[0]["attributes"]["nationality"] == "VN"

    for name, case in (("desk_device", by_staff), ("desk_device", history), ("desk_staff", history)):
        response = await client.get(f"/api/v1/consultations/{case}", headers=auth[name])
        assert response.status_code == 404, (name, case)
    own = await client.get(f"/api/v1/consultations/{by_tablet}", headers=auth["desk_device"])
    assert own.status_code == 200 and own.json()["attributes"] is None

    await db.execute(
        update(Consultation)
        .where(Consultation.public_id == by_tablet)
        .values(status=ConsultationStatus.cancelled)
    )
    await db.commit()
    assert await _listed(client, auth["desk_device"]) == []  # closed: out of the tablet's sight
    closed = await client.get(f"/api/v1/consultations/{by_tablet}", headers=auth["desk_device"])
    assert closed.status_code == 404


async def test_device_token__expired_is_refused_unexpired_works(
    client: AsyncClient, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    site = await db.scalar(select(Site).where(Site.code == "kurashiki-desk"))
    assert site is not None
    expired, _ = await register_device(db, site.id, "old tablet", TEST_NOW - timedelta(seconds=1))
    current, _ = await register_device(db, site.id, "new tablet", TEST_NOW + timedelta(days=365))
    await db.commit()
    response = await client.get("/api/v1/tablet/context", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]
    response = await client.get("/api/v1/tablet/context", headers={"Authorization": f"Bearer {current}"})
    assert response.status_code == 200


async def test_counter_staff__cannot_open_a_case_at_another_site(
    client: AsyncClient, auth: dict[str, dict[str, str]]
) -> None:
    elsewhere = {**AT_THE_DESK, "channel": "satellite", "site": "soja-counter"}
    response = await client.post("/api/v1/consultations", json=elsewhere, headers=auth["desk_staff"])
    assert response.status_code == 422, response.text
    detail = response.json()["detail"][0]
    assert detail["loc"] == ["body", "site"]
    assert detail["msg"] == "your account belongs to site 'kurashiki-desk' and can only open cases there"
    assert detail["ctx"]["accepted"] == ["kurashiki-desk"]
    # without a site, the case opens at their own, where they can follow it
    own = await client.post(
        "/api/v1/consultations", json={**AT_THE_DESK, "site": None}, headers=auth["desk_staff"]
    )
    assert own.status_code == 201 and own.json()["site"] == "kurashiki-desk"
    assert (
        await client.get(f"/api/v1/consultations/{own.json()['id']}", headers=auth["desk_staff"])
    ).status_code == 200
