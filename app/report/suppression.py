"""Small-cell suppression for anything that leaves the dashboard, with complementary cells so totals cannot
be used to back out a hidden figure.

The rule (threshold t, default 3):
1. Primary: every count from 1 to t-1 is hidden, totals and margins included. Zero stays visible.
2. Every line of every table (each row, each column, and the margins) is assumed to have a public total,
   even where the total is hidden or not printed: it may be known from another table or an earlier report.
3. A line is safe when it hides no cell, or at least two cells that together hold at least max(t, k+1)
   cases (k = hidden cells): then no hidden value follows from the total and the visible cells. A line that
   hides a zero along with other cells is safe too: nobody can tell which hidden cells hold the cases.
4. An unsafe line hides its smallest visible non-zero cell (complementary suppression), again and again;
   with none left it hides its visible zeros; with nothing left at all, it hides its total.
5. Repeat over all lines until nothing changes. Rates, shares, minutes and medians hide with their count.
Hidden cells all look the same ("秘匿"), primary or complementary, so the label gives nothing away.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

SUPPRESSED = "秘匿"


@dataclass(frozen=True, slots=True)
class Line:
    """A set of cells that add up to a total the reader may know."""

    total: Hashable
    parts: tuple[Hashable, ...]


def line_is_safe(values: Mapping[Hashable, int], line: Line, hidden: set[Hashable], threshold: int) -> bool:
    """True when no hidden part of the line can be computed from its total and visible parts."""
    parts = _unique(line.parts)
    if len(parts) < 2:
        return True
    hidden_parts = [p for p in parts if p in hidden]
    if not hidden_parts:
        return True
    if len(hidden_parts) == 1:
        return values.get(hidden_parts[0], 0) == 0  # reveals a zero, which says nothing about anyone
    if any(values.get(p, 0) == 0 for p in hidden_parts):
        return True
    hidden_sum = sum(values.get(p, 0) for p in hidden_parts)
    return hidden_sum >= max(threshold, len(hidden_parts) + 1)


def line_is_exhausted(line: Line, hidden: set[Hashable]) -> bool:
    """Everything in the line, total included, is hidden: nothing more can be done within it."""
    return line.total in hidden and all(p in hidden for p in line.parts)


def protect(values: Mapping[Hashable, int], lines: Sequence[Line], threshold: int) -> set[Hashable]:
    """The cells to hide: primary small cells, then complementary cells until every line is safe."""
    if threshold <= 1:
        return set()
    hidden = {key for key, value in values.items() if 0 < value < threshold}
    changed = True
    while changed:
        changed = False
        for line in lines:
            parts = _unique(line.parts)
            if len(parts) < 2:
                continue
            while not line_is_safe(values, line, hidden, threshold):
                visible = [p for p in parts if p not in hidden and values.get(p, 0) > 0]
                if visible:
                    order = {p: i for i, p in enumerate(parts)}
                    hidden.add(min(visible, key=lambda p: (values.get(p, 0), order[p])))
                    changed = True
                    continue
                zeros = [p for p in parts if p not in hidden]
                if zeros:
                    hidden.update(zeros)
                    changed = True
                elif line.total not in hidden:
                    hidden.add(line.total)
                    changed = True
                break
    return hidden


def _unique(parts: Sequence[Hashable]) -> list[Hashable]:
    return list(dict.fromkeys(parts))
