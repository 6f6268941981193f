"""Reservations over HTTP on SQLite and PostgreSQL: slots, idempotent booking, the last seat, cancelling,
staff scope and audit, the join window, and the reserved interpreter getting the call at the time."""

from __future__ import annotations

import asyncio
import re
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditEvent
from app.clock import Clock, ControlledClock
from app.config import Settings
from app.enums import Channel
from app.i18n import translator
from app.live.models import RoutingEvent
from app.reservation.models import Reservation, ReservationStatus
from app.retention.service import purge_personal_data
from tests.reservation.reservation_support import (
    add_interpreter,
    book,
    entry_link,
    first_free,
    join_status,
    olena_and_a_slot,
    reservation_settings,
    slots,
    staff_slots,
)

UK = translator("uk")


@pytest.fixture
def settings(database_url: str) -> Settings:
    return reservation_settings(database_url)


async def _count(db: AsyncSession, status: ReservationStatus | None = None) -> int:
    query = select(func.count()).select_from(Reservation)
    if status is not None:
        query = query.where(Reservation.status == status)
    return int(await db.scalar(query) or 0)


def _later(clock: Clock, hours: int) -> datetime:
    return clock.now() + timedelta(hours=hours)


# -- residents: slots and booking --------------------------------------------------------------------------


async def test_slots__need_a_resident_link_and_show_seats_in_ukrainian(
    client: AsyncClient, db: AsyncSession, settings: Settings, clock: ControlledClock
) -> None:
    await add_interpreter(db, "Olena")
    await add_interpreter(db, "Taras")
    link = entry_link(settings)
    response = await client.get(
        "/api/v1/resident/reservation-slots", params={"lang": "uk"}, headers={"X-Resident-Link": link}
    )
    body = response.json()
    assert body["language"] == "uk" and body["slot_minutes"] == 10
    first_day = body["days"][0]
    assert first_day["label"] == UK.format_date(date.fromisoformat(first_day["date"]))
    assert all(slot["seats"] == 2 for day in body["days"] for slot in day["slots"])
    assert datetime.fromisoformat(first_day["slots"][0]["starts_at"]) >= clock.now() - timedelta(seconds=1)

    no_link = await client.get("/api/v1/resident/reservation-slots", params={"lang": "uk"})
    assert no_link.status_code == 422
    forged = await client.get(
        "/api/v1/resident/reservation-slots",
        params={"lang": "uk"},
        headers={"X-Resident-Link": link[:-4] + "AAAA", "Accept-Language": "uk"},
    )
    assert forged.status_code == 403 and forged.json()["detail"] == UK.t("error.link_expired")
    # a language served live now has nothing to book; an on-site one neither
    assert await slots(client, link, "ne") == [] and await slots(client, link, "en") == []


async def test_book__idempotent_with_code_join_link_and_manage_token(
    client: AsyncClient, db: AsyncSession, settings: Settings, clock: ControlledClock
) -> None:
    link, start = await olena_and_a_slot(client, db, settings, clock, 2)
    contact = {"name": "Оксана Шевченко", "phone": "090-1234-5678"}
    first = await book(client, link, start, "book-uk-000001", contact=contact)
    again = await book(client, link, start, "book-uk-000001", contact=contact)
    assert (first.status_code, again.status_code) == (201, 200), first.text
    body = first.json()
    assert again.json()["code"] == body["code"] and again.headers["Idempotent-Replayed"] == "true"
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", body["code"])
    assert body["status"] == "booked" and body["join_url"] == f"/r/{body['join_token']}"
    assert body["manage_token"] and "Оксана" not in first.text  # contact never comes back to the resident
    assert datetime.fromisoformat(body["starts_at"]) == datetime.fromisoformat(start)
    assert datetime.fromisoformat(body["opens_at"]) == datetime.fromisoformat(start) - timedelta(minutes=15)
    assert "Ваш запис" in body["messages"]["confirmed"]
    other = await book(client, link, start, "book-uk-000001", contact={"name": "Someone else"})
    assert other.status_code == 409 and "Idempotency-Key" in other.json()["detail"]

    row = await db.scalar(select(Reservation).where(Reservation.code == body["code"]))
    assert row is not None and row.municipality_code == "33202"  # from the poster's link
    assert row.contact_name_enc is not None and b"Oksana" not in row.contact_name_enc
    assert "Шевченко".encode() not in row.contact_name_enc  # encrypted at rest
    assert row.created_by_resident and row.interpreter_id is not None
    assert await _count(db) == 1


