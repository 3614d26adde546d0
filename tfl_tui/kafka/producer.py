"""Publishes snapshots: key = lineId, value = TfL's prediction JSON, headers = poll metadata."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from confluent_kafka import KafkaException, Producer

from tfl_tui.core.polling import Snapshot
from tfl_tui.kafka.client_factory import create_client
from tfl_tui.kafka.client_settings import PRODUCER_DEFAULTS, client_conf

# How long produce() may wait for room in librdkafka's local queue before giving up a record.
QUEUE_FULL_WAIT_S = 5.0


@dataclass(frozen=True)
class Delivery:
    """The broker's verdict on one record (error None: stored at partition/offset)."""

    topic: str
    key: str
    destination: str
    partition: int | None
    offset: int | None
    error: str | None = None


class ArrivalsProducer:
    """Wraps an idempotent confluent-kafka Producer and counts what became of every record."""

    def __init__(
        self,
        base: Mapping[str, str],
        topic: str,
        *,
        on_delivery: Callable[[Delivery], None] = lambda _delivery: None,
        error_cb: Callable[[Any], None] | None = None,
    ) -> None:
        self.topic = topic
        self._on_delivery = on_delivery
        self._lock = threading.Lock()  # callbacks run in whichever thread polls
        self.produced = 0
        self.delivered = 0
        self.failed = 0
        # Settings librdkafka refuses are a ConfigError naming the property.
        self._producer = create_client(
            Producer, client_conf(base, PRODUCER_DEFAULTS, error_cb=error_cb)
        )

    @property
    def pending(self) -> int:
        with self._lock:
            return self.produced - self.delivered - self.failed

    def _report(self, key: str, destination: str) -> Callable[[Any, Any], None]:
        def callback(error: Any, message: Any) -> None:
            with self._lock:
                if error is None:
                    self.delivered += 1
                else:
                    self.failed += 1
            self._on_delivery(
                Delivery(
                    topic=self.topic,
                    key=key,
                    destination=destination,
                    partition=None if error else message.partition(),
                    offset=None if error else message.offset(),
                    error=None if error is None else error.str(),
                )
            )

        return callback

    def publish(self, snapshot: Snapshot) -> int:
        """Queue every prediction of the snapshot; returns how many were queued."""
        headers: list[tuple[str, str | bytes | None]] = list(snapshot.headers())
        # The record's time is its poll's: a backfill of past polls is stamped in the past.
        stamp = int(snapshot.polled_at.timestamp() * 1000)
        queued = 0
        for item in snapshot.predictions:
            key = str(item.get("lineId", "unknown"))
            destination = str(item.get("destinationName") or item.get("towards") or "")
            value = json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode()
            if self._produce(key, destination, value, headers, stamp):
                queued += 1
        self._producer.poll(0)
        return queued

    def _produce(
        self,
        key: str,
        destination: str,
        value: bytes,
        headers: list[tuple[str, str | bytes | None]],
        timestamp_ms: int = 0,
    ) -> bool:
        callback = self._report(key, destination)
        deadline = time.monotonic() + QUEUE_FULL_WAIT_S
        while True:
            try:
                self._producer.produce(
                    self.topic,
                    key=key.encode(),
                    value=value,
                    headers=headers,
                    on_delivery=callback,
                    timestamp=timestamp_ms,  # 0: the producer's clock
                )
            except BufferError:
                # Local queue full (broker slow or away): serve callbacks, then try again.
                if time.monotonic() >= deadline:
                    reason = "local producer queue full"
                    break
                self._producer.poll(0.1)
                continue
            except KafkaException as error:
                reason = error.args[0].str()
                break
            with self._lock:
                self.produced += 1
            return True
        with self._lock:
            self.produced += 1
            self.failed += 1
        self._on_delivery(Delivery(self.topic, key, destination, None, None, error=reason))
        return False

    def poll(self, timeout: float = 0.0) -> None:
        """Serve delivery callbacks (they run in the calling thread)."""
        self._producer.poll(timeout)

    def flush(self, timeout: float) -> int:
        """Wait up to `timeout` s for outstanding deliveries; returns how many are left."""
        remaining: int = self._producer.flush(timeout)
        return remaining
