"""Interpreter minutes per vendor and month: a billing table, not a statistic.

The desk pays each vendor for its interpreters' minutes and checks the vendor's invoice line by line, so the
figures must be exact: no suppression, whatever the counts (a month with one 3-minute call is still billed).
Only admins read it (`app.report.router`), each read is audited, and it never enters the suppressed exports
that leave the desk; the interpreter chart and table of the dashboard stay statistics.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.report import repository
from app.report.schemas import BillingRow, BillingView
from app.report.service import UNKNOWN_VENDOR, ReportContext
from app.report.tables import Cell, ExportTable

TOTAL = "total"


def _row(vendor: str, month: str, legs: int, ms: int, billable: int) -> BillingRow:
    return BillingRow(
        vendor=vendor,
        month=month,
        legs=legs,
        milliseconds=ms,
        minutes=round(ms / 60000, 1),
        billable_minutes=billable,
    )


async def billing(session: AsyncSession, ctx: ReportContext) -> BillingView:
    """Legs, exact milliseconds and billable minutes per vendor and month of the period."""
    source = repository.interpreter_source(ctx.plan, ctx.criteria)
    result = await session.execute(
        select(
            source.c.vendor,
            source.c.month,
            func.sum(source.c.legs),
            func.sum(source.c.leg_ms),
            func.sum(source.c.billable_minutes),
        ).group_by(source.c.vendor, source.c.month)
    )
    cells: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for vendor, month, legs, ms, billable in result:
        cell = cells[(str(vendor or "") or UNKNOWN_VENDOR, str(month))]
        for i, value in enumerate((legs, ms, billable)):
            cell[i] += int(value or 0)
    months = [str(m) for m in ctx.months]
    vendors = sorted({v for v, _ in cells})
    rows = [_row(v, m, *cells[(v, m)]) for v in vendors for m in months if (v, m) in cells]
    subtotals = [
        _row(v, TOTAL, *(sum(cells[(v, m)][i] for m in months if (v, m) in cells) for i in range(3)))
        for v in vendors
    ]
    grand = [sum(getattr(r, f) for r in subtotals) for f in ("legs", "milliseconds", "billable_minutes")]
    return BillingView(
        filters=ctx.filters,
        months=months,
        vendors=vendors,
        rows=rows,
        vendor_totals=subtotals,
        total=_row("*", TOTAL, *grand),
    )


def billing_table(view: BillingView) -> ExportTable:
    """The billing table as it leaves the desk for the vendor check: every figure exact."""
    lines: list[list[Cell]] = []
    for subtotal in view.vendor_totals:
        for row in (r for r in view.rows if r.vendor == subtotal.vendor):
            lines.append(
                [row.vendor, row.month, row.legs, row.milliseconds // 1000, row.minutes, row.billable_minutes]
            )
        lines.append(
            [
                subtotal.vendor,
                "小計 Subtotal",
                subtotal.legs,
                subtotal.milliseconds // 1000,
                subtotal.minutes,
                subtotal.billable_minutes,
            ]
        )
    t = view.total
    lines.append(["合計 Total", "", t.legs, t.milliseconds // 1000, t.minutes, t.billable_minutes])
    return ExportTable(
        name="billing",
        title_ja="通訳料金照合(事業者・月別)",
        title_en="Interpreter billing by vendor and month",
        header=[
            "事業者 Vendor",
            "月 Month",
            "件数 Legs",
            "通訳時間(秒) Seconds",
            "通訳時間(分) Minutes",
            "請求分数 Billable minutes",
        ],
        rows=lines,
        notes=[
            "秘匿なし: 請求書照合用の実数 (not suppressed: exact figures for invoice reconciliation)",
            "請求分数は通話ごとに1分未満を切り上げ (billable: each leg rounded up to a whole minute)",
        ],
    )
