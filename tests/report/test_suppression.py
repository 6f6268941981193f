"""The small-cell rule: primary cells hidden, complementary cells so that no total backs out a hidden one."""

from __future__ import annotations

from collections.abc import Hashable

from hypothesis import given, settings
from hypothesis import strategies as st

from app.report.suppression import Line, line_is_exhausted, line_is_safe, protect


def _table(rows: list[list[int]]) -> tuple[dict[Hashable, int], list[Line]]:
    """A 2-D table with row totals, column totals and a grand total, and every line of it."""
    values: dict[Hashable, int] = {}
    lines: list[Line] = []
    n_cols = len(rows[0])
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            values[(i, j)] = v
        values[(i, "*")] = sum(row)
        lines.append(Line((i, "*"), tuple((i, j) for j in range(n_cols))))
    for j in range(n_cols):
        values[("*", j)] = sum(row[j] for row in rows)
        lines.append(Line(("*", j), tuple((i, j) for i in range(len(rows)))))
    values[("*", "*")] = sum(map(sum, rows))
    lines.append(Line(("*", "*"), tuple((i, "*") for i in range(len(rows)))))
    lines.append(Line(("*", "*"), tuple(("*", j) for j in range(n_cols))))
    return values, lines


def test_protect__hides_small_counts_and_keeps_zero_and_large_visible() -> None:
    values, lines = _table([[10, 0, 20, 30]])
    assert protect(values, lines, threshold=3) == set()
    values, lines = _table([[10, 2, 20, 30]])
    hidden = protect(values, lines, threshold=3)
    assert (0, 1) in hidden
    assert (0, 0) in hidden  # the smallest other non-zero cell: 62 - 10 - 20 - 30 would give the 2 away
    assert (0, 2) not in hidden and (0, 3) not in hidden


def test_protect__two_ones_are_not_enough_to_protect_each_other() -> None:
    # hidden 1 + 1 with a known total: both must be 1. A third cell joins them.
    values = {"a": 1, "b": 1, "c": 7, "d": 9, "T": 18}
    line = Line("T", ("a", "b", "c", "d"))
    hidden = protect(values, [line], threshold=3)
    assert hidden == {"a", "b", "c"}
    assert line_is_safe(values, line, hidden, 3)


def test_protect__a_line_of_only_small_cells_hides_its_zeros_too() -> None:
    # One case in the month: hiding its cell alone would leave it the only non-zero: zeros hide with it.
    values = {"vi": 1, "en": 0, "zh": 0, "T": 1}
    hidden = protect(values, [Line("T", ("vi", "en", "zh"))], threshold=3)
    assert hidden == {"vi", "en", "zh", "T"}


def test_protect__threshold_one_hides_nothing() -> None:
    values, lines = _table([[1, 2], [0, 1]])
    assert protect(values, lines, threshold=1) == set()


def test_line_is_safe__examples() -> None:
    values = {"a": 2, "b": 2, "c": 5, "z": 0, "T": 9}
    line = Line("T", ("a", "b", "c", "z"))
    assert line_is_safe(values, line, set(), 3)
    assert not line_is_safe(values, line, {"a"}, 3)  # 9 - 2 - 5 - 0 = a
    assert line_is_safe(values, line, {"a", "b"}, 3)  # a + b = 4 ≥ 3: (1,3), (2,2), (3,1)
    assert line_is_safe(values, line, {"z"}, 3)  # reveals only a zero
    assert line_is_safe(values, line, {"a", "z"}, 3)  # nobody can tell which of the two holds the cases


@settings(max_examples=300, deadline=None)
@given(
    rows=st.integers(1, 5).flatmap(
        lambda n_cols: st.lists(
            st.lists(st.integers(0, 12), min_size=n_cols, max_size=n_cols), min_size=1, max_size=6
        )
    ),
    threshold=st.integers(2, 5),
)
def test_protect__property_every_small_cell_hidden_and_every_line_safe(
    rows: list[list[int]], threshold: int
) -> None:
    values, lines = _table(rows)
    hidden = protect(values, lines, threshold)
    assert {k for k, v in values.items() if 0 < v < threshold} <= hidden
    for line in lines:
        assert line_is_safe(values, line, hidden, threshold) or line_is_exhausted(line, hidden), line
    assert protect(values, lines, threshold) == hidden  # deterministic
