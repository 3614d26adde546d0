"""The polling cycle shared by `tfl-tui produce` and the dashboard's producer worker.

Every `interval` seconds each stop is polled (within the TfL request budget), its valid
predictions are queued on the producer, and the producer's delivery callbacks are served while
waiting for the next cycle. What happens is told to a listener; the loop itself prints nothing.
Both build it the same way, so both stretch the interval to fit the request budget.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Protocol

from tfl_tui.core.defaults import DEFAULT_RETRY_BUDGET_S
from tfl_tui.core.polling import Poller, PollFailure, Snapshot
from tfl_tui.core.text import counted


class SnapshotProducer(Protocol):
    """What the loop needs of a Kafka producer (tfl_tui.kafka.producer.ArrivalsProducer)."""

    def publish(self, snapshot: Snapshot) -> int:
        """Queue the snapshot's records; returns how many were queued."""
        ...

    def poll(self, timeout: float = 0.0) -> None:
        """Serve delivery callbacks, waiting up to `timeout` seconds."""
        ...


class PollListener(Protocol):
    def on_snapshot(self, snapshot: Snapshot, queued: int) -> None: ...

    def on_failure(self, failure: PollFailure) -> None: ...

    def on_interval_stretched(self, requested: float, used: float, stops: int) -> None:
        """Polling `stops` stops every `requested` seconds would overrun the request budget."""
        ...


def stretched_interval_message(requested: float, used: float, stops: int) -> str:
    return (
        f"polling {counted(stops, 'stop')} every {requested:g}s would exceed "
        f"TfL's request budget; polling every {used:.0f}s instead"
    )


class ProduceLoop:
    def __init__(
        self,
        poller: Poller,
        producer: SnapshotProducer,
        stops: Sequence[str],
        listener: PollListener,
        *,
        interval: float,
        retry_budget: float = DEFAULT_RETRY_BUDGET_S,
    ) -> None:
        self.poller = poller
        self.producer = producer
        self.stops = list(stops)
        self.listener = listener
        self.requested_interval = interval
        self.interval = self._fitted_interval()
        self.retry_budget = retry_budget
        self.next_poll_at: float | None = None  # monotonic time of the next cycle
        # Stops added while running, polled at once rather than at the next cycle. Another
        # thread (the dashboard's) appends; deque appends and pops are atomic.
        self._first_polls: deque[str] = deque()

    def _fitted_interval(self) -> float:
        """One way to build the loop, for `tfl-tui produce` and the dashboard alike: an
        interval too short for the source's request budget is stretched to fit, and the
        listener told."""
        interval = self.requested_interval
        floor = self.poller.source.min_interval(len(self.stops))
        if interval < floor:
            self.listener.on_interval_stretched(interval, floor, len(self.stops))
            interval = floor
        return interval

    def set_stops(self, stops: Sequence[str]) -> None:
        """Poll these stops from now on (safe from another thread): the new ones at once, the
        rest at their next cycle; the interval is fitted to the budget again."""
        old = set(self.stops)
        self.stops = list(dict.fromkeys(stops))
        self.interval = self._fitted_interval()
        self._first_polls.extend(stop for stop in self.stops if stop not in old)

    def _poll(self, stop_id: str, deadline: float | None) -> bool:
        """Poll one stop and queue its records; False when it gave no usable answer."""
        if deadline is None:
            deadline = time.monotonic() + min(self.interval, self.retry_budget)
        outcome = self.poller.poll(stop_id, deadline)
        if isinstance(outcome, PollFailure):
            self.listener.on_failure(outcome)
        else:
            queued = self.producer.publish(outcome)
            self.listener.on_snapshot(outcome, queued)
        self.producer.poll(0)
        return not isinstance(outcome, PollFailure)

    def poll_all(self, deadline: float | None = None) -> int:
        """One cycle over every stop; returns how many stops gave no usable answer.

        Each stop may retry until `deadline` (default: its own retry budget)."""
        return sum(not self._poll(stop_id, deadline) for stop_id in list(self.stops))

    def run(
        self,
        stop: threading.Event,
        serve_interval: float = 0.1,
        on_tick: Callable[[], None] | None = None,
        tick: float = 1.0,
    ) -> None:
        """Poll every `interval` seconds until `stop` is set, serving deliveries meanwhile;
        `on_tick` is called about every `tick` seconds and after each cycle."""
        next_tick = time.monotonic()
        while not stop.is_set():
            started = time.monotonic()
            self.next_poll_at = started + self.interval
            self.poll_all()
            while not stop.is_set():
                while self._first_polls and not stop.is_set():
                    added = self._first_polls.popleft()
                    if added in self.stops:  # not removed again meanwhile
                        self._poll(added, None)
                now = time.monotonic()
                if on_tick is not None and now >= next_tick:
                    next_tick = now + tick
                    on_tick()
                left = self.next_poll_at - now
                if left <= 0:
                    break
                self.producer.poll(min(serve_interval, left))