async def test_book__concurrent_identical_bookings_make_one(
    client: AsyncClient, db: AsyncSession, settings: Settings, clock: ControlledClock
) -> None:
    link, start = await olena_and_a_slot(client, db, settings, clock, 1)
    responses = await asyncio.gather(*(book(client, link, start, "double-tap-00001") for _ in range(6)))
    assert sorted(r.status_code for r in responses) == [200] * 5 + [201], [
        r.text for r in responses if r.status_code == 409
    ]
    assert len({r.json()["code"] for r in responses}) == 1
    assert await _count(db) == 1


async def test_book__the_last_seat_goes_to_one_resident_and_the_other_hears_why(
    client: AsyncClient, db: AsyncSession, settings: Settings, clock: ControlledClock
) -> None:
    link, start = await olena_and_a_slot(client, db, settings, clock, 1)
    responses = await asyncio.gather(
        book(client, link, start, "last-seat-a-0001"), book(client, link, start, "last-seat-b-0001")
    )
    assert sorted(r.status_code for r in responses) == [201, 409]
    refused = next(r for r in responses if r.status_code == 409)
    assert refused.json()["detail"] == UK.t("reservation.taken")
    assert await _count(db) == 1
    seats = {s["starts_at"]: s["seats"] for s in await slots(client, link)}
    assert seats[start] == 0


async def test_book__bad_input_is_422_with_the_field(
    client: AsyncClient, db: AsyncSession, settings: Settings, clock: ControlledClock
) -> None:
    link, slot = await olena_and_a_slot(client, db, settings, clock, 2)
    start = datetime.fromisoformat(slot)
    off_grid = await book(client, link, (start + timedelta(minutes=3)).isoformat(), "bad-grid-000001")
    assert off_grid.status_code == 422
    (error,) = off_grid.json()["detail"]
    assert error["loc"] == ["body", "starts_at"] and error["ctx"]["reason"] == "not_on_grid"
    assert error["msg"].startswith(UK.t("reservation.unavailable"))
    phone = await book(client, link, start.isoformat(), "bad-phone-00001", channel="phone")
    assert phone.status_code == 422 and "contact.phone" in phone.text
    naive = await book(client, link, start.replace(tzinfo=None).isoformat(), "bad-naive-00001")
    assert naive.status_code == 422
    unknown = await book(client, link, start.isoformat(), "bad-lang-000001", language="xx")
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"] == ["body", "language"]
    live = await book(client, link, start.isoformat(), "bad-live-000001", language="ne")
    assert live.status_code == 422 and live.json()["detail"][0]["ctx"]["reason"] == "live_service"
    assert await _count(db) == 0


async def test_cancel__with_the_bookings_own_token_frees_the_seat(
    client: AsyncClient, db: AsyncSession, settings: Settings, clock: ControlledClock
) -> None:
    link, start = await olena_and_a_slot(client, db, settings, clock, 2)
    body = (await book(client, link, start, "cancel-me-00001")).json()
    wrong = await client.delete(
        f"/api/v1/resident/reservations/{body['code']}", headers={"X-Reservation-Token": "0" * 36}
    )
    assert wrong.status_code == 404
    done = await client.delete(
        f"/api/v1/resident/reservations/{body['code']}", headers={"X-Reservation-Token": body["manage_token"]}
    )
    assert done.status_code == 204
    assert await _count(db, ReservationStatus.cancelled) == 1
    seats = {s["starts_at"]: s["seats"] for s in await slots(client, link)}
    assert seats[start] == 1
    # the join link now says it was cancelled
    status = await join_status(client, body["join_token"])
    assert status.status_code == 409 and status.json()["reason"] == "cancelled"
    assert status.json()["detail"] == UK.t("reservation.was_cancelled")


