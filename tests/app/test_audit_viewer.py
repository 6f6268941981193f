"""The audit viewer: admins only; filters by actor, action, case and time; CSV export (audited, formulas
defused); and who read a case, answered by one grouped query."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditEvent
from app.audit.service import record
from app.audit.viewer import case_readers
from app.clock import ControlledClock

AUDIT = "/api/v1/admin/audit"


async def _case(client: AsyncClient, auth: dict[str, dict[str, str]], key: str) -> str:
    created = await client.post(
        "/api/v1/consultations",
        json={"channel": "counter", "language": "en"},
        headers={**auth["desk_device"], "Idempotency-Key": key},
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def _reads(client: AsyncClient, auth: dict[str, dict[str, str]]) -> tuple[str, str]:
    """Two cases; the counselor opens the first twice and lists both; the coordinator lists them."""
    first, second = await _case(client, auth, "audit-0001"), await _case(client, auth, "audit-0002")
    for _ in range(2):
        assert (
            await client.get(f"/api/v1/consultations/{first}", headers=auth["counselor"])
        ).status_code == 200
    assert (await client.get("/api/v1/consultations", headers=auth["counselor"])).status_code == 200
    assert (await client.get("/api/v1/consultations", headers=auth["coordinator"])).status_code == 200
    return first, second


async def test_only_admins_read_the_trail(client: AsyncClient, auth: dict[str, dict[str, str]]) -> None:
    for path in (AUDIT, f"{AUDIT}/export.csv", f"{AUDIT}/cases/x/readers"):
        assert (await client.get(path, headers=auth["admin"])).status_code == 200, path
        for role in ("coordinator", "counselor", "desk_staff", "interpreter", "desk_device"):
            assert (await client.get(path, headers=auth[role])).status_code == 403, (path, role)
        assert (await client.get(path)).status_code == 401


async def test_filters__actor_action_case_and_time(
    client: AsyncClient, auth: dict[str, dict[str, str]], clock: ControlledClock, db: AsyncSession
) -> None:
    first, second = await _reads(client, auth)
    by_action = (
        await client.get(AUDIT, params={"action": "consultation.read_personal"}, headers=auth["admin"])
    ).json()
    assert by_action["total"] == 2
    assert {e["entity_id"] for e in by_action["entries"]} == {first}
    assert {e["actor_name"] for e in by_action["entries"]} == {"counselor"}

    counselor_id = by_action["entries"][0]["actor_id"]
    mine = (
        await client.get(
            AUDIT, params={"actor_kind": "staff", "actor_id": counselor_id}, headers=auth["admin"]
        )
    ).json()
    assert {e["action"] for e in mine["entries"]} == {
        "consultation.read_personal",
        "consultation.list_personal",
    }

    about_second = (await client.get(AUDIT, params={"case": second}, headers=auth["admin"])).json()
    actions = sorted(e["action"] for e in about_second["entries"])
    assert actions == ["consultation.create", "consultation.list", "consultation.list_personal"]

    later = clock.now() + timedelta(hours=1)
    clock.set(later)
    await client.get(f"/api/v1/consultations/{first}", headers=auth["counselor"])
    recent = (await client.get(AUDIT, params={"since": later.isoformat()}, headers=auth["admin"])).json()
    assert [e["action"] for e in recent["entries"]] == ["consultation.read_personal"]
    earlier = (
        await client.get(AUDIT, params={"until": later.isoformat(), "case": first}, headers=auth["admin"])
    ).json()
    assert earlier["total"] == about_second["total"] + 2  # its own creation, the two reads, the two lists

    page = (await client.get(AUDIT, params={"limit": 1, "offset": 1}, headers=auth["admin"])).json()
    assert len(page["entries"]) == 1 and page["total"] > 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "2026-11-18T10:00:00"}, "since"),
        ({"since": "2026-11-18T10:00:00+09:00", "until": "2026-11-18T09:00:00+09:00"}, "until"),
        ({"since": "yesterday"}, "since"),
        ({"actor_kind": "robot"}, "actor_kind"),
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"case": "x" * 65}, "case"),
    ],
)
async def test_bad_filters__422_naming_the_field(
    client: AsyncClient, auth: dict[str, dict[str, str]], params: dict[str, Any], field: str
) -> None:
    refused = await client.get(AUDIT, params=params, headers=auth["admin"])
    assert refused.status_code == 422 and field in refused.text, refused.text


async def test_case_filter_is_not_a_pattern(client: AsyncClient, auth: dict[str, dict[str, str]]) -> None:
    await _reads(client, auth)
    for wildcard in ("%", "_", '%"'):
        body = (await client.get(AUDIT, params={"case": wildcard}, headers=auth["admin"])).json()
        assert body["total"] == 0, wildcard


async def test_who_read_the_case__per_actor_and_action_in_one_query(
    client: AsyncClient, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    first, _second = await _reads(client, auth)
    readers = (await client.get(f"{AUDIT}/cases/{first}/readers", headers=auth["admin"])).json()["readers"]
    seen = {(r["actor_name"], r["action"]): r["times"] for r in readers}
    assert seen == {
        ("counselor", "consultation.read_personal"): 2,
        ("counselor", "consultation.list_personal"): 1,
        ("coordinator", "consultation.list"): 1,
    }
    assert all(r["first_at"] <= r["last_at"] for r in readers)

    statements: list[str] = []
    sync_engine = db.bind.sync_engine  # type: ignore[union-attr]

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(sync_engine, "before_cursor_execute", count)
    try:
        assert len(await case_readers(db, first)) == 3
    finally:
        event.remove(sync_engine, "before_cursor_execute", count)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1


async def test_csv_export__filtered_bom_formulas_defused_and_audited(
    client: AsyncClient, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    first, _ = await _reads(client, auth)
    await record(db, None, "consultation.read", "consultation", first, None, client_ip="=1+cmd|' /C calc'!A0")
    await db.commit()
    response = await client.get(f"{AUDIT}/export.csv", params={"case": first}, headers=auth["admin"])
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["at", "actor_kind", "actor_id", "actor_name", "action"]
    assert len(rows) == 1 + 6  # creation, two reads, two lists, and the system's read above
    planted = next(row[8] for row in rows[1:] if row[1] == "system")
    assert planted == "'=1+cmd|' /C calc'!A0"  # a spreadsheet shows it, never runs it
    assert all(not cell.startswith("=") for row in rows for cell in row)
    exported = (await db.scalars(select(AuditEvent).where(AuditEvent.action == "audit.export"))).all()
    assert len(exported) == 1 and exported[0].detail is not None and exported[0].detail["rows"] == 6
