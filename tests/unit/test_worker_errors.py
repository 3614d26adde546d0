"""A lost broker is said in plain words on the dashboard (librdkafka's own words go to -v)."""

from __future__ import annotations

from confluent_kafka import KafkaError

from tfl_tui.core.events import Connection
from tfl_tui.workers.base import BackgroundWorker


def test_a_lost_broker_is_said_in_plain_words() -> None:
    events: list[object] = []
    worker = BackgroundWorker(events.append)
    worker._on_error(KafkaError(KafkaError._ALL_BROKERS_DOWN, "1/1 brokers are down"))
    worker._on_error(KafkaError(KafkaError._TRANSPORT, "Local: Broker transport failure"))
    assert events == [Connection("worker", connected=False, detail="no broker answers; retrying")]
