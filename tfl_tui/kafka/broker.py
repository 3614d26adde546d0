"""The embedded broker: librdkafka's in-memory mock cluster, shipped inside confluent-kafka.

A client created with `test.mock.num.brokers` starts a real Kafka protocol server inside
librdkafka; other clients, in this process or another, reach it at its `host:port` for as long
as that first client lives. Its limits, which the rest of tfl-tui works around:
- topics are auto-created with 4 partitions and CreateTopics is not supported;
- everything is in memory and gone when the broker stops;
- only about 5 MB are kept per partition: older records are trimmed (compressed batches stretch
  that ~10x).
"""

from __future__ import annotations

from typing import Any

from confluent_kafka import KafkaException, Producer

from tfl_tui.core.errors import KafkaError
from tfl_tui.kafka.client_settings import LIBRDKAFKA_LOGGER

MOCK_PARTITIONS = 4
LIMITS = (
    "in memory and temporary; topics are auto-created with 4 partitions; "
    "about 5 MB kept per partition (older records trimmed)"
)


class EmbeddedBroker:
    """Owns the mock cluster. Close it to stop the broker."""

    def __init__(self, start_timeout: float = 10.0) -> None:
        try:
            self._handle: Any = Producer({"test.mock.num.brokers": 1, "logger": LIBRDKAFKA_LOGGER})
            metadata = self._handle.list_topics(timeout=start_timeout)
        except KafkaException as error:
            raise KafkaError(f"could not start the embedded broker: {error.args[0]}") from None
        broker = next(iter(metadata.brokers.values()))
        self.bootstrap_servers = f"{broker.host}:{broker.port}"

    def close(self) -> None:
        # Dropping the last reference to the owning client stops the mock cluster.
        if self._handle is not None:
            self._handle.flush(0)
            self._handle = None

    def __enter__(self) -> EmbeddedBroker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
