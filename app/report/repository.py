"""Statements behind every report figure, from two sources with the same columns.

The live source reads the case tables directly (the 'naive' GROUP BY); the rollup source reads the monthly
rollup. A report unions the rollup for months that are rolled up and clean with the live source for the rest,
so figures are exact whatever the rollup's state. The caller's municipality scope is a WHERE clause in every
statement, separate from (and ANDed with) the filters, so no filter can widen it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    FromClause,
    Integer,
    Select,
    String,
    Table,
    and_,
    case,
    cast,
    exists,
    extract,
    false,
    func,
    literal,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import Subquery

from app.consultation.models import CallLeg, Consultation, consultation_topic
from app.consultation.record_models import ConsultationMediaChange
from app.enums import AbandonReason, CallRole, ConsultationStatus, MediaMode, Outcome
from app.interpreter.models import Interpreter
from app.report.models import (
    ALL_TOPICS,
    NO_TOPIC,
    ReportMonthlyCase,
    ReportMonthlyInterpreter,
)
from app.report.period import Month, contiguous_runs


def cast_table(model: type[Any]) -> Table:
    """A mapped class's Table, typed as one (declarative types it as a FromClause)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


_case = cast_table(Consultation)
_topic = consultation_topic
_leg = cast_table(CallLeg)
_change = cast_table(ConsultationMediaChange)
_interpreter = cast_table(Interpreter)
_cube = cast_table(ReportMonthlyCase)
_icube = cast_table(ReportMonthlyInterpreter)

CASE_MEASURES = (
    "cases",
    "answered",
    "abandoned",
    "abandoned_resident_left",
    "abandoned_staff_removed",
    "fallback_audio",
    "interpreted",
    "talk_count",
    "talk_ms",
)
DIMENSIONS = {
    "municipality": "municipality_code",
    "language": "language_code",
    "channel": "channel",
    "topic": "topic_code",
}
GROUPING_BITS = {"municipality_code": 1, "language_code": 2, "channel": 4}
FULL_GROUPING = 7


@dataclass(frozen=True, slots=True)
class Criteria:
    """What a report may and should count: the caller's scope plus the filters they chose."""

    scope_municipality: str | None = None  # from the principal; None is the whole area
    municipality: str | None = None
    language: str | None = None
    channel: str | None = None
    topic: str | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    """Which months come from the rollup and which are computed live from the case tables."""

    dialect: str
    zone: ZoneInfo
    rollup_months: tuple[Month, ...]
    live_months: tuple[Month, ...]

    @property
    def months(self) -> list[Month]:
        return sorted((*self.rollup_months, *self.live_months))


def grouping_level(criteria: Criteria, keep: Sequence[str] = ()) -> int:
    """The rollup level a statement reads: the dimensions it groups by plus those its filters fix."""
    dims = set(keep)
    if criteria.scope_municipality is not None or criteria.municipality is not None:
        dims.add("municipality_code")
    if criteria.language is not None:
        dims.add("language_code")
    if criteria.channel is not None:
        dims.add("channel")
    return sum(bit for dim, bit in GROUPING_BITS.items() if dim in dims)


async def dialect_of(session: AsyncSession) -> str:
    return (await session.connection()).dialect.name


# --- expressions -------------------------------------------------------------------------------------------


def ms_between(dialect: str, start: Any, end: Any) -> ColumnElement[int]:
    """Milliseconds from start to end, rounded; the same integer on SQLite and PostgreSQL."""
    if dialect == "postgresql":
        return cast(func.round(extract("epoch", end - start) * 1000), BigInteger)
    return cast(func.round((func.julianday(end) - func.julianday(start)) * 86400000.0), Integer)


def whole_seconds(dialect: str, start: Any, end: Any) -> ColumnElement[int]:
    """Whole seconds (milliseconds rounded, then seconds rounded down) as the reports count waits."""
    return ms_between(dialect, start, end) // 1000


