"""`produce --demo --backfill 3h`: hours of simulated polls, stamped with their past times, so
a new user has a history to look at in the first minute.

Pure module: the simulator and the producer come in; the demo's clock is stepped through the
past, a poll interval at a time, and handed back to the real time at the end.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from tfl_tui.core.polling import Poller, Snapshot, utc_now
from tfl_tui.core.produce_loop import SnapshotProducer


class SteppedClock:
    """The time the simulator and the poller see: a past moment while backfilling, else now."""

    def __init__(self) -> None:
        self.fixed: datetime | None = None

    def __call__(self) -> datetime:
        return self.fixed if self.fixed is not None else utc_now()


def backfill(
    poller: Poller,
    producer: SnapshotProducer,
    stops: Sequence[str],
    clock: SteppedClock,
    *,
    span: timedelta,
    interval: float,
    progress: Callable[[int, int, int], None] | None = None,
) -> int:
    """Poll every stop every `interval` seconds of the `span` up to now, with the clock set to
    each poll's time; returns how many records were queued. `progress(done, steps, queued)`
    is told after each step."""
    end = clock()
    step = timedelta(seconds=interval)
    steps = max(1, int(span / step))
    queued = 0
    try:
        for index in range(steps):
            clock.fixed = end - span + index * step
            for stop_id in stops:
                outcome = poller.poll(stop_id)
                if isinstance(outcome, Snapshot):
                    queued += producer.publish(outcome)
            producer.poll(0)
            if progress is not None:
                progress(index + 1, steps, queued)
    finally:
        clock.fixed = None
    return queued
