"""Wait-time histograms in whole seconds: compact per rollup cell, exact to merge and take percentiles from.

A wait is counted in whole seconds (milliseconds rounded, then seconds rounded down), so a histogram with one
bucket per second holds the exact distribution: percentiles of merged histograms equal those of the raw rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from math import floor

import numpy as np
import numpy.typing as npt

PAIR = np.dtype([("seconds", "<u4"), ("count", "<u4")])
MAX_SECONDS = 7 * 24 * 3600  # anything longer is a data error; clamp so one bad row cannot blow up memory


def encode(pairs: Iterable[tuple[int, int]]) -> bytes | None:
    """(seconds, count) pairs -> bytes sorted by seconds; None when empty."""
    merged: dict[int, int] = {}
    for seconds, count in pairs:
        if count:
            key = min(max(int(seconds), 0), MAX_SECONDS)
            merged[key] = merged.get(key, 0) + int(count)
    if not merged:
        return None
    array = np.array(sorted(merged.items()), dtype=np.uint32).view(PAIR).reshape(-1)
    return array.tobytes()


def decode(blob: bytes | None) -> npt.NDArray[np.void]:
    if not blob:
        return np.zeros(0, dtype=PAIR)
    return np.frombuffer(blob, dtype=PAIR)


class Histogram:
    """Counts per whole second, merged from rollup blobs and live (seconds, count) rows."""

    def __init__(self) -> None:
        self._parts: list[npt.NDArray[np.void]] = []
        self._pairs: dict[int, int] = {}
        self._dense: npt.NDArray[np.int64] | None = None

    def add_blob(self, blob: bytes | None) -> None:
        if blob:
            self._parts.append(decode(blob))

    def add(self, seconds: int, count: int) -> None:
        if count:
            key = min(max(int(seconds), 0), MAX_SECONDS)
            self._pairs[key] = self._pairs.get(key, 0) + int(count)

    def add_dense(self, counts: npt.NDArray[np.int64]) -> None:
        """Merge another histogram's dense counts (index = seconds)."""
        if counts.size:
            self._dense = counts.copy() if self._dense is None else _padded_sum(self._dense, counts)

    def dense(self) -> npt.NDArray[np.int64]:
        """counts[s] = number of waits of s seconds."""
        result = self._sparse_dense()
        if self._dense is None:
            return result
        return _padded_sum(self._dense, result) if result.size else self._dense.copy()

    def _sparse_dense(self) -> npt.NDArray[np.int64]:
        arrays = [*self._parts]
        if self._pairs:
            arrays.append(np.array(sorted(self._pairs.items()), dtype=np.uint32).view(PAIR).reshape(-1))
        if not arrays:
            return np.zeros(0, dtype=np.int64)
        joined = np.concatenate(arrays)
        seconds = joined["seconds"].astype(np.int64)
        return np.bincount(seconds, weights=joined["count"].astype(np.int64)).astype(np.int64)

    def summary(self) -> WaitSummary:
        return summarise(self.dense())


def _padded_sum(a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    size = max(a.size, b.size)
    total = np.zeros(size, dtype=np.int64)
    total[: a.size] += a
    total[: b.size] += b
    return total


@dataclass(frozen=True, slots=True)
class WaitSummary:
    count: int
    median: float | None
    p90: float | None


def percentile(counts: npt.NDArray[np.int64], q: float) -> float | None:
    """Linear interpolation between the closest ranks, like PostgreSQL's percentile_cont and numpy."""
    total = int(counts.sum())
    if total == 0:
        return None
    position = (total - 1) * q
    lower_rank = floor(position)
    fraction = position - lower_rank
    cumulative = np.cumsum(counts)
    lower = int(np.searchsorted(cumulative, lower_rank + 1))
    if fraction == 0 or lower_rank + 1 >= total:
        return float(lower)
    upper = int(np.searchsorted(cumulative, lower_rank + 2))
    return round(lower + (upper - lower) * fraction, 3)


def summarise(counts: npt.NDArray[np.int64]) -> WaitSummary:
    return WaitSummary(int(counts.sum()), percentile(counts, 0.5), percentile(counts, 0.9))
