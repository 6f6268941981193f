"""Report use cases: check filters against the caller's scope, plan rollup vs live months, build the views."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from zlib import crc32
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import roles
from app.auth.principal import Principal
from app.enums import Channel, Role
from app.errors import Forbidden, InvalidField
from app.geography.models import Municipality
from app.language.models import Language
from app.report import histogram, repository
from app.report.palette import NOT_RECORDED_COLOR, colour_at
from app.report.period import Month, month_range
from app.report.repository import Criteria, Plan
from app.report.rollup import plan_months
from app.report.schemas import (
    AppliedFilters,
    CasesMatrix,
    Category,
    Dashboard,
    InterpreterRow,
    InterpreterView,
    ResidentShare,
    ResidentsView,
    ServiceFigures,
    ServiceView,
    WaitFigures,
    WaitMonth,
    WaitsView,
)
from app.topic.models import Topic

DEFAULT_MONTHS = 12
MAX_MONTHS = 120
DIMENSIONS = ("municipality", "language", "channel", "topic")
CHANNEL_LABELS = {
    Channel.counter: ("窓口(対面)", "Counter (in person)"),
    Channel.satellite: ("サテライト窓口(ビデオ)", "Satellite counter (video)"),
    Channel.phone: ("電話", "Phone"),
    Channel.video: ("ビデオ(本人の端末)", "Video (own device)"),
}
NOT_RECORDED = {
    "municipality": ("不明", "Not recorded"),
    "language": ("不明", "Unknown"),
    "channel": ("不明", "Unknown"),
    "topic": ("未記録", "No topic recorded"),
}
UNKNOWN_VENDOR = "(不明 unknown)"
WAIT_DEFINITION = (
    "whole seconds (milliseconds rounded, then seconds rounded down); median and 90th percentile by linear "
    "interpolation between the closest ranks (PostgreSQL percentile_cont)"
)


@dataclass(frozen=True, slots=True)
class RawFilters:
    """Query parameters as sent; validated against reference data and the caller's scope."""

    from_month: str | None = None
    to_month: str | None = None
    municipality: str | None = None
    language: str | None = None
    channel: str | None = None
    topic: str | None = None


@dataclass(frozen=True, slots=True)
class Reference:
    municipalities: list[Category]
    languages: list[Category]
    channels: list[Category]
    topics: list[Category]

    def categories(self, dimension: str) -> list[Category]:
        return {
            "municipality": self.municipalities,
            "language": self.languages,
            "channel": self.channels,
            "topic": self.topics,
        }[dimension]

    def label(self, dimension: str, code: str) -> Category:
        known = self.categories(dimension)
        for category in known:
            if category.code == code:
                return category
        if code == "":
            ja, en = NOT_RECORDED[dimension]
            return Category(code=code, label_ja=ja, label_en=en, color=NOT_RECORDED_COLOR)
        # a code missing from the reference tables (should not happen): a stable colour, possibly a shared one
        return Category(code=code, label_ja=code, label_en=code, color=colour_at(crc32(code.encode())))


@dataclass(frozen=True, slots=True)
class ReportContext:
    plan: Plan
    criteria: Criteria
    filters: AppliedFilters
    reference: Reference
    months: list[Month]

    def pinned(self, dimension: str) -> str | None:
        """A dimension fixed to one code by the filters or the caller's scope."""
        if dimension == "municipality":
            return self.criteria.scope_municipality or self.criteria.municipality
        value: str | None = getattr(self.criteria, dimension)
        return value


