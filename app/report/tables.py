"""Report tables as they leave the dashboard: every number keyed once, suppressed consistently across tables.

All tables of one document share one cell space. A figure that appears in several tables (cases per month is
the row total of every 'by' table and a column of the service table) has one key, so it is hidden everywhere
or nowhere, and one run of the suppression rule covers every line of every table.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field

from app.report.schemas import CasesMatrix, Dashboard, InterpreterView, ServiceView, WaitsView
from app.report.suppression import SUPPRESSED, Line, protect

Cell = int | float | str | None
ALL = "*"
TOTAL_LABEL = "合計 Total"
DIMENSION_TITLES = {
    "municipality": ("市町別 相談件数", "Cases by municipality of residence"),
    "language": ("言語別 相談件数", "Cases by language"),
    "channel": ("相談方法別 相談件数", "Cases by channel"),
    "topic": ("相談内容別 件数(複数計上)", "Cases by topic (a case with several topics counts in each)"),
}
SHEET_NAMES = {
    "cases-by-municipality": "市町別",
    "cases-by-language": "言語別",
    "cases-by-channel": "相談方法別",
    "cases-by-topic": "相談内容別",
    "service": "応答状況",
    "waits": "待ち時間",
    "interpreter-minutes": "通訳利用",
    "residents": "住民構成",
}
VIEWS = tuple(SHEET_NAMES)


@dataclass
class ExportTable:
    name: str
    title_ja: str
    title_en: str
    header: list[str]
    rows: list[list[Cell]]
    notes: list[str] = field(default_factory=list)


class CellSpace:
    """Counts under canonical keys, the lines they add up along, and (after `protect`) what is hidden."""

    def __init__(self, months: Sequence[str], threshold: int, suppress: bool) -> None:
        self.single_month = len(months) == 1
        self.threshold = threshold
        self.suppress = suppress
        self.values: dict[Hashable, int] = {}
        self.lines: list[Line] = []
        self.hidden: set[Hashable] = set()
        self.single: set[str] = set()  # dimensions with one category: their cells are the month totals

    def month(self, month: str) -> str:
        return ALL if self.single_month else month

    def case(self, month: str, dimension: str | None = None, code: str = ALL) -> Hashable:
        month = self.month(month)
        if dimension is None or code == ALL or dimension in self.single:
            return ("C", month)
        return ("C", month, dimension, code)

    def put(self, key: Hashable, value: int) -> Hashable:
        self.values[key] = value
        return key

    def line(self, total: Hashable, parts: Sequence[Hashable]) -> None:
        self.lines.append(Line(total, tuple(parts)))

    def run(self) -> None:
        if self.suppress:
            self.hidden = protect(self.values, self.lines, self.threshold)

    def show(self, key: Hashable) -> Cell:
        return SUPPRESSED if key in self.hidden else self.values.get(key, 0)

    def derived(self, key: Hashable, value: Cell) -> Cell:
        """A rate, share, mean, percentile or minutes figure: hidden with its count."""
        return SUPPRESSED if key in self.hidden else value


def _label(ja: str, en: str) -> str:
    return ja if ja == en else f"{ja} {en}"


def _matrix_key(space: CellSpace, dimension: str) -> Callable[..., Hashable]:
    """Keys of a 'by' table: topic mentions are their own counts; the others are cases."""

    def key(month: str, code: str = ALL) -> Hashable:
        if dimension == "topic":
            return ("T", space.month(month)) if code == ALL else ("T", space.month(month), code)
        return space.case(month, dimension, code)

    return key


def _matrix_cells(space: CellSpace, matrix: CasesMatrix) -> None:
    if matrix.by != "topic" and len(matrix.categories) == 1:
        space.single.add(matrix.by)
    key = _matrix_key(space, matrix.by)
    codes = [c.code for c in matrix.categories]
    for i, month in enumerate(matrix.months):
        for j, code in enumerate(codes):
            space.put(key(month, code), matrix.counts[i][j])
        space.put(key(month), matrix.month_totals[i])
        space.line(key(month), [key(month, code) for code in codes])
    for j, code in enumerate(codes):
        space.put(key(ALL, code), matrix.category_totals[j])
        space.line(key(ALL, code), [key(month, code) for month in matrix.months])
    space.put(key(ALL), matrix.total)
    space.line(key(ALL), [key(month) for month in matrix.months])
    space.line(key(ALL), [key(ALL, code) for code in codes])


def _service_cells(space: CellSpace, view: ServiceView) -> None:
    for figures in [*view.months, view.total]:
        month = ALL if figures.month == "total" else figures.month
        space.put(space.case(month), figures.cases)
        for measure, value in (
            ("A", figures.answered),
            ("B", figures.abandoned),
            ("O", figures.other),
            ("F", figures.fallback_audio),
            ("I", figures.interpreted),
        ):
            space.put((measure, space.month(month)), value)
        space.line(space.case(month), [(m, space.month(month)) for m in ("A", "B", "O")])
    for measure in ("A", "B", "O", "F", "I"):
        space.line((measure, ALL), [(measure, space.month(f.month)) for f in view.months])


def _interpreter_cells(space: CellSpace, view: InterpreterView) -> None:
    one_vendor, one_language = len(view.vendors) <= 1, len(view.languages) <= 1

    def key(vendor: str, language: str) -> Hashable:
        return ("L", ALL if one_vendor else vendor, ALL if one_language else language)

    for row in view.rows:
        space.put(key(row.vendor, row.language.code), row.legs)
    for row in view.vendor_totals:
        space.put(key(row.vendor, ALL), row.legs)
    for language in view.languages:
        space.put(key(ALL, language.code), sum(r.legs for r in view.rows if r.language.code == language.code))
    space.put(key(ALL, ALL), view.total.legs)
    for vendor in view.vendors:
        space.line(key(vendor, ALL), [key(vendor, lang.code) for lang in view.languages])
    for language in view.languages:
        space.line(key(ALL, language.code), [key(vendor, language.code) for vendor in view.vendors])
    space.line(key(ALL, ALL), [key(vendor, ALL) for vendor in view.vendors])
    space.line(key(ALL, ALL), [key(ALL, lang.code) for lang in view.languages])


def cell_space(dashboard: Dashboard, threshold: int, suppress: bool) -> CellSpace:
    """Every count of the dashboard, its lines, and what the suppression rule hides."""
    space = CellSpace(dashboard.cases_by_language.months, threshold, suppress)
    for matrix in (
        dashboard.cases_by_municipality,
        dashboard.cases_by_language,
        dashboard.cases_by_channel,
        dashboard.cases_by_topic,
    ):
        _matrix_cells(space, matrix)
    _service_cells(space, dashboard.service)
    _interpreter_cells(space, dashboard.interpreter_minutes)
    space.run()
    return space


# --- tables ----------------------------------------------------------------------------------------------


def matrix_table(space: CellSpace, matrix: CasesMatrix) -> ExportTable:
    dimension = matrix.by
    key = _matrix_key(space, dimension)
    codes = [c.code for c in matrix.categories]
    rows: list[list[Cell]] = [
        [month, *[space.show(key(month, code)) for code in codes], space.show(key(month))]
        for month in matrix.months
    ]
    rows.append([TOTAL_LABEL, *[space.show(key(ALL, code)) for code in codes], space.show(key(ALL))])
    ja, en = DIMENSION_TITLES[dimension]
    notes = ["合計は延べ件数 (the total counts topic mentions)"] if dimension == "topic" else []
    return ExportTable(
        name=f"cases-by-{dimension}",
        title_ja=ja,
        title_en=en,
        header=["月 Month", *[_label(c.label_ja, c.label_en) for c in matrix.categories], TOTAL_LABEL],
        rows=rows,
        notes=notes,
    )


def service_table(space: CellSpace, view: ServiceView) -> ExportTable:
    rows: list[list[Cell]] = []
    for f in [*view.months, view.total]:
        month = ALL if f.month == "total" else f.month
        answered = ("A", space.month(month))
        abandoned = ("B", space.month(month))
        cases = space.case(month)
        rows.append(
            [
                TOTAL_LABEL if f.month == "total" else f.month,
                space.show(cases),
                space.show(answered),
                space.show(abandoned),
                space.show(("O", space.month(month))),
                space.derived(answered, f.answer_rate) if cases not in space.hidden else SUPPRESSED,
                space.derived(abandoned, f.abandonment_rate) if cases not in space.hidden else SUPPRESSED,
                space.show(("F", space.month(month))),
                space.show(("I", space.month(month))),
                space.derived(answered, f.mean_talk_minutes),
            ]
        )
    return ExportTable(
        name="service",
        title_ja="応答状況",
        title_en="Answer rate and abandonment",
        header=[
            "月 Month",
            "相談件数 Cases",
            "応答 Answered",
            "放棄 Abandoned",
            "その他 Other",
            "応答率(%) Answer rate",
            "放棄率(%) Abandonment rate",
            "音声への切替 Fell back to audio",
            "通訳利用 Interpreted",
            "平均通話時間(分) Mean talk (min)",
        ],
        rows=rows,
    )


def waits_table(space: CellSpace, view: WaitsView) -> ExportTable:
    rows: list[list[Cell]] = []
    for w in [*view.months, view.total]:
        month = ALL if w.month == "total" else w.month
        answered, interpreted = ("A", space.month(month)), ("I", space.month(month))
        rows.append(
            [
                TOTAL_LABEL if w.month == "total" else w.month,
                space.show(answered),
                space.derived(answered, w.wait.median_seconds),
                space.derived(answered, w.wait.p90_seconds),
                space.show(interpreted),
                space.derived(interpreted, w.time_to_interpreter.median_seconds),
                space.derived(interpreted, w.time_to_interpreter.p90_seconds),
            ]
        )
    return ExportTable(
        name="waits",
        title_ja="待ち時間",
        title_en="Waiting time",
        header=[
            "月 Month",
            "応答件数 Answered",
            "待ち時間 中央値(秒) Median wait (s)",
            "待ち時間 90%点(秒) 90th percentile (s)",
            "通訳利用件数 Interpreted",
            "通訳接続 中央値(秒) Median time to interpreter (s)",
            "通訳接続 90%点(秒) 90th percentile (s)",
        ],
        rows=rows,
        notes=[f"定義 Definition: {view.definition}"],
    )


def interpreter_table(space: CellSpace, view: InterpreterView) -> ExportTable:
    one_vendor, one_language = len(view.vendors) <= 1, len(view.languages) <= 1

    def key(vendor: str, language: str) -> Hashable:
        return ("L", ALL if one_vendor else vendor, ALL if one_language else language)

    rows: list[list[Cell]] = []
    for vendor_total in view.vendor_totals:
        for row in (r for r in view.rows if r.vendor == vendor_total.vendor):
            k = key(row.vendor, row.language.code)
            rows.append(
                [
                    row.vendor,
                    _label(row.language.label_ja, row.language.label_en),
                    space.show(k),
                    space.derived(k, row.minutes),
                    space.derived(k, row.billable_minutes),
                ]
            )
        k = key(vendor_total.vendor, ALL)
        rows.append(
            [
                vendor_total.vendor,
                "小計 Subtotal",
                space.show(k),
                space.derived(k, vendor_total.minutes),
                space.derived(k, vendor_total.billable_minutes),
            ]
        )
    k = key(ALL, ALL)
    rows.append(
        [
            TOTAL_LABEL,
            "",
            space.show(k),
            space.derived(k, view.total.minutes),
            space.derived(k, view.total.billable_minutes),
        ]
    )
    return ExportTable(
        name="interpreter-minutes",
        title_ja="通訳利用(事業者・言語別)",
        title_en="Interpreter minutes by vendor and language",
        header=[
            "事業者 Vendor",
            "言語 Language",
            "件数 Legs",
            "利用時間(分) Minutes",
            "請求分数 Billable minutes",
        ],
        rows=rows,
        notes=["請求分数は通話ごとに1分未満を切り上げ (billable: each leg rounded up to a whole minute)"],
    )


def residents_table(space: CellSpace, dashboard: Dashboard) -> ExportTable:
    rows: list[list[Cell]] = []
    total_key = space.case(ALL)
    for share in dashboard.residents.rows:
        k = space.case(ALL, "municipality", share.municipality.code)
        hide_share = k in space.hidden or total_key in space.hidden
        rows.append(
            [
                _label(share.municipality.label_ja, share.municipality.label_en),
                space.show(k),
                SUPPRESSED if hide_share else share.share,
            ]
        )
    rows.append([TOTAL_LABEL, space.show(total_key), 100.0 if dashboard.residents.total else None])
    return ExportTable(
        name="residents",
        title_ja="住民の市町別構成",
        title_en="Share of residents from each municipality",
        header=["市町 Municipality", "件数 Cases", "構成比(%) Share"],
        rows=rows,
    )


def dashboard_tables(dashboard: Dashboard, threshold: int, suppress: bool) -> list[ExportTable]:
    """Every dashboard view as a table, suppressed together (or not at all, for internal use)."""
    space = cell_space(dashboard, threshold, suppress)
    return [
        matrix_table(space, dashboard.cases_by_municipality),
        matrix_table(space, dashboard.cases_by_language),
        matrix_table(space, dashboard.cases_by_channel),
        matrix_table(space, dashboard.cases_by_topic),
        service_table(space, dashboard.service),
        waits_table(space, dashboard.waits),
        interpreter_table(space, dashboard.interpreter_minutes),
        residents_table(space, dashboard),
    ]
