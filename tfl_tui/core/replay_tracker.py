"""The consumer worker's replay decisions: how far a replay has to read, whether it is still
catching up, and when what it has read goes to the UI.

A replay reads every partition from its low watermark to a target: the high watermark the
partition had when the replay began. Some brokers (Tansu) answer ListOffsets with less than the
log end; the high watermark of a fetch is right, so within the first CONFIRM_TICKS progress
reports a fetch's watermark may raise a partition's target, once. When every partition has
reached its target and every target has been confirmed, the targets are dropped: the replay is
over and the dashboard is live.

While a replay catches up, records are held (in the lookahead, see `core/lookahead.py`) so that
most are replaced by a newer poll, and dropped, before anyone decodes them; live, they are
handed over at once, but not more often than every MIN_FLUSH_INTERVAL_S.

The worker does the I/O (consume, watermark queries, assign, sending) and asks a `ReplayTracker`
what to do, once per consume() call, never per record. The clock is passed in: monotonic
seconds. Pure module.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

MIN_FLUSH_INTERVAL_S = 0.02  # caught up: hand records over at once, but not more often
REPLAY_HAND_OVER_S = 1.0  # while a replay catches up: how often the UI hears how far it has read
# Records held back at most: ~2 KB each. A broker that serves one partition after another
# (Tansu) completes no poll until the last partition is read; this bounds what waits meanwhile.
MAX_HELD = 10_000
KEEP_WHEN_FULL = MAX_HELD // 2  # held too many: the oldest go, the newest half may yet be replaced
CONFIRM_TICKS = 5  # progress reports within which a fetch's watermark may raise a target


class HandOver(NamedTuple):
    """What to give the UI now. Deciding it has taken the count read and restarted the clock."""

    records: bool  # False: no records, only how far the replay has read
    keep: int  # the newest records held to keep back
    read: int  # records read since the last hand-over


class Progress(NamedTuple):
    """What a progress report says about the replay."""

    replaying: bool  # still catching up, or a target not yet confirmed
    targets: dict[int, int]  # a copy, while replaying; else empty


class ReplayTracker:
    """Replay targets, positions per partition, their confirmation, and when to hand over.

    `batch_interval` and `max_batch` bound how long and how many records wait, live;
    `full_batch` is how many records one consume() call asks for (fewer came: nothing more was
    waiting)."""

    def __init__(self, *, batch_interval: float, max_batch: int, full_batch: int) -> None:
        self._batch_interval = batch_interval
        self._max_batch = max_batch
        self._full_batch = full_batch
        self.generation = 0  # bumps at each replay
        self._positions: dict[int, int] = {}  # per partition: the offset after the last read
        self._targets: dict[int, int] = {}  # replay: high watermarks to reach
        self._unconfirmed: set[int] = set()  # targets not yet checked against a fetch
        self._confirm_ticks = 0
        self._read = 0  # records read since the last hand-over
        self._last_hand_over = 0.0

    def reset_clock(self, now: float) -> None:
        """Count the time to the next hand-over from `now` (the worker starts reading)."""
        self._last_hand_over = now

    def begin(self, watermarks: Mapping[int, tuple[int, int]]) -> None:
        """A replay starts over: per partition, (low, high) watermarks as queried (-1: unknown).
        Positions start at the low watermarks, targets are the high ones. The clock to the next
        hand-over is not reset."""
        self.generation += 1
        self._read = 0
        self._positions = {p: max(low, 0) for p, (low, _high) in watermarks.items()}
        self._targets = {p: max(high, 0) for p, (_low, high) in watermarks.items()}
        self._unconfirmed = set(watermarks)
        self._confirm_ticks = CONFIRM_TICKS

    @property
    def targets(self) -> dict[int, int]:
        """A copy of the targets of the replay; empty once it is over (or without one)."""
        return dict(self._targets)

    def position(self, partition: int, default: int) -> int:
        """The offset after the last record read from `partition` (`default`: none read)."""
        return self._positions.get(partition, default)

    def read(self, count: int, positions: Mapping[int, int]) -> None:
        """`count` records were read by one consume() call; `positions`: per partition, the
        offset after the last of them."""
        self._positions.update(positions)
        self._read += count

    def catching_up(self) -> bool:
        """A partition has not reached its replay target yet."""
        positions = self._positions
        return any(positions.get(p, 0) < target for p, target in self._targets.items())

    def hand_over(self, now: float, fresh: int, held: int) -> HandOver | None:
        """What to hand over after a consume() call that returned `fresh` records, with `held`
        records in the lookahead; None: nothing yet.

        Catching up, records are held: once MAX_HELD are, all but the newest KEEP_WHEN_FULL go;
        else, every REPLAY_HAND_OVER_S, if anything was read, the UI hears how far. Live, what
        was read goes at once when the consume() drained what was there, but not within
        MIN_FLUSH_INTERVAL_S of the last hand-over; else after `batch_interval`, or once
        `max_batch` records are held."""
        since = now - self._last_hand_over
        if self.catching_up():
            if held >= MAX_HELD:
                return self._handed_over(now, True, KEEP_WHEN_FULL)
            if since >= REPLAY_HAND_OVER_S and self._read:
                return self._handed_over(now, False, 0)
        elif self._read and (
            (fresh < self._full_batch and since >= MIN_FLUSH_INTERVAL_S)
            or since >= self._batch_interval
            or held >= self._max_batch
        ):
            return self._handed_over(now, True, 0)
        return None

    def _handed_over(self, now: float, records: bool, keep: int) -> HandOver:
        read, self._read = self._read, 0
        self._last_hand_over = now
        return HandOver(records, keep, read)

    def tick(self, highs: Mapping[int, int]) -> Progress:
        """A progress report, with each partition's high watermark as the last fetch had it
        (-1: unknown). An unconfirmed target is raised to it, once, within the first
        CONFIRM_TICKS reports of a replay; caught up and confirmed, the targets are dropped."""
        for partition, high in highs.items():
            if partition in self._unconfirmed and high >= 0 and partition in self._targets:
                self._targets[partition] = max(self._targets[partition], high)
                self._unconfirmed.discard(partition)
        self._confirm_ticks -= 1
        if self._confirm_ticks <= 0:
            self._unconfirmed.clear()
        replaying = bool(self._targets) and (bool(self._unconfirmed) or self.catching_up())
        targets = dict(self._targets) if replaying else {}
        if self._targets and not replaying:
            self._targets = {}
        return Progress(replaying, targets)
