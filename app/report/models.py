"""Monthly rollups of case statistics, and the markers that say which months must be recomputed.

One rollup row per grouping level x topic key x month x municipality x language x channel. The topic key
is '*' for the case-level row (every case once), a topic code for per-topic counting (a case with two
topics is in two rows), or '' for cases with no topic recorded. The grouping level is a bitmask of the
dimensions kept (1 municipality, 2 language, 4 channel); the others hold '*' (a data cube with 'all' rows),
so a query reads only the rows of the level it needs. Waits are whole-second histograms (exact percentiles).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, LargeBinary, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import now_default
from app.db import Base

ALL_TOPICS = "*"
ALL = "*"  # a dimension rolled up to 'all' at this grouping level
NO_TOPIC = ""
UNKNOWN_MUNICIPALITY = ""

_ID = BigInteger().with_variant(Integer(), "sqlite")


class ReportMonthlyCase(Base):
    __tablename__ = "report_monthly_case"

    grouping: Mapped[int] = mapped_column(
        SmallInteger, primary_key=True, comment="dimensions kept: 1 municipality, 2 language, 4 channel"
    )
    topic_code: Mapped[str] = mapped_column(
        String(32), primary_key=True, comment="'*' all, '' none, or a topic"
    )
    month: Mapped[str] = mapped_column(String(7), primary_key=True, comment="YYYY-MM in the desk's time zone")
    municipality_code: Mapped[str] = mapped_column(
        String(8), primary_key=True, comment="'' when not recorded"
    )
    language_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)

    cases: Mapped[int] = mapped_column(default=0)
    answered: Mapped[int] = mapped_column(default=0, comment="connected to a counselor")
    abandoned: Mapped[int] = mapped_column(default=0, comment="left before being connected")
    abandoned_resident_left: Mapped[int] = mapped_column(
        default=0,
        server_default="0",
        comment="of abandoned: the resident's screen went away",
    )
    abandoned_staff_removed: Mapped[int] = mapped_column(
        default=0, server_default="0", comment="of abandoned: staff took the case off the queue"
    )
    fallback_audio: Mapped[int] = mapped_column(default=0, comment="cases whose call fell back to audio")
    interpreted: Mapped[int] = mapped_column(default=0, comment="cases an interpreter joined")
    talk_count: Mapped[int] = mapped_column(default=0)
    talk_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    wait_histogram: Mapped[bytes | None] = mapped_column(
        LargeBinary, comment="request to connection, whole seconds: (seconds, count) uint32 pairs"
    )
    interpreter_wait_histogram: Mapped[bytes | None] = mapped_column(
        LargeBinary, comment="request to first interpreter joining, whole seconds"
    )


class ReportMonthlyInterpreter(Base):
    __tablename__ = "report_monthly_interpreter"

    grouping: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    topic_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    municipality_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    language_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    vendor: Mapped[str] = mapped_column(String(128), primary_key=True)

    legs: Mapped[int] = mapped_column(default=0, comment="finished interpreter legs")
    leg_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    billable_minutes: Mapped[int] = mapped_column(default=0, comment="each leg rounded up to a whole minute")


class ReportRollupMonth(Base):
    """A month whose rollup rows are complete (unless a stale marker says otherwise)."""

    __tablename__ = "report_rollup_month"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    refreshed_at: Mapped[datetime] = mapped_column(default=now_default)


class ReportStaleHour(Base):
    """A case requested in this UTC hour changed after its month may have been rolled up (append-only)."""

    __tablename__ = "report_stale_hour"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    hour: Mapped[datetime] = mapped_column(
        index=True, comment="the changed case's requested_at, to the UTC hour"
    )
    marked_at: Mapped[datetime] = mapped_column(default=now_default)
