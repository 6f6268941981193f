"""Starting a booked call (issue 18, low 13): the case's Idempotency-Key is the reservation's own and
unguessable, in a namespace no client key can name, so nobody can take it in advance and block the start; and
two counselors who start the same booking at the same moment open one case, not two."""

from __future__ import annotations

import asyncio

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal, Via
from app.auth.service import issue_api_token
from app.config import Settings
from app.consultation.models import Consultation
from app.enums import Role
from app.idempotency import RESIDENT, IdempotencyKey, namespace_of
from app.reservation.models import Reservation
from app.staff.service import create_user
from tests.reservation.reservation_support import (
    add_interpreter,
    first_free,
    reservation_settings,
    staff_slots,
)

COUNSELOR_ANA = Principal(role="counselor", via=Via.bearer, display_name="Ana", staff_user_id=1)
DEVICE = Principal(role="counter_staff", via=Via.bearer, display_name="tablet", device_id=3)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return reservation_settings(database_url)


async def test_start__a_key_taken_in_advance_by_another_caller_does_not_block_it(
    client: AsyncClient, db: AsyncSession, auth: dict[str, dict[str, str]]
) -> None:
    await add_interpreter(db, "Olena")
    start = first_free(await staff_slots(client, auth["counselor"]))
    body = {"language": "uk", "starts_at": start, "contact": {"phone": "086-426-0000"}}
    code = (await client.post("/api/v1/reservations", json=body, headers=auth["counselor"])).json()["code"]
    old_key = f"reservation:{code}:0"  # what the start used to store, shared by everyone and easy to guess
    squat = await client.post(
        "/api/v1/consultations",
        json={"channel": "phone", "language": "uk"},
        headers={**auth["admin"], "Idempotency-Key": old_key},
    )
    assert squat.status_code == 201

    started = await client.post(f"/api/v1/reservations/{code}/start", headers=auth["counselor"])
    assert started.status_code == 201
    assert started.json()["consultation_id"] != squat.json()["id"]
    case = await db.scalar(
        select(Consultation).where(Consultation.public_id == started.json()["consultation_id"])
    )
    booking = await db.scalar(select(Reservation).where(Reservation.code == code))
    assert case is not None and booking is not None and booking.consultation_id == case.id
    assert case.idempotency_key is not None and case.idempotency_key.startswith(f"shared:reservation:{code}/")
    guessable = {
        IdempotencyKey(ns, value).stored
        for ns in ("reservation", RESIDENT)
        for value in (old_key, code, f"{code}:0")
    }
    assert case.idempotency_key not in guessable


def test_shared_key__the_bookings_own_and_needs_the_secret() -> None:
    parts = ("reservation.start", "0")
    mine = IdempotencyKey.shared("reservation:R-0001", "secret-one", *parts)
    assert mine == IdempotencyKey.shared("reservation:R-0001", "secret-one", *parts)  # a double click
    assert mine.stored != IdempotencyKey.shared("reservation:R-0002", "secret-one", *parts).stored
    assert mine.value != IdempotencyKey.shared("reservation:R-0001", "secret-two", *parts).value
    assert (
        mine.value
        != IdempotencyKey.shared("reservation:R-0001", "secret-one", "reservation.start", "7").value
    )
    clients = {namespace_of(p) for p in (None, COUNSELOR_ANA, DEVICE)}
    assert mine.namespace not in clients and not any(n.startswith("shared:") for n in clients)


async def test_start__two_counselors_at_the_same_moment_open_one_case(
    client: AsyncClient, db: AsyncSession, auth: dict[str, dict[str, str]]
) -> None:
    await add_interpreter(db, "Olena")
    other = await create_user(
        db, username="counselor2", password="correct horse battery", role=Role.counselor
    )
    second = {"Authorization": f"Bearer {await issue_api_token(db, other, 'tests')}"}
    await db.commit()
    start = first_free(await staff_slots(client, auth["counselor"]))
    body = {"language": "uk", "starts_at": start, "contact": {"phone": "086-426-0000"}}
    code = (await client.post("/api/v1/reservations", json=body, headers=auth["counselor"])).json()["code"]

    answers = await asyncio.gather(
        *(client.post(f"/api/v1/reservations/{code}/start", headers=h) for h in (auth["counselor"], second))
    )
    assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
    ids = {a.json()["consultation_id"] for a in answers}
    assert len(ids) == 1
    booking = await db.scalar(select(Reservation).where(Reservation.code == code))
    cases = (await db.scalars(select(Consultation))).all()  # the test database had none before
    assert booking is not None and [c.id for c in cases] == [booking.consultation_id]
    assert [c.public_id for c in cases] == list(ids)