async def load_reference(session: AsyncSession) -> Reference:
    municipalities = (await session.scalars(select(Municipality).order_by(Municipality.sort_order))).all()
    languages = (await session.scalars(select(Language).order_by(Language.sort_order))).all()
    topics = (await session.scalars(select(Topic).order_by(Topic.sort_order))).all()
    return Reference(
        municipalities=[
            Category(code=m.code, label_ja=m.name_ja, label_en=m.name_en, color=colour_at(i))
            for i, m in enumerate(municipalities)
        ],
        languages=[
            Category(code=lang.code, label_ja=lang.name_ja, label_en=lang.name_en, color=colour_at(i))
            for i, lang in enumerate(languages)
        ],
        channels=[
            Category(code=c.value, label_ja=ja, label_en=en, color=colour_at(i))
            for i, (c, (ja, en)) in enumerate(CHANNEL_LABELS.items())
        ],
        topics=[
            Category(code=t.code, label_ja=t.name_ja, label_en=t.name_en, color=colour_at(i))
            for i, t in enumerate(topics)
        ],
    )


def _month(value: str | None, field: str, default: Month) -> Month:
    if value is None or value == "":
        return default
    try:
        return Month.parse(value)
    except ValueError as exc:
        raise InvalidField(("query", field), str(exc)) from None


def _code(value: str | None, field: str, accepted: list[str]) -> str | None:
    if value is None or value == "":
        return None
    if value not in accepted:
        raise InvalidField(
            ("query", field), f"unknown {field} {value!r}; accepted: {', '.join(accepted)}", accepted=accepted
        )
    return value


def check_reader(principal: Principal) -> None:
    if principal.role not in roles.REPORT_READERS:
        raise Forbidden(f"this needs the role admin or coordinator; you are signed in as {principal.role}")


def resolve_filters(
    raw: RawFilters,
    principal: Principal,
    reference: Reference,
    zone: ZoneInfo,
    now: datetime,
    finished_months_only: bool = False,
) -> tuple[list[Month], Criteria, AppliedFilters]:
    """Validate each filter (422 naming the field and the accepted values); apply the caller's scope (403).

    Without 'to', the period ends with the current month, or with the last finished one for exports
    (`finished_months_only`): a half month's small counts would blank whole-month cells under suppression.
    """
    current = Month.of(now, zone)
    last = _month(raw.to_month, "to", current.previous() if finished_months_only else current)
    first = _month(raw.from_month, "from", last.plus(1 - DEFAULT_MONTHS))
    if first > last:
        raise InvalidField(("query", "from"), f"'from' ({first}) must not be after 'to' ({last})")
    months = month_range(first, last)
    if len(months) > MAX_MONTHS:
        raise InvalidField(("query", "from"), f"a period is at most {MAX_MONTHS} months; got {len(months)}")
    municipality = _code(raw.municipality, "municipality", [c.code for c in reference.municipalities])
    language = _code(raw.language, "language", [c.code for c in reference.languages])
    channel = _code(raw.channel, "channel", [c.code for c in reference.channels])
    topic = _code(raw.topic, "topic", [c.code for c in reference.topics])
    scope = principal.municipality_code if principal.role == Role.coordinator else None
    if scope is not None and municipality is not None and municipality != scope:
        raise Forbidden(
            f"your reports are limited to municipality {scope}; figures for {municipality} are not available "
            "to you (ask the wide-area coordinator)"
        )
    criteria = Criteria(
        scope_municipality=scope, municipality=municipality, language=language, channel=channel, topic=topic
    )
    applied = AppliedFilters.model_validate(
        {
            "from": str(first),
            "to": str(last),
            "municipality": municipality,
            "language": language,
            "channel": channel,
            "topic": topic,
            "scope_municipality": scope,
        }
    )
    return months, criteria, applied


async def prepare(
    session: AsyncSession,
    principal: Principal,
    raw: RawFilters,
    zone: ZoneInfo,
    now: datetime,
    use_rollup: bool = True,
    finished_months_only: bool = False,
) -> ReportContext:
    """Everything a view needs: validated filters, the caller's scope, and the rollup/live split of months.

    `now` (the app's clock) decides the default period and which month is the current one (always live).
    """
    check_reader(principal)
    reference = await load_reference(session)
    months, criteria, applied = resolve_filters(raw, principal, reference, zone, now, finished_months_only)
    plan = await plan_months(session, months, zone, now, use_rollup)
    return ReportContext(plan, criteria, applied, reference, months)


