"""The polling cycle, built the same way by `tfl-tui produce` and the dashboard: an interval
too short for the request budget is stretched, and the listener is told."""

from __future__ import annotations

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
