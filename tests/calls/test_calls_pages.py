"""The call pages and their assets: who may open which console, the fixed asset list, the tablet catalogue."""

from __future__ import annotations

from httpx import AsyncClient


async def test_consoles_need_the_right_role(client: AsyncClient, auth: dict[str, dict[str, str]]) -> None:
    anonymous = await client.get("/interpreter")
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login"
    assert (await client.get("/counselor")).status_code == 303
    assert (await client.get("/interpreter", headers=auth["counselor"])).status_code == 403
    assert (await client.get("/counselor", headers=auth["interpreter"])).status_code == 403
    assert (await client.get("/counselor", headers=auth["desk_device"])).status_code == 303  # not a person
    console = await client.get("/interpreter", headers=auth["interpreter"])
    assert console.status_code == 200 and "Interpreter console" in console.text
    assert "/call/static/interpreter.js" in console.text
    counselor = await client.get("/counselor", headers=auth["counselor"])
    assert counselor.status_code == 200 and 'id="end-call"' in counselor.text


async def test_open_pages_and_assets(client: AsyncClient) -> None:
    for path in ("/tablet", "/device-check"):
        page = await client.get(path)
        assert page.status_code == 200, path
    script = await client.get("/call/static/call.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert "export class Room" in script.text
    assert (await client.get("/call/static/i18n.js")).status_code == 200
    assert (await client.get("/call/static/router.py")).status_code == 404
    assert (await client.get("/call/static/..%2Frouter.py")).status_code == 404


async def test_tablet_catalogue_in_the_residents_language(client: AsyncClient) -> None:
    nepali = (await client.get("/call/i18n/ne.json")).json()
    assert nepali["_lang"] == "ne" and nepali["call.connected"] == "तपाईं जोडिनुभयो।"
    assert (await client.get("/call/i18n/xx.json")).json()["_lang"] == "en"