# -- the join window ---------------------------------------------------------------------------------------


async def test_join__too_early_says_when_in_the_residents_language(
    client: AsyncClient, db: AsyncSession, settings: Settings, clock: ControlledClock
) -> None:
    link, start = await olena_and_a_slot(client, db, settings, clock, 2)
    body = (await book(client, link, start, "too-early-00001")).json()
    response = await client.post(
        "/api/v1/resident/consultations",
        json={"language": "uk", "reservation_token": body["join_token"]},
        headers={"Idempotency-Key": "join-early-0001"},
    )
    assert response.status_code == 409 and response.json()["reason"] == "too_early"
    opens = datetime.fromisoformat(response.json()["opens_at"])
    assert opens == datetime.fromisoformat(start) - timedelta(minutes=15)
    local = opens.astimezone(settings.zone)
    assert UK.format_time(local) in response.json()["detail"] and "зарано" in response.json()["detail"]
    assert await db.scalar(select(func.count()).select_from(RoutingEvent)) == 0  # nothing was routed


async def test_join__a_link_of_another_kind_or_forged_is_refused(
    client: AsyncClient, settings: Settings
) -> None:
    for token in (entry_link(settings), "not-a-link"):
        response = await client.post(
            "/api/v1/resident/consultations",
            json={"language": "uk", "reservation_token": token},
            headers={"Idempotency-Key": f"join-bad-{len(token):06d}"},
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "reservation_token"]


async def _go_available(client: AsyncClient, headers: dict[str, str]) -> None:
    response = await client.post("/api/v1/presence", json={"state": "available"}, headers=headers)
    assert response.status_code == 204, response.text


async def test_at_the_time__the_reserved_interpreter_is_offered_first_and_the_slot_is_fulfilled(
    client: AsyncClient,
    db: AsyncSession,
    settings: Settings,
    auth: dict[str, dict[str, str]],
    clock: ControlledClock,
) -> None:
    # Taras has waited longest (he goes available first), so without the reservation he would be rung
    taras = await add_interpreter(db, "Taras", username="taras")
    olena = await add_interpreter(db, "Olena", username="interpreter")  # the `auth` interpreter account
    link = entry_link(settings)
    start = first_free(await slots(client, link))
    booked = await client.post(
        "/api/v1/reservations",
        json={
            "language": "uk",
            "starts_at": start,
            "channel": "video",
            "interpreter_id": olena,
            "municipality": "33208",
        },
        headers=auth["counselor"],
    )
    assert booked.status_code == 201, booked.text
    code = booked.json()["code"]
    assert booked.json()["interpreter_id"] == olena and booked.json()["booked_by"] == "staff"
    row = await db.scalar(select(Reservation).where(Reservation.code == code))
    assert row is not None
    from app.reservation.joining import join_link

    token = join_link(settings, row, clock.now())

    from app.auth.service import issue_api_token
    from app.staff.models import StaffUser

    taras_user = await db.scalar(select(StaffUser).where(StaffUser.username == "taras"))
    assert taras_user is not None
    taras_headers = {"Authorization": f"Bearer {await issue_api_token(db, taras_user, 'tests')}"}
    await db.commit()
    await _go_available(client, auth["counselor"])
    await _go_available(client, taras_headers)
    await _go_available(client, auth["interpreter"])

    joined = await client.post(
        "/api/v1/resident/consultations",
        json={"language": "uk", "reservation_token": token},
        headers={"Idempotency-Key": "join-on-time-001"},
    )
    assert joined.status_code == 201, joined.text
    case_id = joined.json()["id"]
    queue = (await client.get("/api/v1/queue", headers=auth["counselor"])).json()
    (offer,) = queue["offers"]
    assert offer["request_id"] == case_id and offer["interpreter_id"] == str(olena) != str(taras)
    requested = await db.scalar(select(RoutingEvent).where(RoutingEvent.kind == "ConsultationRequested"))
    assert requested is not None
    assert requested.payload["reservation_id"] == code
    assert requested.payload["reserved_interpreter_id"] == str(olena)

    # a second intake for the same reservation (another tab) is refused while the first case is open
    twice = await client.post(
        "/api/v1/resident/consultations",
        json={"language": "uk", "reservation_token": token},
        headers={"Idempotency-Key": "join-on-time-002"},
    )
    assert twice.status_code == 409 and twice.json()["reason"] == "already_joined"
    replay = await client.post(
        "/api/v1/resident/consultations",
        json={"language": "uk", "reservation_token": token},
        headers={"Idempotency-Key": "join-on-time-001"},
    )
    assert replay.status_code == 200 and replay.json()["id"] == case_id

    deadline = int(datetime.fromisoformat(offer["deadline"]).timestamp())
    accepted = await client.post(
        f"/api/v1/offers/{case_id}.{olena}.{deadline}/accept", headers=auth["interpreter"]
    )
    assert accepted.status_code == 204, accepted.text
    upcoming = (await client.get("/api/v1/reservations/upcoming", headers=auth["counselor"])).json()
    assert upcoming == []  # connected: the reservation is fulfilled, no longer waiting
    listed = (
        await client.get(
            "/api/v1/reservations", params={"day": _local_day(settings, start)}, headers=auth["counselor"]
        )
    ).json()
    (mine,) = [r for r in listed if r["code"] == code]
    assert mine["status"] == "fulfilled" and mine["consultation_id"] == case_id


