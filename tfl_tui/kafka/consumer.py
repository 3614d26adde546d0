"""The headless consumer: the tutorial's group consumer with a choice of starting point."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Literal

from confluent_kafka import (
    OFFSET_BEGINNING,
    OFFSET_END,
    Consumer,
    KafkaException,
    Message,
    TopicPartition,
)
from confluent_kafka import KafkaError as RdKafkaError

from tfl_tui.core.defaults import DEFAULT_GROUP
from tfl_tui.core.errors import KafkaError
from tfl_tui.core.poll_headers import Headers
from tfl_tui.core.records import Record
from tfl_tui.kafka.client_factory import create_client
from tfl_tui.kafka.client_settings import CONSUMER_DEFAULTS, client_conf

StartFrom = Literal["earliest", "latest", "committed"]


def _header_bytes(value: str | bytes | None) -> bytes | None:
    return value.encode() if isinstance(value, str) else value


_READ: Any = object()


def to_record(message: Message, headers: Any = _READ) -> Record:
    """The record of a consumed message; `headers`: what `message.headers()` gave, when the
    caller has read them already (each call builds them anew)."""
    _kind, timestamp = message.timestamp()
    raw = message.headers() if headers is _READ else headers
    pairs: Headers
    if not raw:
        pairs = ()
    elif isinstance(raw, list):
        # What consume() gives: (str, bytes | None) pairs already; no copy per header.
        pairs = tuple(raw)  # type: ignore[arg-type]  # values are bytes here
    else:
        pairs = tuple((str(name), _header_bytes(value)) for name, value in raw.items())
    # Positional: a replay makes a few hundred thousand a second.
    return Record(
        message.topic() or "",
        message.partition() or 0,
        message.offset() or 0,
        message.key(),
        message.value(),
        timestamp if timestamp and timestamp > 0 else None,
        pairs,
    )


class GroupConsumer:
    """Reads `topic` in consumer group `group`, starting where `start` says.

    earliest: every partition from its beginning (the tutorial's first run);
    latest: only records that arrive from now on;
    committed: resume from the group's committed offsets, the beginning where there are none.

    The group only ever commits what the caller has handed on: a record counts as read once
    `handed_over` is called for it (librdkafka's own offset store would also count records
    fetched but never printed). Stored offsets are committed every few seconds and on close.
    """

    def __init__(
        self,
        base: Mapping[str, str],
        topic: str,
        *,
        group: str = DEFAULT_GROUP,
        start: StartFrom = "earliest",
        on_notice: Callable[[str], None] = lambda _message: None,
        error_cb: Callable[[Any], None] | None = None,
        embedded: bool = False,
    ) -> None:
        self.topic = topic
        self._start = start
        self._notice = on_notice
        self._positioned: set[int] = set()
        self._topic_missing_reported = False
        self.assigned = False
        extra = {
            "group.id": group,
            "auto.offset.reset": "latest" if start == "latest" else "earliest",
            "enable.auto.offset.store": "false",
        }
        if embedded:
            # The embedded broker keeps a classic group's departed member until its session
            # times out (45 s): a second run in the same group waited that long. With the
            # new group protocol (KIP-848) it hands partitions over at once.
            extra["group.protocol"] = "consumer"
        conf = client_conf(base, CONSUMER_DEFAULTS, error_cb=error_cb, extra=extra)
        # Cooperative protocols add partitions to the assignment instead of replacing it.
        self._incremental = conf.get("group.protocol") == "consumer" or "cooperative" in str(
            conf.get("partition.assignment.strategy", "")
        )
        self._consumer = create_client(Consumer, conf)
        self._consumer.subscribe([topic], on_assign=self._on_assign)

    def _on_assign(self, consumer: Consumer, partitions: list[Any]) -> None:
        # Position each partition once; a later rebalance must not rewind what we have read.
        if self._start != "committed":
            offset = OFFSET_BEGINNING if self._start == "earliest" else OFFSET_END
            for tp in partitions:
                if tp.partition not in self._positioned:
                    tp.offset = offset
        self._positioned.update(tp.partition for tp in partitions)
        if self._incremental:
            consumer.incremental_assign(partitions)
        else:
            consumer.assign(partitions)
        self.assigned = True

    def records(self, poll_timeout: float = 0.2) -> Iterator[Record | None]:
        """Yield records as they come, and None whenever a poll returned nothing (so the
        caller can check its own deadlines and stop flags)."""
        while True:
            messages = self._consumer.consume(500, poll_timeout)
            if not messages:
                yield None
                continue
            for message in messages:
                error = message.error()
                if error is None:
                    yield to_record(message)
                elif error.code() == RdKafkaError._PARTITION_EOF:
                    continue
                elif error.code() == RdKafkaError.UNKNOWN_TOPIC_OR_PART:
                    if not self._topic_missing_reported:
                        self._topic_missing_reported = True
                        self._notice(f"topic {self.topic!r} does not exist yet; waiting for it")
                elif error.fatal():
                    raise KafkaError(f"consumer failed: {error.str()}")
                else:
                    self._notice(f"kafka: {error.str()}")

    def handed_over(self, record: Record) -> None:
        """`record` has reached the user: the group may commit past it."""
        self._consumer.store_offsets(
            offsets=[TopicPartition(record.topic, record.partition, record.offset + 1)]
        )

    def close(self) -> None:
        """Commit what was handed over, then leave the group."""
        # Nothing stored (no record read), already closed, or the broker is gone: nothing
        # more can be committed; what was stored before went out with the periodic commits.
        with contextlib.suppress(KafkaException, RuntimeError):
            self._consumer.commit(asynchronous=False)
        with contextlib.suppress(KafkaException, RuntimeError):
            self._consumer.close()
