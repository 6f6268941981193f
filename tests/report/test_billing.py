"""The interpreter billing table: exact minutes per vendor and month, for admins only, never suppressed.

It must reconcile with a vendor's invoice, so its sums are checked against the interpreter legs in the
database (not against other report figures), both computed live and read from the rollup.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditEvent
from app.clock import ControlledClock
from app.config import Settings
from app.consultation.models import CallLeg, Consultation
from app.enums import CallRole
from app.interpreter.models import Interpreter
from app.report import rollup
from app.report.period import Month

from .conftest import ALPHA, BETA, MONTHS, PERIOD

BILLING = "/api/v1/reports/billing"


async def _legs_in_db(db: AsyncSession, settings: Settings) -> dict[tuple[str, str], tuple[int, int, int]]:
    """(vendor, month) -> legs, milliseconds, billable minutes, straight from the call legs."""
    rows = await db.execute(
        select(Interpreter.vendor, Consultation.requested_at, CallLeg.joined_at, CallLeg.left_at)
        .join(Consultation, Consultation.id == CallLeg.consultation_id)
        .join(Interpreter, Interpreter.id == CallLeg.interpreter_id)
        .where(CallLeg.role == CallRole.interpreter)
    )
    found: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for vendor, requested, joined, left in rows:
        ms = round((left - joined).total_seconds() * 1000)
        cell = found[(vendor, str(Month.of(requested, settings.zone)))]
        cell[0] += 1
        cell[1] += ms
        cell[2] += math.ceil(ms / 60000)
    return {key: (a, b, c) for key, (a, b, c) in found.items()}


def _by_cell(view: dict) -> dict[tuple[str, str], tuple[int, int, int]]:  # type: ignore[type-arg]
    return {
        (r["vendor"], r["month"]): (r["legs"], r["milliseconds"], r["billable_minutes"]) for r in view["rows"]
    }


async def test_billing__reconciles_with_the_call_legs_live_and_rolled_up(
    client: AsyncClient,
    auth: dict[str, dict[str, str]],
    hand_cases: dict[str, str],
    db: AsyncSession,
    settings: Settings,
    clock: ControlledClock,
) -> None:
    expected = await _legs_in_db(db, settings)
    assert expected == {
        (ALPHA, "2026-09"): (1, 1_130_000, 19),
        (BETA, "2026-09"): (1, 540_000, 9),
        (ALPHA, "2026-10"): (1, 600_000, 10),
        (BETA, "2026-10"): (2, 551_000, 11),  # 61 s billed as 2 minutes, 490 s as 9
    }
    live = await client.get(BILLING, headers=auth["admin"], params=PERIOD)
    assert live.status_code == 200, live.text
    await rollup.refresh(db, settings.zone, clock.now())
    await db.commit()
    rolled = await client.get(BILLING, headers=auth["admin"], params=PERIOD)
    for view in (live.json(), rolled.json()):
        assert view["months"] == MONTHS and view["vendors"] == [ALPHA, BETA]
        assert _by_cell(view) == expected  # single legs too: nothing is suppressed
        assert view["total"]["milliseconds"] == sum(ms for _, ms, _ in expected.values())
        assert view["total"]["billable_minutes"] == sum(b for *_, b in expected.values()) == 49
        subtotals = {r["vendor"]: r["billable_minutes"] for r in view["vendor_totals"]}
        assert subtotals == {ALPHA: 29, BETA: 20}
    assert live.json() == rolled.json()


async def test_billing__csv_is_exact_and_audited(
    client: AsyncClient, auth: dict[str, dict[str, str]], hand_cases: dict[str, str], db: AsyncSession
) -> None:
    response = await client.get(f"{BILLING}.csv", headers=auth["admin"], params=PERIOD)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["事業者 Vendor", "月 Month", "件数 Legs"]
    assert [BETA, "2026-09", "1", "540", "9.0", "9"] in rows  # one leg: shown, not '秘匿'
    assert rows[-1] == ["合計 Total", "", "5", "2821", "47.0", "49"]
    assert all("秘匿" not in cell for row in rows for cell in row)
    events = (await db.scalars(select(AuditEvent).where(AuditEvent.action == "report.billing"))).all()
    assert [e.entity_id for e in events] == ["billing.csv"]
    assert events[0].detail is not None and events[0].detail["suppressed"] is False


async def test_billing__admins_only(
    client: AsyncClient, auth: dict[str, dict[str, str]], hand_cases: dict[str, str], db: AsyncSession
) -> None:
    for who in ("coordinator", "soja_coordinator", "counselor", "interpreter"):
        for path in (BILLING, f"{BILLING}.csv"):
            response = await client.get(path, headers=auth[who], params=PERIOD)
            assert response.status_code == 403, (who, path, response.status_code)
    assert (await client.get(BILLING, params=PERIOD)).status_code == 401
    assert (await db.scalars(select(AuditEvent).where(AuditEvent.action == "report.billing"))).all() == []


async def test_interpreter_statistics_export__still_suppressed(
    client: AsyncClient, auth: dict[str, dict[str, str]], hand_cases: dict[str, str]
) -> None:
    """The statistics export of the same minutes stays suppressed, even for an admin (it leaves the desk)."""
    response = await client.get(
        "/api/v1/reports/interpreter-minutes.csv", headers=auth["admin"], params=PERIOD
    )
    assert response.status_code == 200
    assert "秘匿" in response.content.decode("utf-8-sig")


async def test_billing_page__admins_see_the_exact_table_others_a_403(
    client: AsyncClient, auth: dict[str, dict[str, str]], hand_cases: dict[str, str], db: AsyncSession
) -> None:
    page = await client.get("/reports/billing", headers=auth["admin"], params=PERIOD)
    assert page.status_code == 200
    assert '<td id="billing-total-billable">49</td>' in page.text
    assert "<td>1</td><td>9分</td><td>540</td><td>9</td>" in page.text  # Beta, September: one leg
    assert "47分" in page.text and "<td>秘匿" not in page.text
    dashboard = await client.get("/reports", headers=auth["admin"], params=PERIOD)
    assert 'href="/reports/billing"' in dashboard.text
    assert "<td>28.8(29分)</td>" in dashboard.text  # the statistics table's vendor subtotal, in hours/minutes
    for who in ("coordinator", "soja_coordinator"):
        assert (await client.get("/reports/billing", headers=auth[who])).status_code == 403
        assert 'href="/reports/billing"' not in (await client.get("/reports", headers=auth[who])).text
    events = (await db.scalars(select(AuditEvent).where(AuditEvent.action == "report.billing"))).all()
    assert [e.entity_id for e in events] == ["billing.html"]