def _local_day(settings: Settings, iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(settings.zone).date().isoformat()


# -- staff -------------------------------------------------------------------------------------------------


async def test_staff__scope_per_role_contact_only_for_counselors_and_every_read_audited(
    client: AsyncClient,
    db: AsyncSession,
    settings: Settings,
    auth: dict[str, dict[str, str]],
    clock: ControlledClock,
) -> None:
    own = await add_interpreter(db, "Olena", username="interpreter")
    await add_interpreter(db, "Taras")
    start = first_free(await slots(client, entry_link(settings)), after=_later(clock, 2))
    soja = await book(
        client, entry_link(settings, "33208"), start, "scope-soja-0001", contact={"name": "Ірина"}
    )
    kurashiki = await book(
        client, entry_link(settings, "33202"), start, "scope-kura-0001", contact={"name": "Петро"}
    )
    assert (soja.status_code, kurashiki.status_code) == (201, 201)
    day = {"day": _local_day(settings, start)}

    counselor = (await client.get("/api/v1/reservations", params=day, headers=auth["counselor"])).json()
    assert {r["contact"]["name"] for r in counselor} == {"Ірина", "Петро"}
    soja_view = (
        await client.get("/api/v1/reservations", params=day, headers=auth["soja_coordinator"])
    ).json()
    assert [r["code"] for r in soja_view] == [soja.json()["code"]] and soja_view[0]["contact"] is None
    kasaoka = (
        await client.get("/api/v1/reservations", params=day, headers=auth["kasaoka_coordinator"])
    ).json()
    assert kasaoka == []
    mine = (await client.get("/api/v1/reservations", params=day, headers=auth["interpreter"])).json()
    assert [r["interpreter_id"] for r in mine] == [own]
    assert (
        await client.get("/api/v1/reservations", params=day, headers=auth["desk_staff"])
    ).status_code == 403
    other = soja.json()["code"] if mine[0]["code"] != soja.json()["code"] else kurashiki.json()["code"]
    hidden = await client.get(f"/api/v1/reservations/{other}", headers=auth["interpreter"])
    assert hidden.status_code == 404

    audits = (
        await db.scalars(select(AuditEvent).where(AuditEvent.action == "reservation.read_personal"))
    ).all()
    assert len(audits) == 1 and set(audits[0].detail["codes"]) == {
        soja.json()["code"],
        kurashiki.json()["code"],
    }
    assert (
        await db.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "reservation.read")
        )
        == 2
    )  # the Soja coordinator's list and the interpreter's (an empty list reads nothing)


