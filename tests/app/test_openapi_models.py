"""Every JSON route says what it returns: a schema in OpenAPI, not an untyped object."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient

from tests.conftest import resident_link

# Answers that are not JSON documents (files, exports, SDP is JSON with a model) are declared by media type.
NOT_JSON = {"text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/html"}


def _untyped(schema: dict[str, Any]) -> bool:
    return schema in ({}, {"type": "object"}, {"additionalProperties": True, "type": "object"}) or (
        schema.get("type") == "object" and "properties" not in schema and "$ref" not in schema
    )


async def test_every_json_route__declares_the_shape_of_its_answer(client: AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    untyped: list[str] = []
    for path, methods in paths.items():
        for method, operation in methods.items():
            for code, response in operation["responses"].items():
                if not code.startswith("2") or code == "204":
                    continue
                for media, body in response.get("content", {}).items():
                    if media in NOT_JSON:
                        continue
                    if _untyped(body.get("schema", {})):
                        untyped.append(f"{method.upper()} {path} {code} {media}")
    assert untyped == [], "\n".join(untyped)


async def test_readiness__is_typed_for_both_answers(client: AsyncClient) -> None:
    readyz = (await client.get("/openapi.json")).json()["paths"]["/readyz"]["get"]["responses"]
    for code in ("200", "503"):
        assert readyz[code]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Readiness"
        }


async def test_resident_invite__answers_the_shape_it_declares(
    app_and_client: tuple[Any, AsyncClient],
) -> None:
    from app.resident.own_case_router import RoomInviteRead

    app, client = app_and_client
    case = (
        await client.post(
            "/api/v1/resident/consultations",
            json={"language": "pt", "link": resident_link()},
            headers={"Idempotency-Key": "invite-shape-1"},
        )
    ).json()
    await app.state.desk.rooms.open_room("room-shape", case["id"], app.state.clock.now())
    answer = await client.get(
        f"/api/v1/resident/consultations/{case['id']}/invite",
        headers={"X-Watch-Ticket": case["live"]["watch_ticket"]},
    )
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    invite = RoomInviteRead.model_validate(answer.json())
    assert (invite.room_id, invite.consultation_id, invite.role) == ("room-shape", case["id"], "resident")
