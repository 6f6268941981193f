"""Whole-second histograms: exact percentiles after any merge, equal to numpy's linear interpolation."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from app.report import histogram
from app.report.period import Month, contiguous_runs, months_touching_utc_hour


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(0, 900), min_size=0, max_size=40), min_size=1, max_size=6))
def test_histogram__merged_blobs_give_numpy_percentiles(parts: list[list[int]]) -> None:
    merged = histogram.Histogram()
    for part in parts[:-1]:
        merged.add_blob(histogram.encode((s, 1) for s in part))
    for s in parts[-1]:
        merged.add(s, 1)
    values = [v for part in parts for v in part]
    summary = merged.summary()
    assert summary.count == len(values)
    if values:
        assert summary.median == round(float(np.percentile(values, 50)), 3)
        assert summary.p90 == round(float(np.percentile(values, 90)), 3)
    else:
        assert (summary.median, summary.p90) == (None, None)


def test_histogram__encode_merges_and_clamps() -> None:
    blob = histogram.encode([(5, 1), (5, 2), (-3, 1), (10**9, 1)])
    decoded = histogram.decode(blob)
    assert [(int(p["seconds"]), int(p["count"])) for p in decoded] == [
        (0, 1),
        (5, 3),
        (histogram.MAX_SECONDS, 1),
    ]
    assert histogram.encode([]) is None


def test_period__months_in_japan_time() -> None:
    zone = ZoneInfo("Asia/Tokyo")
    assert str(Month(2026, 10).start(zone)) == "2026-09-30 15:00:00+00:00"
    assert Month.parse("2026-01").previous() == Month(2025, 12)
    assert Month(2026, 11).plus(-11) == Month(2025, 12)
    # 15:00 UTC on 31 Oct is midnight on 1 Nov in Japan: that hour is November's alone
    assert months_touching_utc_hour(datetime(2026, 10, 31, 15, tzinfo=UTC), zone) == {Month(2026, 11)}
    assert months_touching_utc_hour(datetime(2026, 10, 31, 14, 59, tzinfo=UTC), zone) == {Month(2026, 10)}
    india = ZoneInfo("Asia/Kolkata")  # +05:30: the hour around the month's start straddles two months
    assert months_touching_utc_hour(datetime(2026, 10, 31, 18, tzinfo=UTC), india) == {
        Month(2026, 10),
        Month(2026, 11),
    }
    assert list(contiguous_runs([Month(2026, 3), Month(2026, 1), Month(2026, 2), Month(2026, 6)])) == [
        (Month(2026, 1), Month(2026, 3)),
        (Month(2026, 6), Month(2026, 6)),
    ]