def month_label(dialect: str, column: Any, months: Sequence[Month], zone: ZoneInfo) -> ColumnElement[str]:
    """'YYYY-MM' of an instant in the desk's zone, for the months a statement covers."""
    if not months:
        return literal("", String)
    if dialect == "postgresql":
        return func.to_char(func.timezone(zone.key, column), "YYYY-MM")
    boundaries = [*months, max(months).next()]
    offsets = {m.start(zone).astimezone(zone).utcoffset() for m in boundaries}
    if len(offsets) == 1:
        (offset,) = offsets
        assert offset is not None
        minutes = int(offset.total_seconds() // 60)
        return func.strftime("%Y-%m", column, f"{minutes:+d} minutes")
    ordered = sorted(months)  # a zone with daylight saving: compare with each month's UTC end instead
    return case(*[(column < m.end(zone), str(m)) for m in ordered], else_=str(ordered[-1]))


def _in_months(column: Any, months: Sequence[Month], zone: ZoneInfo) -> ColumnElement[bool]:
    runs = list(contiguous_runs(list(months)))
    if not runs:
        return false()
    return or_(*[and_(column >= first.start(zone), column < last.end(zone)) for first, last in runs])


def _month_strings(column: Any, months: Sequence[Month]) -> ColumnElement[bool]:
    runs = list(contiguous_runs(list(months)))
    if not runs:
        return false()
    return or_(*[column.between(str(first), str(last)) for first, last in runs])


def _case_filters(criteria: Criteria, dialect: str) -> list[ColumnElement[bool]]:
    """The scope and filters on the case table.

    Live statements read one or a few months, so SQLite must walk the request-time index rather than an
    equality index (municipality, language) spanning every month ever recorded: `column || ''` is SQLite's
    documented way to keep an index out of a plan. PostgreSQL chooses well from its statistics.
    """

    def column(c: Any) -> Any:
        return c + "" if dialect == "sqlite" else c

    clauses: list[ColumnElement[bool]] = []
    if criteria.scope_municipality is not None:
        clauses.append(column(_case.c.resident_municipality_code) == criteria.scope_municipality)
    if criteria.municipality is not None:
        clauses.append(column(_case.c.resident_municipality_code) == criteria.municipality)
    if criteria.language is not None:
        clauses.append(column(_case.c.language_code) == criteria.language)
    if criteria.channel is not None:
        clauses.append(column(type_coerce(_case.c.channel, String)) == criteria.channel)
    return clauses


def _rollup_filters(table: Table, criteria: Criteria) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if criteria.scope_municipality is not None:
        clauses.append(table.c.municipality_code == criteria.scope_municipality)
    if criteria.municipality is not None:
        clauses.append(table.c.municipality_code == criteria.municipality)
    if criteria.language is not None:
        clauses.append(table.c.language_code == criteria.language)
    if criteria.channel is not None:
        clauses.append(table.c.channel == criteria.channel)
    return clauses


def _rollup_topic(table: Table, criteria: Criteria, per_topic: bool) -> ColumnElement[bool]:
    if criteria.topic is not None:
        return table.c.topic_code == criteria.topic
    if per_topic:
        return table.c.topic_code != ALL_TOPICS
    return table.c.topic_code == ALL_TOPICS


def _topic_filter(criteria: Criteria) -> list[ColumnElement[bool]]:
    """Cases with topic T, as EXISTS so the case table stays the driving table (one row per case)."""
    if criteria.topic is None:
        return []
    return [exists().where(_topic.c.consultation_id == _case.c.id, _topic.c.topic_code == criteria.topic)]


def _with_topic(criteria: Criteria, per_topic: bool) -> tuple[FromClause, ColumnElement[str]]:
    """The case table joined for topic counting: a row per case, per case and topic, or per case with T."""
    if criteria.topic is not None:
        return _case, literal(criteria.topic, String)
    if per_topic:
        joined = _case.outerjoin(_topic, _topic.c.consultation_id == _case.c.id)
        return joined, func.coalesce(_topic.c.topic_code, NO_TOPIC)
    return _case, literal(ALL_TOPICS, String)


def _answered() -> ColumnElement[bool]:
    return _case.c.connected_at.is_not(None)


def _case_measure(dialect: str, name: str) -> ColumnElement[int]:
    talked = and_(_case.c.connected_at.is_not(None), _case.c.ended_at.is_not(None))
    interpreter_joined = exists().where(
        _leg.c.consultation_id == _case.c.id, _leg.c.role == CallRole.interpreter
    )
    measures: dict[str, ColumnElement[int]] = {
        "cases": literal(1, Integer),
        "answered": case((_answered(), 1), else_=0),
        "abandoned": case(
            (
                and_(
                    _case.c.connected_at.is_(None),
                    or_(
                        _case.c.status == ConsultationStatus.abandoned,
                        _case.c.outcome == Outcome.abandoned,
                    ),
                ),
                1,
            ),
            else_=0,
        ),
        "abandoned_resident_left": case((_case.c.abandon_reason == AbandonReason.resident_left, 1), else_=0),
        "abandoned_staff_removed": case((_case.c.abandon_reason == AbandonReason.staff_removed, 1), else_=0),
        "fallback_audio": case(
            (
                exists().where(
                    _change.c.consultation_id == _case.c.id, _change.c.to_media == MediaMode.audio
                ),
                1,
            ),
            else_=0,
        ),
        "interpreted": case((interpreter_joined, 1), else_=0),
        "talk_count": case((talked, 1), else_=0),
        "talk_ms": case((talked, ms_between(dialect, _case.c.connected_at, _case.c.ended_at)), else_=0),
    }
    return measures[name].label(name)


def _first_interpreter_joined() -> Any:
    return (
        select(func.min(_leg.c.joined_at))
        .where(_leg.c.consultation_id == _case.c.id, _leg.c.role == CallRole.interpreter)
        .scalar_subquery()
    )


def _dims(plan: Plan, months: Sequence[Month], topic: ColumnElement[str]) -> list[ColumnElement[Any]]:
    return [
        month_label(plan.dialect, _case.c.requested_at, months, plan.zone).label("month"),
        func.coalesce(_case.c.resident_municipality_code, "").label("municipality_code"),
        _case.c.language_code.label("language_code"),
        type_coerce(_case.c.channel, String).label("channel"),
        topic.label("topic_code"),
    ]


def _rollup_dims(table: Table) -> list[ColumnElement[Any]]:
    return [
        table.c.month,
        table.c.municipality_code,
        table.c.language_code,
        table.c.channel,
        table.c.topic_code,
    ]


# --- sources ---------------------------------------------------------------------------------------------


def live_cases(
    plan: Plan, months: Sequence[Month], criteria: Criteria, measures: Sequence[str], per_topic: bool
) -> Select[Any]:
    """One row per case (or per case and topic) with its measures as 0/1 or milliseconds."""
    joined, topic = _with_topic(criteria, per_topic)
    return (
        select(*_dims(plan, months, topic), *[_case_measure(plan.dialect, m) for m in measures])
        .select_from(joined)
        .where(
            _in_months(_case.c.requested_at, months, plan.zone),
            *_case_filters(criteria, plan.dialect),
            *_topic_filter(criteria),
        )
    )


def rollup_cases(
    months: Sequence[Month],
    criteria: Criteria,
    measures: Sequence[str],
    per_topic: bool,
    keep: Sequence[str] = (),
) -> Select[Any]:
    return select(*_rollup_dims(_cube), *[_cube.c[m] for m in measures]).where(
        _cube.c.grouping == grouping_level(criteria, keep),
        _month_strings(_cube.c.month, months),
        _rollup_topic(_cube, criteria, per_topic),
        *_rollup_filters(_cube, criteria),
    )


def case_source(
    plan: Plan,
    criteria: Criteria,
    measures: Sequence[str],
    per_topic: bool = False,
    keep: Sequence[str] = (),
) -> Subquery:
    """Rollup rows for clean months UNION ALL live rows for the others, with identical columns.

    `keep` names the dimension columns the caller groups by; the rollup rows come from the level that keeps
    exactly those (plus the filtered ones), and the other dimension columns read '*' there.
    """
    parts: list[Select[Any]] = []
    if plan.rollup_months:
        parts.append(rollup_cases(plan.rollup_months, criteria, measures, per_topic, keep))
    if plan.live_months or not parts:
        parts.append(live_cases(plan, plan.live_months, criteria, measures, per_topic))
    if len(parts) == 1:
        return parts[0].subquery("source")
    return union_all(*parts).subquery("source")


def live_waits(
    plan: Plan, months: Sequence[Month], criteria: Criteria, interpreter: bool, per_topic: bool = False
) -> Select[Any]:
    """(month, dims, whole seconds) per answered case, or per case an interpreter joined."""
    joined, topic = _with_topic(criteria, per_topic)
    if interpreter:
        end: Any = _first_interpreter_joined()
        present: ColumnElement[bool] = exists().where(
            _leg.c.consultation_id == _case.c.id, _leg.c.role == CallRole.interpreter
        )
    else:
        end = _case.c.connected_at
        present = _answered()
    seconds = whole_seconds(plan.dialect, _case.c.requested_at, end).label("seconds")
    return (
        select(*_dims(plan, months, topic), seconds)
        .select_from(joined)
        .where(
            present,
            _in_months(_case.c.requested_at, months, plan.zone),
            *_case_filters(criteria, plan.dialect),
            *_topic_filter(criteria),
        )
    )


def live_interpreter_legs(
    plan: Plan, months: Sequence[Month], criteria: Criteria, per_topic: bool = False
) -> Select[Any]:
    """One row per finished interpreter leg with its vendor and milliseconds (billable minutes)."""
    joined, topic = _with_topic(criteria, per_topic)
    leg_ms = ms_between(plan.dialect, _leg.c.joined_at, _leg.c.left_at)
    joined = joined.join(_leg, _leg.c.consultation_id == _case.c.id).outerjoin(
        _interpreter, _interpreter.c.id == _leg.c.interpreter_id
    )
    return (
        select(
            *_dims(plan, months, topic),
            func.coalesce(_interpreter.c.vendor, "").label("vendor"),
            literal(1, Integer).label("legs"),
            leg_ms.label("leg_ms"),
            ((leg_ms + 59999) // 60000).label("billable_minutes"),
        )
        .select_from(joined)
        .where(
            _leg.c.role == CallRole.interpreter,
            _leg.c.left_at.is_not(None),
            _in_months(_case.c.requested_at, months, plan.zone),
            *_case_filters(criteria, plan.dialect),
            *_topic_filter(criteria),
        )
    )


def interpreter_source(plan: Plan, criteria: Criteria) -> Subquery:
    parts: list[Select[Any]] = []
    if plan.rollup_months:
        parts.append(
            select(
                *_rollup_dims(_icube),
                _icube.c.vendor,
                _icube.c.legs,
                _icube.c.leg_ms,
                _icube.c.billable_minutes,
            ).where(
                _icube.c.grouping == grouping_level(criteria, ("language_code",)),
                _month_strings(_icube.c.month, plan.rollup_months),
                _rollup_topic(_icube, criteria, per_topic=False),
                *_rollup_filters(_icube, criteria),
            )
        )
    if plan.live_months or not parts:
        parts.append(live_interpreter_legs(plan, plan.live_months, criteria))
    if len(parts) == 1:
        return parts[0].subquery("legs")
    return union_all(*parts).subquery("legs")


# --- views -----------------------------------------------------------------------------------------------


async def cases_by(
    session: AsyncSession, plan: Plan, criteria: Criteria, dimension: str
) -> list[tuple[str, str, int]]:
    """(month, category code, count); topics are counted per topic."""
    column = DIMENSIONS[dimension]
    keep = () if dimension == "topic" else (column,)
    source = case_source(plan, criteria, ("cases",), per_topic=dimension == "topic", keep=keep)
    key = source.c[column]
    rows = await session.execute(
        select(source.c.month, key, func.sum(source.c.cases)).group_by(source.c.month, key)
    )
    return [(str(m), str(k), int(n)) for m, k, n in rows]


async def service_by_month(
    session: AsyncSession, plan: Plan, criteria: Criteria
) -> dict[str, dict[str, int]]:
    """Per month: cases, answered, abandoned, fallbacks to audio, interpreted cases, talk time."""
    source = case_source(plan, criteria, CASE_MEASURES)
    rows = await session.execute(
        select(source.c.month, *[func.sum(source.c[m]) for m in CASE_MEASURES]).group_by(source.c.month)
    )
    return {
        str(row[0]): {m: int(v or 0) for m, v in zip(CASE_MEASURES, row[1:], strict=True)} for row in rows
    }


async def wait_histograms(
    session: AsyncSession, plan: Plan, criteria: Criteria, interpreter: bool
) -> tuple[list[tuple[str, bytes | None]], list[tuple[str, int, int]]]:
    """Rollup blobs per month and live (month, seconds, count) rows; the caller merges them."""
    blobs: list[tuple[str, bytes | None]] = []
    if plan.rollup_months:
        column = _cube.c.interpreter_wait_histogram if interpreter else _cube.c.wait_histogram
        result = await session.execute(
            select(_cube.c.month, column).where(
                _cube.c.grouping == grouping_level(criteria),
                column.is_not(None),
                _month_strings(_cube.c.month, plan.rollup_months),
                _rollup_topic(_cube, criteria, per_topic=False),
                *_rollup_filters(_cube, criteria),
            )
        )
        blobs = [(str(m), b) for m, b in result]
    counts: list[tuple[str, int, int]] = []
    if plan.live_months:
        live = live_waits(plan, plan.live_months, criteria, interpreter).subquery("waits")
        rows = await session.execute(
            select(live.c.month, live.c.seconds, func.count()).group_by(live.c.month, live.c.seconds)
        )
        counts = [(str(r[0]), int(r[1]), int(r[2])) for r in rows]
    return blobs, counts


async def interpreter_minutes(
    session: AsyncSession, plan: Plan, criteria: Criteria
) -> list[tuple[str, str, int, int, int]]:
    """(vendor, language, legs, milliseconds, billable minutes) for invoice reconciliation."""
    source = interpreter_source(plan, criteria)
    rows = await session.execute(
        select(
            source.c.vendor,
            source.c.language_code,
            func.sum(source.c.legs),
            func.sum(source.c.leg_ms),
            func.sum(source.c.billable_minutes),
        ).group_by(source.c.vendor, source.c.language_code)
    )
    return [(str(r[0]), str(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows]
