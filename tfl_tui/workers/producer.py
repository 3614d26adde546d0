"""The dashboard's producer worker: the `tfl-tui produce` loop in a thread, reporting events.

It makes sure the topic exists (retrying while the broker is away), polls every stop each
interval, and on stop flushes within a bound and reports what could not be delivered.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from confluent_kafka import KafkaError as RdKafkaError

from tfl_tui.errors import KafkaError, TflCancelled, TflTuiError, TflUnreachable
from tfl_tui.events import Connection, Failure, PollOutcome, ProducerStats, ProducerStopped
from tfl_tui.kafka.producer import ArrivalsProducer
from tfl_tui.kafka.topic import ensure_topic
from tfl_tui.polling import ArrivalsSource, Poller, PollFailure, Snapshot
from tfl_tui.produce_loop import DEFAULT_RETRY_BUDGET_S, ProduceLoop
from tfl_tui.tfl.simulator import DemoSource

Sink = Callable[[object], None]
_DISCONNECTED = {RdKafkaError._TRANSPORT, RdKafkaError._ALL_BROKERS_DOWN, RdKafkaError._RESOLVE}
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


class ProducerWorker:
    def __init__(
        self,
        base: Mapping[str, str],
        topic: str,
        sink: Sink,
        *,
        source: ArrivalsSource,
        source_name: str,
        stops: Sequence[str],
        interval: float,
        partitions: int,
        embedded: bool,
        flush_timeout: float = 5.0,
        retry_budget: float = DEFAULT_RETRY_BUDGET_S,
        connect_timeout: float = 5.0,
    ) -> None:
        self._base = dict(base)
        self.topic = topic
        self._sink = sink
        self._poller = Poller(source, source_name)
        self._stops = list(stops)
        self._interval = interval
        self._partitions = partitions
        self._embedded = embedded
        self._flush_timeout = flush_timeout
        self._retry_budget = retry_budget
        self._connect_timeout = connect_timeout
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tfl-tui-producer", daemon=True)
        self._loop: ProduceLoop | None = None
        self._disconnected = False

    @property
    def source_name(self) -> str:
        return self._poller.source_name

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def switch_to_demo(self, seed: int | None = None) -> None:
        """Swap the live TfL source for the simulator and poll at once."""
        self._poller.source = DemoSource(seed=seed)
        self._poller.source_name = "demo"
        if self._loop is not None:
            self._loop.next_poll_at = time.monotonic()

    def _on_error(self, error: Any) -> None:
        if error.code() in _DISCONNECTED:
            if not self._disconnected:
                self._disconnected = True
                self._sink(Connection("producer", connected=False, detail=error.str()))
        elif error.fatal():
            self._sink(Failure("producer", f"Kafka producer failed: {error.str()}", fatal=True))

    def _ensure_topic(self) -> bool:
        """Wait for the broker and the topic, reporting once, retrying until stopped."""
        reported = False
        while not self._stop.is_set():
            try:
                info = ensure_topic(
                    self._base,
                    self.topic,
                    self._partitions,
                    embedded=self._embedded,
                    timeout=self._connect_timeout,
                )
            except KafkaError as error:
                if not reported:
                    reported = True
                    self._sink(Failure("producer", error.message, error.hint))
                    self._sink(Connection("producer", connected=False, detail=error.message))
                self._stop.wait(2.0)
                continue
            if reported:
                self._sink(Connection("producer", connected=True, detail="broker reachable"))
            if info.note:
                self._sink(Connection("producer", connected=True, detail=info.note))
            return True
        return False

    def _run(self) -> None:
        try:
            if not self._ensure_topic():
                return
            producer = ArrivalsProducer(
                self._base, self.topic, error_cb=self._on_error, on_delivery=self._on_delivery
            )
        except TflTuiError as error:
            self._sink(Failure("producer", error.message, error.hint, fatal=True))
            return
        self._loop = loop = ProduceLoop(
            self._poller,
            producer,
            self._stops,
            _EventListener(self._sink),
            interval=self._interval,
            retry_budget=self._retry_budget,
        )
        try:
            loop.run(self._stop, on_tick=lambda: self._report(producer), tick=STATS_INTERVAL_S)
        except Exception as error:  # noqa: BLE001 - reported to the UI, never a traceback
            self._sink(Failure("producer", f"producer stopped: {error}", fatal=True))
        finally:
            remaining = producer.flush(self._flush_timeout)
            self._sink(
                ProducerStopped(
                    producer.produced,
                    producer.delivered,
                    producer.failed,
                    undelivered=remaining + producer.failed,
                )
            )

    def _on_delivery(self, delivery: object) -> None:
        if self._disconnected:
            self._disconnected = False
            self._sink(Connection("producer", connected=True, detail="reconnected"))

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
