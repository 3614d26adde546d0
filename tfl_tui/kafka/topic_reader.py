"""Read a whole topic once, to the end of each partition, from a moment where the broker can
seek by time: what `tfl-tui board --at`, `history` and time travel need.

Every partition is assigned (no group, nothing committed). A start by time uses Kafka's
`offsets_for_times`; a broker that answers it with offsets outside the partition (the embedded
one does) is read from the beginning instead, and the reader says which it did.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaException, TopicPartition
from confluent_kafka import KafkaError as RdKafkaError

from tfl_tui.core.errors import KafkaError
from tfl_tui.core.records import Record
from tfl_tui.kafka.client_factory import create_client
from tfl_tui.kafka.client_settings import CONSUMER_DEFAULTS, client_conf
from tfl_tui.kafka.consumer import to_record

BATCH = 2000


class TopicReader:
    def __init__(
        self, base: Mapping[str, str], topic: str, *, timeout: float, error_cb: Any = None
    ) -> None:
        self.topic = topic
        self.timeout = timeout
        conf = client_conf(
            base,
            CONSUMER_DEFAULTS,
            error_cb=error_cb,
            extra={
                "group.id": f"tfl-tui-board-{uuid.uuid4().hex[:8]}",
                "enable.auto.commit": "false",
                "enable.auto.offset.store": "false",
                "auto.offset.reset": "earliest",
                # The end of each partition is told as an event: high watermarks do not say it
                # on every broker (Tansu counts a compressed batch as one offset).
                "enable.partition.eof": "true",
            },
        )
        self._consumer = create_client(Consumer, conf)
        self.by_time = False  # True once a start by time was honoured
        self.read = 0  # records read
        self.partitions: list[int] = []

    def close(self) -> None:
        self._consumer.close()

    def partition_ids(self) -> list[int]:
        """The topic's partitions (raises KafkaError when it cannot be read)."""
        return self._partitions()

    def _partitions(self) -> list[int]:
        try:
            metadata = self._consumer.list_topics(self.topic, timeout=self.timeout)
        except KafkaException as error:
            raise KafkaError(
                f"cannot reach Kafka within {self.timeout:g}s: {error.args[0].str()}",
                hint="is the broker running? start one with `tfl-tui broker`, or check --config",
            ) from None
        found = metadata.topics.get(self.topic)
        if found is None or found.error is not None or not found.partitions:
            raise KafkaError(
                f"topic {self.topic!r} does not exist (yet)",
                hint="fill it with `tfl-tui produce` (or `produce --demo --backfill 3h`)",
            )
        return sorted(found.partitions)

    def _starts(
        self, partitions: list[int], marks: dict[int, tuple[int, int]], since: datetime | None
    ) -> dict[int, int]:
        beginning = {p: OFFSET_BEGINNING for p in partitions}
        if since is None:
            return beginning
        stamp = int(since.timestamp() * 1000)
        try:
            found = self._consumer.offsets_for_times(
                [TopicPartition(self.topic, p, stamp) for p in partitions], timeout=self.timeout
            )
        except KafkaException:
            return beginning
        starts: dict[int, int] = {}
        for tp in found:
            low, high = marks[tp.partition]
            offset = high if tp.offset == -1 else tp.offset  # -1: nothing that recent
            if tp.error is not None or not low <= offset <= high:
                return beginning  # an answer that is no offset of this partition
            # Trust, but check: the record before the start must be older, the one at it
            # not (the embedded broker answers with offsets that are neither).
            before = self._time_at(tp.partition, offset - 1) if offset > low else None
            at = self._time_at(tp.partition, offset) if offset < high else None
            if (before is not None and before >= stamp) or (at is not None and at < stamp):
                return beginning
            starts[tp.partition] = offset
        self.by_time = True
        return starts

    def _time_at(self, partition: int, offset: int) -> int | None:
        """The timestamp (ms) of the record at `offset`, or None when it cannot be read."""
        self._consumer.assign([TopicPartition(self.topic, partition, offset)])
        deadline = time.monotonic() + self.timeout
        try:
            while time.monotonic() < deadline:
                message = self._consumer.poll(0.2)
                if message is None or message.error() is not None:
                    continue
                if message.partition() == partition and (message.offset() or 0) >= offset:
                    _kind, stamp = message.timestamp()
                    return int(stamp) if stamp and stamp > 0 else None
            return None
        finally:
            self._consumer.unassign()

    def records(
        self,
        since: datetime | None = None,
        stop: threading.Event | None = None,
        on_end: Callable[[int], None] | None = None,
    ) -> Iterator[Record]:
        """Every record up to the end of each partition (from `since`, where the broker can
        seek by time); `stop` set ends it early (the app quits). `on_end` is told of each
        partition read to its end."""
        partitions = self._partitions()
        marks: dict[int, tuple[int, int]] = {}
        for p in partitions:
            low, high = self._consumer.get_watermark_offsets(
                TopicPartition(self.topic, p), timeout=self.timeout
            )
            marks[p] = (int(low), int(high))
        starts = self._starts(partitions, marks, since)
        self.partitions = partitions
        ended = on_end or (lambda _partition: None)
        left = set(partitions)  # until each says it has reached its end
        self._consumer.assign([TopicPartition(self.topic, p, starts[p]) for p in partitions])
        idle_since = time.monotonic()
        while left and not (stop is not None and stop.is_set()):
            # A short wait: the last batch of a partition is smaller than BATCH.
            batch = self._consumer.consume(BATCH, 0.02)
            if not batch:
                if time.monotonic() - idle_since > max(self.timeout, 10.0):
                    raise KafkaError(
                        f"reading {self.topic!r} stalled: nothing came for "
                        f"{max(self.timeout, 10.0):g}s",
                        hint="is the broker still running?",
                    )
                continue
            idle_since = time.monotonic()
            for message in batch:
                partition = message.partition() or 0
                error = message.error()
                if error is not None:
                    if error.code() == RdKafkaError._PARTITION_EOF and partition in left:
                        left.discard(partition)
                        ended(partition)
                    continue
                if partition in left:
                    self.read += 1
                    yield to_record(message)
