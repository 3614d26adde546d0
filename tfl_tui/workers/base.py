"""What the dashboard's workers share: a daemon thread with a stop flag, and the reporting of
broker connectivity (one event per change, whichever librdkafka thread notices it)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from confluent_kafka import KafkaError as RdKafkaError

from tfl_tui.core.events import Connection, Failure

Sink = Callable[[object], None]

# librdkafka errors that mean "no broker right now"; it reconnects by itself.
DISCONNECTED = {RdKafkaError._TRANSPORT, RdKafkaError._ALL_BROKERS_DOWN, RdKafkaError._RESOLVE}
# What they mean, for people ("1/1 brokers are down" says little); -v shows librdkafka's words.
PLAIN_WORDS = {
    RdKafkaError._ALL_BROKERS_DOWN: "no broker answers; retrying",
    RdKafkaError._TRANSPORT: "the connection to the broker broke; retrying",
    RdKafkaError._RESOLVE: "the broker's address cannot be resolved; retrying",
}


class BackgroundWorker:
    """Runs `_run` in a daemon thread; `sink` receives its events, called from that thread."""

    source = "worker"  # names the worker in events ("producer", "consumer")

    def __init__(self, sink: Sink) -> None:
        self._sink = sink
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"tfl-tui-{self.source}", daemon=True
        )
        self._lock = threading.Lock()
        self._disconnected = False

    def _run(self) -> None:
        raise NotImplementedError

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _connection_lost(self, detail: str) -> None:
        with self._lock:
            first, self._disconnected = not self._disconnected, True
        if first:
            self._sink(Connection(self.source, connected=False, detail=detail))

    def _connection_back(self, detail: str = "reconnected") -> None:
        with self._lock:
            was_down, self._disconnected = self._disconnected, False
        if was_down:
            self._sink(Connection(self.source, connected=True, detail=detail))

    def _on_error(self, error: Any) -> None:
        """librdkafka's error_cb."""
        code = error.code()
        if code in DISCONNECTED:
            self._connection_lost(PLAIN_WORDS.get(code, error.str()))
        elif error.fatal():
            self._sink(
                Failure(self.source, f"Kafka {self.source} failed: {error.str()}", fatal=True)
            )
