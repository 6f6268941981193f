"""Per-language queue indexes: positions (everyone queued) and waiting buckets (those not being offered).

Sorted lists of small integer tuples: arrivals append at the end (seq only grows), removals are a bisect
plus a memmove, so every operation is O(log n) comparisons and no event scans the whole queue.
"""

from __future__ import annotations

from bisect import bisect_left, insort

from routing.state import BucketKey, QueueKey, Rank


def _remove(items: list[QueueKey], key: QueueKey) -> None:
    index = bisect_left(items, key)
    if index == len(items) or items[index] != key:
        raise KeyError(key)  # an index out of sync is a bug, never a user error
    del items[index]


class LanguageQueue:
    """The queue of one language."""

    __slots__ = ("_live", "waiting")

    def __init__(self) -> None:
        self._live: list[list[QueueKey]] = [[] for _ in Rank]
        # bucket -> (rank, seq) keys, sorted; empty buckets are deleted so iteration only sees work.
        self.waiting: dict[BucketKey, list[QueueKey]] = {}

    def __len__(self) -> int:
        return sum(len(keys) for keys in self._live)

    def add_live(self, key: QueueKey) -> None:
        """Count a request in the queue (for positions)."""
        insort(self._live[key[0]], key)

    def remove_live(self, key: QueueKey) -> None:
        """Stop counting a request in the queue."""
        _remove(self._live[key[0]], key)

    def position(self, key: QueueKey) -> int:
        """1-based place in the language's queue: all higher ranks, then earlier arrivals of the same rank."""
        rank = key[0]
        ahead = sum(len(self._live[higher]) for higher in range(rank))
        return ahead + bisect_left(self._live[rank], key) + 1

    def add_waiting(self, bucket: BucketKey, key: QueueKey) -> None:
        """Make a request dispatchable."""
        keys = self.waiting.get(bucket)
        if keys is None:
            self.waiting[bucket] = [key]
        else:
            insort(keys, key)

    def remove_waiting(self, bucket: BucketKey, key: QueueKey) -> None:
        """A request leaves the waiting set (offered, assigned, closed or re-bucketed)."""
        keys = self.waiting[bucket]
        _remove(keys, key)
        if not keys:
            del self.waiting[bucket]
