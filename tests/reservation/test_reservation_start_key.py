"""Starting a booked call (issue 18, low 13): the case's Idempotency-Key is the caller's own and unguessable,
so nobody can take it in advance and block the start."""

from __future__ import annotations

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal, Via
from app.config import Settings
from app.consultation.models import Consultation
from app.idempotency import RESIDENT, IdempotencyKey
from app.reservation.models import Reservation
from app.staff.models import StaffUser
from tests.reservation.reservation_support import (
    add_interpreter,
    first_free,
    reservation_settings,
    staff_slots,
)


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
    counselor = await db.scalar(select(StaffUser.id).where(StaffUser.username == "counselor"))
    assert case is not None and booking is not None and booking.consultation_id == case.id
    assert case.idempotency_key is not None and case.idempotency_key.startswith(f"staff:{counselor}/")
    guessable = {
        IdempotencyKey(ns, value).stored
        for ns in ("reservation", RESIDENT)
        for value in (old_key, code, f"{code}:0")
    }
    assert case.idempotency_key not in guessable


def test_derived_key__belongs_to_its_caller_and_needs_the_secret() -> None:
    ana = Principal(role="counselor", via=Via.bearer, display_name="Ana", staff_user_id=1)
    ben = Principal(role="counselor", via=Via.bearer, display_name="Ben", staff_user_id=2)
    parts = ("reservation.start", "R-0001", "0")
    mine = IdempotencyKey.derived(ana, "secret-one", *parts)
    assert mine == IdempotencyKey.derived(ana, "secret-one", *parts)  # a double click: the same key
    assert mine.stored != IdempotencyKey.derived(ben, "secret-one", *parts).stored
    assert mine.value != IdempotencyKey.derived(ana, "secret-two", *parts).value
    assert mine.value != IdempotencyKey.derived(ana, "secret-one", "reservation.start", "R-0001", "7").value
    assert "R-0001" not in mine.stored
