"""The counter tablet's context: its site, channel, and the desk's phone and hours (every role)."""

from __future__ import annotations

from datetime import time

from httpx import AsyncClient

from app.i18n import translator


async def test_tablet_context__satellite_and_central(
    client: AsyncClient, auth: dict[str, dict[str, str]]
) -> None:
    soja = await client.get("/api/v1/tablet/context", headers=auth["soja_device"])
    assert soja.status_code == 200, soja.text
    assert (soja.json()["site"], soja.json()["kind"], soja.json()["channel"]) == (
        "soja-counter",
        "satellite_counter",
        "satellite",
    )
    # the test settings' desk hours, in Japanese, with the locale's own range (Babel), not a hard-coded "–"
    assert (
        soja.json()["desk_hours"] == translator("ja").format_hours(time(6), time(20)) == "6時00分～20時00分"
    )
    desk = await client.get("/api/v1/tablet/context", headers=auth["desk_staff"])
    assert (desk.json()["site"], desk.json()["channel"]) == ("kurashiki-desk", "counter")
    for role in ("counselor", "coordinator", "interpreter"):
        assert (await client.get("/api/v1/tablet/context", headers=auth[role])).status_code == 403