async def test_staff__book_for_a_caller_reassign_cancel_and_no_show_rules(
    client: AsyncClient,
    db: AsyncSession,
    settings: Settings,
    auth: dict[str, dict[str, str]],
    clock: ControlledClock,
) -> None:
    olena = await add_interpreter(db, "Olena")
    taras = await add_interpreter(db, "Taras")
    nepali = await add_interpreter(db, "Sita", ("ne",))
    start = first_free(await staff_slots(client, auth["counselor"]), after=_later(clock, 2))
    body = {"language": "uk", "starts_at": start, "contact": {"phone": "086-426-0000", "name": "Микола"}}
    created = await client.post("/api/v1/reservations", json=body, headers=auth["counselor"])
    assert created.status_code == 201, created.text
    code, first = created.json()["code"], created.json()["interpreter_id"]
    assert created.json()["channel"] == "phone" and created.json()["contact"]["phone"] == "086-426-0000"
    other = taras if first == olena else olena

    assert (
        await client.post("/api/v1/reservations", json=body, headers=auth["coordinator"])
    ).status_code == 403
    wrong_language = await client.post(
        f"/api/v1/reservations/{code}/assign", json={"interpreter_id": nepali}, headers=auth["counselor"]
    )
    assert wrong_language.status_code == 422 and "uk" in wrong_language.text
    moved = await client.post(
        f"/api/v1/reservations/{code}/assign", json={"interpreter_id": other}, headers=auth["counselor"]
    )
    assert moved.status_code == 204
    # the freed interpreter takes the next booking of that slot; then both are busy
    second = await client.post("/api/v1/reservations", json=body, headers=auth["admin"])
    assert second.status_code == 201 and second.json()["interpreter_id"] == first
    busy = await client.post(
        f"/api/v1/reservations/{code}/assign", json={"interpreter_id": first}, headers=auth["counselor"]
    )
    assert busy.status_code == 409
    full = await client.post("/api/v1/reservations", json=body, headers=auth["counselor"])
    assert full.status_code == 409

    early = await client.post(f"/api/v1/reservations/{code}/no-show", headers=auth["counselor"])
    assert early.status_code == 409 and "not started" in early.json()["detail"]
    assert (
        await client.post(f"/api/v1/reservations/{code}/cancel", headers=auth["counselor"])
    ).status_code == 204
    assert (
        await client.post(f"/api/v1/reservations/{code}/cancel", headers=auth["counselor"])
    ).status_code == 204
    again = await client.post(
        f"/api/v1/reservations/{code}/assign", json={"interpreter_id": other}, headers=auth["counselor"]
    )
    assert again.status_code == 409
    upcoming = await client.get(
        "/api/v1/reservations/upcoming", params={"within_minutes": 24 * 60}, headers=auth["counselor"]
    )
    assert [r["code"] for r in upcoming.json()] == [second.json()["code"]]
    assert "contact" not in upcoming.json()[0]


async def _past_reservation(
    db: AsyncSession, code: str, now: datetime, hours_ago: int, **fields: Any
) -> Reservation:
    start = now - timedelta(hours=hours_ago)
    row = Reservation(
        code=code,
        language_code="uk",
        starts_at=start,
        ends_at=start + timedelta(minutes=10),
        channel=Channel.video,
        status=ReservationStatus.booked,
        created_by_resident=True,
        **fields,
    )
    db.add(row)
    await db.commit()
    return row


