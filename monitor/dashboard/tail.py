"""Deliver the event log strictly in id order, even when ids commit out of order.

On SQLite one writer holds the lock from its insert to its commit, so ids become
visible in order. On PostgreSQL a sequence hands out ids at insert time: a
transaction holding id 7 may commit after another one's id 8 is already visible.
A reader that jumped to `id > 8` would never see 7. `Tail` holds events back
behind such a gap until it fills, or until `gap_timeout` says it never will (a
rolled-back transaction leaves a permanent hole), so what it delivers is in order
and `id > last delivered` is always a safe place to resume.
"""

from typing import Any


class Tail:
    """The ordering state of one reader of the event log."""

    def __init__(self, cursor: int, gap_timeout: float = 2.0) -> None:
        #: Every id up to here was delivered or given up on.
        self.cursor = cursor
        self.gap_timeout = gap_timeout
        self._held: dict[int, dict[str, Any]] = {}
        self._gap_seen: float | None = None

    def take(self, rows: list[dict[str, Any]], now: float) -> list[dict[str, Any]]:
        """The rows (read with `id > cursor`, oldest first) that may be delivered now, in order."""
        for row in rows:
            if row["id"] > self.cursor:
                self._held[row["id"]] = row
        ready = []
        while self._held:
            following = self.cursor + 1
            if following in self._held:
                ready.append(self._held.pop(following))
                self.cursor = following
                self._gap_seen = None
                continue
            if self._gap_seen is None:
                self._gap_seen = now
            if now - self._gap_seen < self.gap_timeout:
                break
            # The gap outlived any transaction: skip to the next id that exists.
            self.cursor = min(self._held) - 1
            self._gap_seen = None
        return ready
