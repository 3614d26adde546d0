"""The dashboard's producer worker: the `tfl-tui produce` loop in a thread, reporting events.

It makes sure the topic exists (retrying while the broker is away), polls every stop each
interval, and on stop flushes within a bound and reports what could not be delivered.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from tfl_tui.core.dashboard_options import DashboardOptions
from tfl_tui.core.errors import KafkaError, TflCancelled, TflTuiError, TflUnreachable
from tfl_tui.core.events import (
    Connection,
    Failure,
    Notice,
    PollOutcome,
    ProducerStats,
    ProducerStopped,
)
from tfl_tui.core.polling import ArrivalsSource, Poller, PollFailure, Snapshot
from tfl_tui.core.produce_loop import (
    ProduceLoop,
    stretched_interval_message,
)
from tfl_tui.kafka.producer import ArrivalsProducer
from tfl_tui.kafka.topic import ensure_topic
from tfl_tui.tfl.simulator import DemoSource
from tfl_tui.workers.base import BackgroundWorker, Sink

STATS_INTERVAL_S = 1.0


class _EventListener:
    def __init__(self, sink: Sink) -> None:
        self._sink = sink

    def on_snapshot(self, snapshot: Snapshot, queued: int) -> None:
        self._sink(
            PollOutcome(
                snapshot.stop_id,
                snapshot.station_label(),
                snapshot.polled_at,
                count=queued,
                rejected=len(snapshot.rejected),
            )
        )

    def on_interval_stretched(self, requested: float, used: float, stops: int) -> None:
        self._sink(Notice("producer", stretched_interval_message(requested, used, stops)))

    def on_failure(self, failure: PollFailure) -> None:
        error = failure.error
        if isinstance(error, TflCancelled):
            return  # given up on purpose: not news for the user
        self._sink(
            PollOutcome(
                failure.stop_id,
                failure.stop_id,
                failure.polled_at,
                error=error.message,
                hint=error.hint,
                tfl_unreachable=isinstance(error, TflUnreachable),
            )
        )


class ProducerWorker(BackgroundWorker):
    source = "producer"

    def __init__(
        self,
        base: Mapping[str, str],
        options: DashboardOptions,
        sink: Sink,
        *,
        source: ArrivalsSource,
        source_name: str,
        embedded: bool,
    ) -> None:
        super().__init__(sink)
        self._base = dict(base)
        self.options = options
        self._poller = Poller(source, source_name)
        self._embedded = embedded
        self._loop: ProduceLoop | None = None

    @property
    def source_name(self) -> str:
        return self._poller.source_name

    def switch_to_demo(self, seed: int | None = None) -> None:
        """Swap the live TfL source for the simulator and poll at once."""
        self._poller.source = DemoSource(seed=seed)
        self._poller.source_name = "demo"
        if self._loop is not None:
            self._loop.next_poll_at = time.monotonic()

    def set_stops(self, stops: list[str]) -> None:
        """Poll these stops from now on: a new one at once, without restarting anything."""
        if self._loop is not None:
            self._loop.set_stops(stops)
        # else the loop is not built yet, and will take them from the options

    def _ensure_topic(self) -> bool:
        """Wait for the broker and the topic, reporting once, retrying until stopped."""
        reported = False
        while not self._stop.is_set():
            try:
                info = ensure_topic(
                    self._base,
                    self.options.topic,
                    self.options.partitions,
                    embedded=self._embedded,
                    timeout=self.options.connect_timeout,
                )
            except KafkaError as error:
                if not reported:
                    reported = True
                    self._sink(Failure("producer", error.message, error.hint))
                    self._connection_lost(error.message)
                self._stop.wait(2.0)
                continue
            if reported:
                self._connection_back("broker reachable")
            if info.note:
                self._sink(Connection("producer", connected=True, detail=info.note))
            return True
        return False

    def _run(self) -> None:
        try:
            if not self._ensure_topic():
                return
            producer = ArrivalsProducer(
                self._base,
                self.options.topic,
                error_cb=self._on_error,
                on_delivery=self._on_delivery,
            )
        except TflTuiError as error:
            self._sink(Failure("producer", error.message, error.hint, fatal=True))
            return
        self._loop = loop = ProduceLoop(
            self._poller,
            producer,
            list(self.options.stops),
            _EventListener(self._sink),
            interval=self.options.interval,
            retry_budget=self.options.retry_budget,
        )
        try:
            loop.run(self._stop, on_tick=lambda: self._report(producer), tick=STATS_INTERVAL_S)
        except Exception as error:  # noqa: BLE001 - reported to the UI, never a traceback
            self._sink(Failure("producer", f"producer stopped: {error}", fatal=True))
        finally:
            remaining = producer.flush(self.options.flush_timeout)
            self._sink(
                ProducerStopped(
                    producer.produced,
                    producer.delivered,
                    producer.failed,
                    undelivered=remaining + producer.failed,
                )
            )

    def _on_delivery(self, delivery: object) -> None:
        self._connection_back()

    def _report(self, producer: ArrivalsProducer) -> None:
        next_poll = None
        if self._loop is not None and self._loop.next_poll_at is not None:
            next_poll = max(0.0, self._loop.next_poll_at - time.monotonic())
        self._sink(
            ProducerStats(
                producer.produced,
                producer.delivered,
                producer.failed,
                next_poll,
                self._poller.source_name,
            )
        )
