"""The monthly report for councils: one month, the area or one municipality, suppressed, in Japanese."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.errors import InvalidField
from app.report import service
from app.report.export import suppression_note
from app.report.period import Month, wareki
from app.report.schemas import CasesMatrix, Dashboard
from app.report.suppression import SUPPRESSED
from app.report.tables import ALL, TOTAL_LABEL, Cell, CellSpace, ExportTable, cell_space

DESK_NAME = "高梁川流域 外国人相談窓口(倉敷市役所本庁舎1階)"


@dataclass(frozen=True, slots=True)
class MonthlyReport:
    month: Month
    title: str
    subtitle_lines: list[str]
    tables: list[tuple[str, ExportTable]]
    footnotes: list[str]
    municipality: str | None


def _date_ja(instant: datetime, zone: ZoneInfo) -> str:
    local = instant.astimezone(zone)
    return f"{wareki(Month(local.year, local.month))}{local.day}日"


def _share(space: CellSpace, key: Hashable, count: int, total: int) -> Cell:
    if key in space.hidden or space.case(ALL) in space.hidden:
        return SUPPRESSED
    return round(100 * count / total, 1) if total else None


def _category_table(space: CellSpace, matrix: CasesMatrix, name: str, title: str) -> ExportTable:
    topic = matrix.by == "topic"
    rows: list[list[Cell]] = []
    for category, count in zip(matrix.categories, matrix.category_totals, strict=True):
        key: Hashable = ("T", ALL, category.code) if topic else space.case(ALL, matrix.by, category.code)
        label = category.label_ja
        share = _share(space, key, count, matrix.total)
        rows.append([label, space.show(key)] if topic else [label, space.show(key), share])
    total_key: Hashable = ("T", ALL) if topic else space.case(ALL)
    rows.append(
        [TOTAL_LABEL, space.show(total_key)] if topic else [TOTAL_LABEL, space.show(total_key), 100.0]
    )
    header = ["区分", "件数"] if topic else ["区分", "件数", "構成比(%)"]
    notes = ["複数の相談内容がある場合はそれぞれに計上(合計は延べ件数)"] if topic else []
    return ExportTable(name=name, title_ja=title, title_en="", header=header, rows=rows, notes=notes)


def _summary(space: CellSpace, dashboard: Dashboard) -> ExportTable:
    total = dashboard.service.total
    waits = dashboard.waits.total
    minutes = dashboard.interpreter_minutes.total.minutes
    interpreter_key = ("L", ALL, ALL)
    cases_hidden = space.case(ALL) in space.hidden
    rows: list[list[Cell]] = [
        ["相談件数", space.show(space.case(ALL))],
        ["応答件数", space.show(("A", ALL))],
        ["応答率(%)", SUPPRESSED if cases_hidden else space.derived(("A", ALL), total.answer_rate)],
        ["放棄件数(接続前の離脱)", space.show(("B", ALL))],
        ["放棄率(%)", SUPPRESSED if cases_hidden else space.derived(("B", ALL), total.abandonment_rate)],
        ["待ち時間 中央値(秒)", space.derived(("A", ALL), waits.wait.median_seconds)],
        ["待ち時間 90%点(秒)", space.derived(("A", ALL), waits.wait.p90_seconds)],
        ["通訳利用件数", space.show(("I", ALL))],
        [
            "通訳接続までの時間 中央値(秒)",
            space.derived(("I", ALL), waits.time_to_interpreter.median_seconds),
        ],
        ["通訳利用時間(分)", space.derived(interpreter_key, minutes)],
        ["ビデオから音声への切替", space.show(("F", ALL))],
    ]
    return ExportTable(name="summary", title_ja="概要", title_en="", header=["項目", "値"], rows=rows)


def _interpreter_by_language(space: CellSpace, dashboard: Dashboard) -> ExportTable:
    view = dashboard.interpreter_minutes
    one_language = len(view.languages) <= 1
    rows: list[list[Cell]] = []
    for language in view.languages:
        key = ("L", ALL, ALL if one_language else language.code)
        legs = [r for r in view.rows if r.language.code == language.code]
        minutes = round(sum(r.minutes for r in legs), 1)
        rows.append([language.label_ja, space.show(key), space.derived(key, minutes)])
    total_key = ("L", ALL, ALL)
    rows.append([TOTAL_LABEL, space.show(total_key), space.derived(total_key, view.total.minutes)])
    return ExportTable(
        name="interpreter",
        title_ja="通訳利用(言語別)",
        title_en="",
        header=["言語", "件数", "利用時間(分)"],
        rows=rows,
    )


async def build_monthly_report(
    session: AsyncSession,
    principal: Principal,
    month_text: str | None,
    municipality: str | None,
    zone: ZoneInfo,
    threshold: int,
    suppress: bool = True,
    *,
    now: datetime,
) -> MonthlyReport:
    """令和N年M月 外国人相談窓口 利用状況報告 for the area or one municipality (scoped callers: their own).

    `now` (the app's clock) gives the default month (the last one) and the report's date.
    """
    if month_text:
        try:
            month = Month.parse(month_text)
        except ValueError as exc:
            raise InvalidField(("query", "month"), str(exc)) from None
    else:
        month = Month.of(now, zone).previous()
    raw = service.RawFilters(from_month=str(month), to_month=str(month), municipality=municipality)
    ctx = await service.prepare(session, principal, raw, zone, now)
    dashboard = await service.dashboard(session, ctx)
    space = cell_space(dashboard, threshold, suppress)
    target = ctx.pinned("municipality")
    area = (
        "圏域全体(7市3町)"
        if target is None
        else f"{ctx.reference.label('municipality', target).label_ja}在住者分"
    )
    tables: list[tuple[str, ExportTable]] = [("表1 概要", _summary(space, dashboard))]
    number = 2
    if target is None:
        tables.append(
            (
                f"表{number} 市町別",
                _category_table(space, dashboard.cases_by_municipality, "municipality", "市町別"),
            )
        )
        number += 1
    for matrix, title in (
        (dashboard.cases_by_language, "言語別"),
        (dashboard.cases_by_topic, "相談内容別"),
        (dashboard.cases_by_channel, "相談方法別"),
    ):
        tables.append((f"表{number} {title}", _category_table(space, matrix, matrix.by, title)))
        number += 1
    tables.append((f"表{number} 通訳利用(言語別)", _interpreter_by_language(space, dashboard)))
    footnotes = [
        "相談件数は受付日(日本時間)の属する月で計上。応答はカウンセラーとの接続、放棄は接続前の離脱。",
        "待ち時間は受付から接続までの秒数(1秒未満切捨て)。中央値・90%点は順位の線形補間による。",
    ]
    if suppress:
        footnotes.append(suppression_note(threshold))
    return MonthlyReport(
        month=month,
        title=f"{wareki(month)} 外国人相談窓口 利用状況報告",
        subtitle_lines=[DESK_NAME, f"対象: {area}", f"作成日: {_date_ja(now, zone)}"],
        tables=tables,
        footnotes=footnotes,
        municipality=target,
    )