async def test_settle__a_slot_over_without_a_join_is_a_no_show_and_old_contacts_are_purged(
    client: AsyncClient,
    db: AsyncSession,
    settings: Settings,
    auth: dict[str, dict[str, str]],
    clock: ControlledClock,
) -> None:
    cipher = client._transport.app.state.cipher  # type: ignore[attr-defined]
    await _past_reservation(db, "PAST-0001", clock.now(), 3, contact_name_enc=cipher.encrypt("Ганна"))
    listed = (
        await client.get(
            "/api/v1/reservations",
            params={"day": (clock.now() - timedelta(hours=3)).astimezone(settings.zone).date().isoformat()},
            headers=auth["counselor"],
        )
    ).json()
    (row,) = [r for r in listed if r["code"] == "PAST-0001"]
    assert row["status"] == "no_show" and row["contact"]["name"] == "Ганна"

    report = await purge_personal_data(db, 1, now=clock.now() + timedelta(days=2))
    await db.commit()
    db.expire_all()
    purged = await db.scalar(select(Reservation).where(Reservation.code == "PAST-0001"))
    assert (
        purged is not None and purged.contact_name_enc is None and purged.personal_data_purged_at is not None
    )
    assert purged.status is ReservationStatus.no_show and report.dry_run is False  # statistics stay


async def test_book__flooding_is_throttled_in_the_residents_language(
    database_url: str, clock: ControlledClock
) -> None:
    from httpx import ASGITransport

    from app.main import create_app

    settings = reservation_settings(database_url, resident_intake_limit=2)
    app = create_app(settings, clock=clock)
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client,
    ):
        link = entry_link(settings)
        start = (clock.now() + timedelta(days=2)).isoformat()
        statuses = [(await book(client, link, start, f"flood-{n:010d}")).status_code for n in range(3)]
        last = await book(client, link, start, "flood-9999999999")
    assert 429 not in statuses[:2] and statuses[2] == 429
    assert last.status_code == 429 and last.json()["detail"] == UK.t("error.rate_limited")


async def test_phone_booking__staff_start_it_at_the_time_and_the_reserved_interpreter_is_rung(
    client: AsyncClient,
    db: AsyncSession,
    settings: Settings,
    auth: dict[str, dict[str, str]],
    clock: ControlledClock,
) -> None:
    olena = await add_interpreter(db, "Olena", username="interpreter")
    free = [s for s in await staff_slots(client, auth["counselor"]) if s["seats"]]
    body = {"language": "uk", "contact": {"name": "Микола", "phone": "086-426-0000"}}
    now_slot = await client.post(
        "/api/v1/reservations", json={**body, "starts_at": free[0]["starts_at"]}, headers=auth["counselor"]
    )
    later = first_free(free, after=_later(clock, 2))
    later_slot = await client.post(
        "/api/v1/reservations", json={**body, "starts_at": later}, headers=auth["counselor"]
    )
    assert (now_slot.status_code, later_slot.status_code) == (201, 201)

    early = await client.post(
        f"/api/v1/reservations/{later_slot.json()['code']}/start", headers=auth["counselor"]
    )
    assert early.status_code == 409 and early.json()["reason"] == "too_early"
    assert (
        await client.post(
            f"/api/v1/reservations/{now_slot.json()['code']}/start", headers=auth["coordinator"]
        )
    ).status_code == 403

    await _go_available(client, auth["counselor"])
    await _go_available(client, auth["interpreter"])
    code = now_slot.json()["code"]
    started, again = [
        await client.post(f"/api/v1/reservations/{code}/start", headers=auth["counselor"]) for _ in range(2)
    ]
    assert started.status_code == again.status_code == 201
    case_id = started.json()["consultation_id"]
    assert again.json()["consultation_id"] == case_id
    case = (await client.get(f"/api/v1/consultations/{case_id}", headers=auth["counselor"])).json()
    assert case["channel"] == "phone" and case["personal"]["resident_contact"] == "086-426-0000"
    (offer,) = (await client.get("/api/v1/queue", headers=auth["counselor"])).json()["offers"]
    assert offer["request_id"] == case_id and offer["interpreter_id"] == str(olena)


