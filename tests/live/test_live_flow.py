"""Routing wired to the app: intake -> offer -> accept -> call -> end, on SQLite and PostgreSQL."""

from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.enums import InterpreterGender
from app.interpreter.models import Interpreter
from app.language.models import Language
from app.live.models import RoutingDecision, RoutingEvent
from app.staff.models import StaffUser

NEPALI_AT_SOJA = {
    "channel": "satellite",
    "language": "ne",
    "site": "soja-counter",
    "resident_municipality": "33208",
}


async def _link_interpreter(
    db: AsyncSession, username: str = "interpreter", languages: tuple[str, ...] = ("ne",)
) -> int:
    user = await db.scalar(select(StaffUser).where(StaffUser.username == username))
    assert user is not None
    langs = list((await db.scalars(select(Language).where(Language.code.in_(languages)))).all())
    interpreter = Interpreter(
        display_name="Sita",
        vendor="Vendor A",
        gender=InterpreterGender.female,
        staff_user_id=user.id,
        languages=langs,
    )
    db.add(interpreter)
    await db.commit()
    return interpreter.id


async def _queue(client: AsyncClient, headers: dict[str, str]) -> dict[str, object]:
    response = await client.get("/api/v1/queue", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


async def test_nepali_at_soja__offered_accepted_connected_ended(
    client: AsyncClient, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    interpreter_id = await _link_interpreter(db)
    assert (
        await client.post("/api/v1/presence", json={"state": "available"}, headers=auth["counselor"])
    ).status_code == 204
    assert (
        await client.post("/api/v1/presence", json={"state": "available"}, headers=auth["interpreter"])
    ).status_code == 204

    created = await client.post(
        "/api/v1/consultations",
        json=NEPALI_AT_SOJA,
        headers={**auth["soja_staff"], "Idempotency-Key": "soja-ne-0001"},
    )
    assert created.status_code == 201, created.text
    case = created.json()
    assert case["status"] == "offered"  # a counselor is free and an interpreter speaks Nepali

    queue = await _queue(client, auth["counselor"])
    (offer,) = queue["offers"]  # type: ignore[misc]
    assert offer["request_id"] == case["id"] and offer["interpreter_id"] == str(interpreter_id)

    # the offer id is deterministic: request, interpreter and deadline
    from datetime import datetime

    deadline = int(datetime.fromisoformat(offer["deadline"]).timestamp())
    offer_id = f"{case['id']}.{interpreter_id}.{deadline}"
    wrong = await client.post(
        f"/api/v1/offers/{case['id']}.999.{deadline}/accept", headers=auth["interpreter"]
    )
    assert wrong.status_code == 409
    accepted = await client.post(f"/api/v1/offers/{offer_id}/accept", headers=auth["interpreter"])
    assert accepted.status_code == 204, accepted.text
    again = await client.post(f"/api/v1/offers/{offer_id}/accept", headers=auth["interpreter"])
    assert again.status_code == 409 and "no longer open" in again.json()["detail"]

    read = (await client.get(f"/api/v1/consultations/{case['id']}", headers=auth["counselor"])).json()
    assert read["status"] == "connected"
    assert read["routed_at"] and read["offered_at"] and read["connected_at"]
    (call,) = (await _queue(client, auth["counselor"]))["calls"]  # type: ignore[misc]
    assert call["interpreter_id"] == str(interpreter_id)

    ended = await client.post(f"/api/v1/consultations/{case['id']}/end", headers=auth["counselor"])
    assert ended.status_code == 204, ended.text
    read = (await client.get(f"/api/v1/consultations/{case['id']}", headers=auth["counselor"])).json()
    assert read["status"] == "ended" and read["ended_at"]
    assert (
        await client.post(f"/api/v1/consultations/{case['id']}/end", headers=auth["counselor"])
    ).status_code == 409

    kinds = list((await db.scalars(select(RoutingEvent.kind).order_by(RoutingEvent.seq))).all())
    assert kinds == [
        "CounselorPresent",
        "InterpreterAvailable",
        "ConsultationRequested",
        "OfferAccepted",
        "CallEnded",
    ]
    decisions = list((await db.scalars(select(RoutingDecision.kind).order_by(RoutingDecision.id))).all())
    assert decisions == ["Offered", "Queued", "Assigned", "Closed"]


async def test_queue__fifo_positions_and_cancel(
    client: AsyncClient, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    ids = []
    for n in range(3):
        response = await client.post(
            "/api/v1/consultations",
            json={"channel": "counter", "language": "en"},
            headers={**auth["desk_device"], "Idempotency-Key": f"fifo-en-{n:04d}"},
        )
        assert response.json()["live"]["position"] == n + 1
        ids.append(response.json()["id"])
    queue = await _queue(client, auth["counselor"])
    assert [e["request_id"] for e in queue["queue"]] == ids  # type: ignore[attr-defined]
    # the desk tablet sees its own site's queue, a Soja tablet sees none of it
    assert len((await _queue(client, auth["desk_device"]))["queue"]) == 3  # type: ignore[arg-type]
    assert (await _queue(client, auth["soja_device"]))["queue"] == []

    cancelled = await client.post(
        f"/api/v1/consultations/{ids[0]}/cancel", json={}, headers=auth["desk_device"]
    )
    assert cancelled.status_code == 204
    positions = [(e["request_id"], e["position"]) for e in (await _queue(client, auth["counselor"]))["queue"]]  # type: ignore[attr-defined]
    assert positions == [(ids[1], 1), (ids[2], 2)]
    read = (await client.get(f"/api/v1/consultations/{ids[0]}", headers=auth["counselor"])).json()
    assert read["status"] == "cancelled"
    assert (
        await client.post(f"/api/v1/consultations/{ids[0]}/cancel", json={}, headers=auth["desk_device"])
    ).status_code == 409

    # a counselor who speaks English arrives: the first in line is served first
    await client.post("/api/v1/presence", json={"state": "available"}, headers=auth["counselor"])
    assert (await client.get(f"/api/v1/consultations/{ids[1]}", headers=auth["counselor"])).json()[
        "status"
    ] == "connected"
    assert (await client.get(f"/api/v1/consultations/{ids[2]}", headers=auth["counselor"])).json()[
        "status"
    ] == "queued"


async def test_availability__reflects_who_is_on(
    client: AsyncClient, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    before = {a["language"]: a for a in (await client.get("/api/v1/availability")).json()}
    assert before["uk"]["status"] == "book_ahead"
    assert len(before) == 15
    languages = {lang["code"]: lang for lang in (await client.get("/api/v1/languages")).json()}
    assert languages["uk"]["availability"] == "book_ahead" and languages["uk"]["served_now"] is False


async def test_intake_to_routing__a_retry_routes_once(
    client: AsyncClient, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    headers = {**auth["desk_device"], "Idempotency-Key": "route-once-0001"}
    for _ in range(3):
        await client.post(
            "/api/v1/consultations", json={"channel": "counter", "language": "vi"}, headers=headers
        )
    requested = await db.scalar(
        select(func.count()).select_from(RoutingEvent).where(RoutingEvent.kind == "ConsultationRequested")
    )
    assert requested == 1


async def test_restart__a_case_stored_but_never_routed_is_routed_on_start(
    settings: object, db: AsyncSession, auth: dict[str, dict[str, str]]
) -> None:
    """The process died between storing a case and routing it: the next start routes it, once."""
    from app.consultation.models import Consultation
    from app.enums import Channel, ConsultationStatus
    from app.main import create_app

    stranded = Consultation(channel=Channel.phone, language_code="en", status=ConsultationStatus.requested)
    db.add(stranded)
    await db.commit()
    for _ in range(2):  # two starts: routed on the first, not again on the second
        app = create_app(settings)  # type: ignore[arg-type]
        async with app.router.lifespan_context(app):
            position = app.state.desk.position(stranded.public_id)
            assert position is not None and position.position == 1
    await db.refresh(stranded)
    assert stranded.status is ConsultationStatus.queued
    requested = await db.scalar(
        select(func.count())
        .select_from(RoutingEvent)
        .where(RoutingEvent.kind == "ConsultationRequested", RoutingEvent.request_id == stranded.public_id)
    )
    assert requested == 1
