"""The counselor records the resident's municipality with the case (asked during a tablet call, where intake
could not know it), so the case counts for the right municipality."""

from __future__ import annotations

from httpx import AsyncClient


async def test_console_record__municipality_set_checked_and_cleared(
    client: AsyncClient, auth: dict[str, dict[str, str]]
) -> None:
    created = await client.post(
        "/api/v1/consultations", json={"channel": "satellite", "language": "pt"}, headers=auth["soja_device"]
    )
    case_id = created.json()["id"]
    assert created.json()["resident_municipality"] is None
    url = f"/api/v1/consultations/{case_id}/record"
    saved = await client.patch(url, json={"resident_municipality": "33208"}, headers=auth["counselor"])
    assert saved.status_code == 200, saved.text
    assert saved.json()["resident_municipality"] == "33208"
    # Soja's coordinator now sees the case; Kasaoka's does not
    seen = await client.get(f"/api/v1/consultations/{case_id}", headers=auth["soja_coordinator"])
    assert seen.status_code == 200
    hidden = await client.get(f"/api/v1/consultations/{case_id}", headers=auth["kasaoka_coordinator"])
    assert hidden.status_code == 404
    unknown = await client.patch(url, json={"resident_municipality": "99999"}, headers=auth["counselor"])
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["loc"] == ["body", "resident_municipality"]
    other = await client.patch(url, json={"outcome": "resolved"}, headers=auth["counselor"])
    assert other.json()["resident_municipality"] == "33208"  # not sent: unchanged
    cleared = await client.patch(url, json={"resident_municipality": None}, headers=auth["counselor"])
    assert cleared.json()["resident_municipality"] is None
    refused = await client.patch(url, json={"resident_municipality": "33208"}, headers=auth["soja_device"])
    assert refused.status_code == 403