async def test_routing_fields__a_case_opened_from_a_booking_carries_it_into_routing(
    client: AsyncClient, db: AsyncSession, settings: Settings, auth: dict[str, dict[str, str]]
) -> None:
    from app.live.desk import requested_event
    from app.reservation.routing_fields import with_reservation

    olena = await add_interpreter(db, "Olena")
    start = first_free(await staff_slots(client, auth["counselor"]))
    body = {"language": "uk", "starts_at": start, "contact": {"phone": "086-426-0000"}}
    code = (await client.post("/api/v1/reservations", json=body, headers=auth["counselor"])).json()["code"]
    case_id = (await client.post(f"/api/v1/reservations/{code}/start", headers=auth["counselor"])).json()[
        "consultation_id"
    ]
    other = await client.post(
        "/api/v1/consultations",
        json={"channel": "phone", "language": "ne"},
        headers={**auth["counselor"], "Idempotency-Key": "plain-case-0001"},
    )
    from app.consultation.models import Consultation

    for public_id, expected in ((case_id, (code, str(olena))), (other.json()["id"], (None, None))):
        case = await db.scalar(select(Consultation).where(Consultation.public_id == public_id))
        assert case is not None
        event = await with_reservation(db, case.id, requested_event(case))
        assert (event.reservation_id, event.reserved_interpreter_id) == expected
        assert event.request_id == public_id


async def test_join_link_status__open_now_for_the_next_slot_and_too_early_for_a_later_one(
    client: AsyncClient, db: AsyncSession, settings: Settings, clock: ControlledClock
) -> None:
    await add_interpreter(db, "Olena")
    link = entry_link(settings)
    found = await slots(client, link)
    soon = (await book(client, link, first_free(found), "status-soon-0001")).json()
    later = (await book(client, link, first_free(found, after=_later(clock, 2)), "status-late-0001")).json()
    now_open = await join_status(client, soon["join_token"])
    assert now_open.status_code == 200 and now_open.json()["code"] == soon["code"]
    assert now_open.json()["manage_token"] is None  # the join link does not let anyone cancel
    early = await join_status(client, later["join_token"])
    assert early.status_code == 409 and early.json()["reason"] == "too_early"


async def test_restart__a_reserved_case_stored_but_never_routed_keeps_its_reservation(
    client: AsyncClient,
    db: AsyncSession,
    settings: Settings,
    auth: dict[str, dict[str, str]],
    clock: ControlledClock,
    app_and_client: tuple[Any, AsyncClient],
) -> None:
    """The process died between opening a booking's case and routing it: the next start routes it with the
    reservation and its interpreter (without them Ukrainian would be pended as reservation-only)."""
    from app.consultation.models import Consultation
    from app.enums import ConsultationStatus
    from app.main import create_app

    olena = await add_interpreter(db, "Olena")
    start = first_free(await staff_slots(client, auth["counselor"]))
    body = {"language": "uk", "starts_at": start, "contact": {"phone": "086-426-0000"}}
    code = (await client.post("/api/v1/reservations", json=body, headers=auth["counselor"])).json()["code"]
    reservation = await db.scalar(select(Reservation).where(Reservation.code == code))
    assert reservation is not None
    stranded = Consultation(channel=Channel.video, language_code="uk", status=ConsultationStatus.requested)
    db.add(stranded)
    await db.flush()
    reservation.consultation_id = stranded.id
    await db.commit()

    await app_and_client[0].state.desk.stop()  # the first process's desk ends: one desk per database
    app = create_app(settings, clock=clock)  # restarted on the same clock
    async with app.router.lifespan_context(app):
        pass
    row = await db.scalar(
        select(RoutingEvent).where(
            RoutingEvent.kind == "ConsultationRequested", RoutingEvent.request_id == stranded.public_id
        )
    )
    assert row is not None
    assert (row.payload["reservation_id"], row.payload["reserved_interpreter_id"]) == (code, str(olena))
