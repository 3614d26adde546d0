"""The polling cycle, built the same way by `tfl-tui produce` and the dashboard: an interval
too short for the request budget is stretched, and the listener is told."""

from __future__ import annotations

import threading
import time
from typing import Any

from tfl_tui.core.polling import Poller, PollFailure, Snapshot
from tfl_tui.core.produce_loop import ProduceLoop
from tfl_tui.tfl.client import TflClient
from tfl_tui.tfl.simulator import DemoSource


class Recorder:
    def __init__(self) -> None:
        self.stretched: list[tuple[float, float, int]] = []

    def on_snapshot(self, snapshot: Snapshot, queued: int) -> None:
        pass

    def on_failure(self, failure: PollFailure) -> None:
        pass

    def on_interval_stretched(self, requested: float, used: float, stops: int) -> None:
        self.stretched.append((requested, used, stops))


class NoProducer:
    def publish(self, snapshot: Snapshot) -> int:
        return 0

    def poll(self, timeout: float = 0.0) -> None:
        pass


def build(source: Any, stops: int, interval: float) -> tuple[float, Recorder]:
    listener = Recorder()
    loop = ProduceLoop(
        Poller(source, "tfl"),
        NoProducer(),
        [f"4900{n:06d}" for n in range(stops)],
        listener,
        interval=interval,
    )
    return loop.interval, listener


def test_an_interval_over_tfls_budget_is_stretched_and_said() -> None:
    client = TflClient("http://127.0.0.1:9", None)  # anonymous: 50 requests a minute
    floor = client.budget.min_interval(50)
    interval, listener = build(client, stops=50, interval=1.0)
    assert interval == floor > 1.0
    assert listener.stretched == [(1.0, floor, 50)]


def test_an_interval_within_the_budget_is_kept() -> None:
    interval, listener = build(TflClient("http://127.0.0.1:9", None), stops=2, interval=30.0)
    assert interval == 30.0
    assert listener.stretched == []


def test_the_demo_feed_has_no_budget() -> None:
    interval, listener = build(DemoSource(seed=1), stops=500, interval=0.5)
    assert interval == 0.5
    assert listener.stretched == []


class Polled:
    """A source that answers every stop with nothing, and remembers who was asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def fetch(self, stop_id: str, deadline: float | None = None) -> list[Any]:
        self.asked.append(stop_id)
        return []

    def describe(self) -> str:
        return "recorded"

    def min_interval(self, stops: int) -> float:
        return 2.0 * stops


def test_stops_set_while_running_poll_the_new_ones_at_once_and_refit_the_interval() -> None:
    source, listener = Polled(), Recorder()
    loop = ProduceLoop(Poller(source, "tfl"), NoProducer(), ["A1"], listener, interval=5.0)
    assert loop.poll_all() == 0
    loop.set_stops(["A1", "B2", "C3"])  # from the dashboard's thread, between cycles
    assert loop.interval == 6.0 and listener.stretched[-1] == (5.0, 6.0, 3)
    stop = threading.Event()
    runner = threading.Thread(target=loop.run, args=(stop,), kwargs={"serve_interval": 0.01})
    runner.start()
    try:
        deadline = time.monotonic() + 10
        while source.asked.count("B2") < 2 and time.monotonic() < deadline:
            time.sleep(0.01)  # waiting on a condition, with a deadline
    finally:
        stop.set()
        runner.join(5)
    # The first cycle of the run polled every stop; the stops added were polled again right
    # after it, before the next cycle (which would start with A1).
    assert source.asked[:6] == ["A1", "A1", "B2", "C3", "B2", "C3"]
    loop.set_stops(["C3"])
    assert loop.stops == ["C3"] and loop.interval == 5.0
