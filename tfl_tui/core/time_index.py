"""Time travel's index: the board at every minute of the topic, built in one read.

Records are folded in poll-time order (partitions merged as they are read: a record is folded
once every partition still being read has reached its poll time), and at each minute boundary
the board's rows at that moment are kept: moving the cursor is then a look-up. What is kept is
bounded: past MAX_ROWS rows in all, every other checkpoint is dropped and the step doubles; a
few records of each minute are kept for the raw panel, within MAX_RAW in all.

The rows at a minute are exactly `fold_until(records, minute).board.rows(minute)`: the same
fold as `tfl-tui board --at` and the live dashboard (tests/unit/test_time_index.py).

Pure module.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from sys import intern

from tfl_tui.core.board import Board
from tfl_tui.core.board_at import polled_at
from tfl_tui.core.board_rows import Row
from tfl_tui.core.records import Decoded

MINUTE = timedelta(minutes=1)
MAX_ROWS = 60_000  # rows kept over every checkpoint: about 200 bytes each, names shared
MAX_RAW = 5_000  # records kept for the raw panel, about a kilobyte each
RAW_PER_MINUTE = 25


def floor_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


@dataclass
class TimeIndex:
    step: timedelta = MINUTE  # between checkpoints: doubles when they would take too much
    counts: dict[datetime, int] = field(default_factory=dict)  # records per minute polled
    moments: list[datetime] = field(default_factory=list)  # the checkpoints' times, in order
    rows: dict[datetime, list[Row]] = field(default_factory=dict)
    raw: dict[datetime, list[Decoded]] = field(default_factory=dict)  # by minute polled
    kept_rows: int = 0
    kept_raw: int = 0
    read: int = 0

    @property
    def start(self) -> datetime | None:
        return min(self.counts) if self.counts else None

    @property
    def end(self) -> datetime | None:
        return max(self.counts) if self.counts else None

    def at(self, moment: datetime) -> tuple[datetime, list[Row]] | None:
        """The checkpoint at or before `moment` (None: before the first)."""
        index = bisect.bisect_right(self.moments, moment) - 1
        if index < 0:
            return None
        when = self.moments[index]
        return when, self.rows[when]

    def records_near(self, moment: datetime) -> list[Decoded]:
        """The kept records polled in the minute before `moment` (else the nearest earlier)."""
        minutes = [m for m in self.raw if m < moment and self.raw[m]]
        return list(self.raw[max(minutes)]) if minutes else []

    def _checkpoint(self, board: Board, moment: datetime) -> None:
        # The same names and ids come back minute after minute: one copy of each is kept.
        rows = [
            replace(
                row,
                key=(intern(row.key[0]), intern(row.key[1]), intern(row.key[2])),
                line=intern(row.line),
                destination=intern(row.destination),
                stop=intern(row.stop),
                entry_ids=tuple(intern(i) for i in row.entry_ids),
            )
            for row in board.rows(moment)
        ]
        self.moments.append(moment)
        self.rows[moment] = rows
        self.kept_rows += len(rows)
        while self.kept_rows > MAX_ROWS and len(self.moments) > 2:
            self._thin()

    def _thin(self) -> None:
        """Every other checkpoint goes; the step doubles."""
        self.step *= 2
        kept = self.moments[::2]
        for moment in self.moments[1::2]:
            self.kept_rows -= len(self.rows.pop(moment))
        self.moments = kept

    def _keep_raw(self, decoded: Decoded, minute: datetime) -> None:
        """A few records of each minute; past MAX_RAW the oldest minutes' go."""
        kept = self.raw.get(minute)
        if kept is None:
            kept = self.raw[minute] = []
        if len(kept) >= RAW_PER_MINUTE:
            return
        kept.append(decoded)
        self.kept_raw += 1
        while self.kept_raw > MAX_RAW and len(self.raw) > 1:
            oldest = min(self.raw)
            self.kept_raw -= len(self.raw.pop(oldest))


class IndexBuilder:
    """Feeds a TimeIndex from records as the partitions are read side by side."""

    def __init__(self, partitions: Iterable[int], board: Board | None = None) -> None:
        self.index = TimeIndex()
        self._board = board if board is not None else Board()
        # Records read but not folded yet, by poll time; each partition's latest poll time.
        self._waiting: list[tuple[datetime, int, Decoded]] = []
        self._latest: dict[int, datetime | None] = dict.fromkeys(partitions)
        self._order = 0
        self._next: datetime | None = None  # the next checkpoint's moment

    def feed(self, decoded: Decoded) -> None:
        index = self.index
        index.read += 1
        when = polled_at(decoded)
        if when is None:  # no time at all: it counts from the start
            self._fold(decoded, None)
            return
        minute = floor_minute(when)
        index.counts[minute] = index.counts.get(minute, 0) + 1
        index._keep_raw(decoded, minute)
        partition = decoded.record.partition
        latest = self._latest.get(partition)
        if latest is None or when > latest:
            self._latest[partition] = when
        self._order += 1
        heapq.heappush(self._waiting, (when, self._order, decoded))
        self._fold_ready(self._all_reached())

    def _all_reached(self) -> datetime | None:
        """The poll time every partition still being read has reached (None: one has shown
        nothing yet). A partition's records come in poll order, so none older is to come."""
        times = list(self._latest.values())
        if not times or any(t is None for t in times):
            return None
        return min(t for t in times if t is not None)

    def done(self, partition: int) -> None:
        """A partition is read to its end: it no longer holds the others back."""
        self._latest.pop(partition, None)
        self._fold_ready(self._all_reached())

    def finish(self, now: datetime) -> TimeIndex:
        """Fold what is left and checkpoint up to `now`."""
        self._fold_ready(None, final=True)
        if self._next is not None:
            while self._next <= now:
                self.index._checkpoint(self._board, self._next)
                self._next += self.index.step
        last = now.replace(microsecond=0)
        if self.index.read and (not self.index.moments or self.index.moments[-1] < last):
            # And now itself: a topic written within the last minute still has a moment.
            self.index._checkpoint(self._board, last)
        return self.index

    def _fold_ready(self, up_to: datetime | None, *, final: bool = False) -> None:
        """Fold every waiting record polled at or before `up_to` (all of them when final)."""
        waiting = self._waiting
        while waiting and (final or (up_to is not None and waiting[0][0] <= up_to)):
            when, _order, decoded = heapq.heappop(waiting)
            self._fold(decoded, when)

    def _fold(self, decoded: Decoded, when: datetime | None) -> None:
        if when is not None:
            if self._next is None:
                self._next = floor_minute(when) + MINUTE
            # Checkpoints before this record's poll: it was not polled yet then.
            while self._next < when:
                self.index._checkpoint(self._board, self._next)
                self._next += self.index.step
        self._board.apply(decoded)