# --- views -----------------------------------------------------------------------------------------------


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _categories(ctx: ReportContext, dimension: str, present: set[str]) -> list[Category]:
    pinned = ctx.pinned(dimension)
    if pinned is not None:
        return [ctx.reference.label(dimension, pinned)]
    categories = list(ctx.reference.categories(dimension))
    known = {c.code for c in categories}
    categories += [ctx.reference.label(dimension, code) for code in sorted(present - known)]
    return categories


def _matrix(ctx: ReportContext, dimension: str, rows: list[tuple[str, str, int]]) -> CasesMatrix:
    months = [str(m) for m in ctx.months]
    categories = _categories(ctx, dimension, {code for _, code, _ in rows})
    column = {c.code: i for i, c in enumerate(categories)}
    row = {m: i for i, m in enumerate(months)}
    counts = [[0] * len(categories) for _ in months]
    for month, code, count in rows:
        counts[row[month]][column[code]] += count
    return CasesMatrix(
        filters=ctx.filters,
        by=dimension,
        counting="topic_mentions" if dimension == "topic" else "cases",
        months=months,
        categories=categories,
        counts=counts,
        month_totals=[sum(line) for line in counts],
        category_totals=[sum(line[i] for line in counts) for i in range(len(categories))],
        total=sum(sum(line) for line in counts),
    )


async def cases_by(session: AsyncSession, ctx: ReportContext, dimension: str) -> CasesMatrix:
    """Cases per month by municipality, language, channel or topic (per-topic counting)."""
    return _matrix(ctx, dimension, await repository.cases_by(session, ctx.plan, ctx.criteria, dimension))


def _service_figures(month: str, values: dict[str, int]) -> ServiceFigures:
    cases, answered, abandoned = values.get("cases", 0), values.get("answered", 0), values.get("abandoned", 0)
    talk_count = values.get("talk_count", 0)
    return ServiceFigures(
        month=month,
        cases=cases,
        answered=answered,
        abandoned=abandoned,
        abandoned_resident_left=values.get("abandoned_resident_left", 0),
        abandoned_staff_removed=values.get("abandoned_staff_removed", 0),
        other=cases - answered - abandoned,
        answer_rate=_rate(answered, cases),
        abandonment_rate=_rate(abandoned, cases),
        fallback_audio=values.get("fallback_audio", 0),
        interpreted=values.get("interpreted", 0),
        mean_talk_minutes=round(values.get("talk_ms", 0) / talk_count / 60000, 1) if talk_count else None,
    )


async def service(session: AsyncSession, ctx: ReportContext) -> ServiceView:
    """Answer rate, abandonment, fallbacks and talk time per month."""
    by_month = await repository.service_by_month(session, ctx.plan, ctx.criteria)
    total: dict[str, int] = defaultdict(int)
    for values in by_month.values():
        for key, value in values.items():
            total[key] += value
    return ServiceView(
        filters=ctx.filters,
        months=[_service_figures(str(m), by_month.get(str(m), {})) for m in ctx.months],
        total=_service_figures("total", total),
    )


async def _histograms(
    session: AsyncSession, ctx: ReportContext, interpreter: bool
) -> tuple[dict[str, histogram.Histogram], histogram.Histogram]:
    blobs, counts = await repository.wait_histograms(session, ctx.plan, ctx.criteria, interpreter)
    per_month: dict[str, histogram.Histogram] = defaultdict(histogram.Histogram)
    for month, blob in blobs:
        per_month[month].add_blob(blob)
    for month, seconds, count in counts:
        per_month[month].add(seconds, count)
    overall = histogram.Histogram()
    for month_histogram in per_month.values():
        overall.add_dense(month_histogram.dense())
    return per_month, overall


def _wait(summary: histogram.WaitSummary) -> WaitFigures:
    return WaitFigures(count=summary.count, median_seconds=summary.median, p90_seconds=summary.p90)


async def waits(session: AsyncSession, ctx: ReportContext) -> WaitsView:
    """Median and 90th percentile of the wait and of the time to an interpreter, per month and overall."""
    waits_by_month, waits_all = await _histograms(session, ctx, interpreter=False)
    interp_by_month, interp_all = await _histograms(session, ctx, interpreter=True)
    empty = histogram.Histogram()
    return WaitsView(
        filters=ctx.filters,
        definition=WAIT_DEFINITION,
        months=[
            WaitMonth(
                month=str(m),
                wait=_wait(waits_by_month.get(str(m), empty).summary()),
                time_to_interpreter=_wait(interp_by_month.get(str(m), empty).summary()),
            )
            for m in ctx.months
        ],
        total=WaitMonth(
            month="total", wait=_wait(waits_all.summary()), time_to_interpreter=_wait(interp_all.summary())
        ),
    )


def _interpreter_row(vendor: str, language: Category, legs: int, ms: int, billable: int) -> InterpreterRow:
    return InterpreterRow(
        vendor=vendor, language=language, legs=legs, minutes=round(ms / 60000, 1), billable_minutes=billable
    )


async def interpreter_minutes(session: AsyncSession, ctx: ReportContext) -> InterpreterView:
    """Interpreter legs and minutes by vendor and language, for reconciling the vendors' invoices."""
    raw = await repository.interpreter_minutes(session, ctx.plan, ctx.criteria)
    vendors = sorted({v or UNKNOWN_VENDOR for v, *_ in raw})
    order = {c.code: i for i, c in enumerate(ctx.reference.languages)}
    language_codes = sorted({lang for _, lang, *_ in raw}, key=lambda c: (order.get(c, len(order)), c))
    languages = [ctx.reference.label("language", c) for c in language_codes]
    every = Category(code="*", label_ja="合計", label_en="Total")
    rows: list[InterpreterRow] = []
    by_vendor: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    grand = [0, 0, 0]
    for vendor, lang, legs, ms, billable in sorted(
        raw, key=lambda r: (r[0] or UNKNOWN_VENDOR, order.get(r[1], len(order)))
    ):
        name = vendor or UNKNOWN_VENDOR
        rows.append(_interpreter_row(name, ctx.reference.label("language", lang), legs, ms, billable))
        for target in (by_vendor[name], grand):
            target[0] += legs
            target[1] += ms
            target[2] += billable
    return InterpreterView(
        filters=ctx.filters,
        vendors=vendors,
        languages=languages,
        rows=rows,
        vendor_totals=[_interpreter_row(v, every, *by_vendor[v]) for v in vendors],
        total=_interpreter_row("*", every, *grand),
    )


def _residents(ctx: ReportContext, matrix: CasesMatrix) -> ResidentsView:
    total = matrix.total
    return ResidentsView(
        filters=ctx.filters,
        rows=[
            ResidentShare(municipality=category, cases=count, share=_rate(count, total))
            for category, count in zip(matrix.categories, matrix.category_totals, strict=True)
        ],
        total=total,
    )


async def residents(session: AsyncSession, ctx: ReportContext) -> ResidentsView:
    """Share of cases from each municipality's residents."""
    return _residents(ctx, await cases_by(session, ctx, "municipality"))


async def dashboard(session: AsyncSession, ctx: ReportContext) -> Dashboard:
    """Every view at once, for the dashboard page and for consistent suppression across an export."""
    by_municipality = await cases_by(session, ctx, "municipality")
    return Dashboard(
        filters=ctx.filters,
        cases_by_municipality=by_municipality,
        cases_by_language=await cases_by(session, ctx, "language"),
        cases_by_channel=await cases_by(session, ctx, "channel"),
        cases_by_topic=await cases_by(session, ctx, "topic"),
        service=await service(session, ctx),
        waits=await waits(session, ctx),
        interpreter_minutes=await interpreter_minutes(session, ctx),
        residents=_residents(ctx, by_municipality),
    )
