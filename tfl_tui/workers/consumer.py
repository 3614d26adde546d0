"""The dashboard's consumer worker: reads every partition, decodes, hands the UI batches.

Every dashboard must see the whole board, so it assigns all partitions itself instead of joining
a consumer group that would split them between dashboards (and joins take seconds). Replay
re-assigns every partition at its beginning. Records are decoded here, off the UI thread, and
handed over in batches at most `batch_interval` apart. What a replay has to read, and when
records are handed over, is decided by a `ReplayTracker` (`core/replay_tracker.py`); this module
does the I/O.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import deque
from collections.abc import Mapping
from typing import Any

from confluent_kafka import (
    OFFSET_BEGINNING,
    OFFSET_END,
    Consumer,
    KafkaException,
    Message,
    TopicPartition,
)
from confluent_kafka import KafkaError as RdKafkaError

from tfl_tui.core.defaults import DEFAULT_RAW_LIMIT
from tfl_tui.core.errors import TflTuiError
from tfl_tui.core.events import (
    ConsumerProgress,
    Failure,
    PartitionState,
    RecordsBatch,
    ReplayStarted,
    TopicAwaited,
)
from tfl_tui.core.lookahead import Lookahead
from tfl_tui.core.poll_headers import PollRefReader
from tfl_tui.core.records import Decoded, decode_record
from tfl_tui.core.replay_tracker import ReplayTracker
from tfl_tui.kafka.client_factory import create_client
from tfl_tui.kafka.client_settings import CONSUMER_DEFAULTS, client_conf
from tfl_tui.kafka.consumer import to_record
from tfl_tui.workers.base import BackgroundWorker, Sink

METADATA_REFRESH_S = 10.0
# Waiting for the next record, at most this long: a replay request waits as long to start.
IDLE_POLL_S = 0.01
CONSUME_BATCH = 2000  # records per consume() call: fewer calls, and it returns what is there
MAX_BATCHES_IN_FLIGHT = 2  # handed to the UI and not yet applied: bounds memory in a replay


class _Window:
    """Counts records for the rate shown in the status bar."""

    def __init__(self) -> None:
        self.total = 0
        self.flagged = 0
        self._start = time.monotonic()
        self._in_window = 0

    def count(self, n: int) -> None:
        self.total += n
        self._in_window += n

    def rate(self, now: float) -> float:
        rate = self._in_window / max(now - self._start, 1e-6)
        self._start, self._in_window = now, 0
        return rate


class ConsumerWorker(BackgroundWorker):
    """Reads every partition of `topic` and hands `sink` decoded batches and progress."""

    source = "consumer"

    def __init__(
        self,
        base: Mapping[str, str],
        topic: str,
        sink: Sink,
        *,
        start: str = "earliest",
        batch_interval: float = 0.1,
        progress_interval: float = 1.0,
        max_batch: int = 500,
        recent_limit: int = DEFAULT_RAW_LIMIT,
    ) -> None:
        super().__init__(sink)
        self._base = dict(base)
        self.topic = topic
        self._start = start
        self._progress_interval = progress_interval
        self._max_batch = max_batch
        self._replay = threading.Event()
        # Replay targets, positions, and when to hand over: asked once per consume() call.
        self._tracker = ReplayTracker(
            batch_interval=batch_interval, max_batch=max_batch, full_batch=CONSUME_BATCH
        )
        self._in_flight = threading.Semaphore(MAX_BATCHES_IN_FLIGHT)
        # Records held back by poll; only those that can still reach the board are decoded.
        self._lookahead: Lookahead[tuple[Message, Any]] = Lookahead()  # with its headers
        self._recent: deque[Message] = deque(maxlen=recent_limit)  # for the raw panel
        self._polls = PollRefReader()  # this thread's: a record's poll is read here, once
        self._topic_awaited = False
        self._end_unreported = False  # a replay has not yet reported reaching its targets

    def request_replay(self) -> None:
        self._replay.set()

    def _run(self) -> None:
        try:
            conf = client_conf(
                self._base,
                CONSUMER_DEFAULTS,
                error_cb=self._on_error,
                extra={
                    # librdkafka wants a group id even though we only assign(), never commit.
                    "group.id": f"tfl-tui-dashboard-{uuid.uuid4().hex[:8]}",
                    "enable.auto.commit": "false",
                    "enable.auto.offset.store": "false",
                    # A position the log no longer has (trimmed by retention, or the topic was
                    # recreated by a restarted broker) restarts at what the log does have.
                    "auto.offset.reset": "earliest",
                },
            )
            consumer = create_client(Consumer, conf)
        except TflTuiError as error:
            self._sink(Failure("consumer", error.message, error.hint, fatal=True))
            return
        try:
            self._loop(consumer)
        except Exception as error:  # noqa: BLE001 - reported to the UI, never a traceback
            self._sink(Failure("consumer", f"consumer stopped: {error}", fatal=True))
        finally:
            consumer.close()

    def _partitions(self, consumer: Consumer) -> list[int] | None:
        try:
            metadata = consumer.list_topics(self.topic, timeout=1.0)
        except KafkaException:
            return None
        topic = metadata.topics.get(self.topic)
        if topic is None or topic.error is not None or not topic.partitions:
            if not self._topic_awaited:  # the broker answered: it is the topic that is not there
                self._topic_awaited = True
                self._sink(TopicAwaited(self.topic))
            return None
        self._connection_back()
        return sorted(topic.partitions)

    def _assign(self, consumer: Consumer, partitions: list[int], offset: int) -> None:
        consumer.assign([TopicPartition(self.topic, p, offset) for p in partitions])

    def _watermarks(self, consumer: Consumer, partition: int, cached: bool) -> tuple[int, int]:
        try:
            low, high = consumer.get_watermark_offsets(
                TopicPartition(self.topic, partition), timeout=1.0, cached=cached
            )
        except KafkaException:
            return -1, -1
        return int(low), int(high)

    def _begin_replay(self, consumer: Consumer, partitions: list[int]) -> None:
        self._lookahead.reset()
        self._recent.clear()
        # Fetching stopped first: a watermark query would wait behind each fetch in flight
        # (fetch.wait.max.ms), about 20 ms a partition.
        consumer.unassign()
        watermarks = {p: self._watermarks(consumer, p, cached=False) for p in partitions}
        self._tracker.begin(watermarks)
        self._end_unreported = True
        self._assign(consumer, partitions, OFFSET_BEGINNING)
        self._sink(ReplayStarted(self._tracker.generation, self._tracker.targets))

    def _loop(self, consumer: Consumer) -> None:
        partitions: list[int] | None = None
        while partitions is None and not self._stop.is_set():
            partitions = self._partitions(consumer)
            if partitions is None:
                # Nothing assigned yet, so this only serves librdkafka's callbacks: a broker
                # that cannot be reached is reported while we wait for the topic.
                consumer.poll(0.5)
        if partitions is None:
            return
        if self._start == "latest":
            self._assign(consumer, partitions, OFFSET_END)
        else:
            self._begin_replay(consumer, partitions)
        stats = _Window()
        started = time.monotonic()
        tracker = self._tracker
        tracker.reset_clock(started)
        next_progress = started + self._progress_interval
        next_metadata = started + METADATA_REFRESH_S
        while not self._stop.is_set():
            if self._replay.is_set():
                self._replay.clear()
                stats = _Window()
                self._begin_replay(consumer, partitions)
            fresh = self._consume(consumer, stats)
            now = time.monotonic()
            # A replay holds records until it has caught up, so that most are replaced by a
            # newer poll, and dropped, before anyone decodes them; live, they go at once.
            due = tracker.hand_over(now, fresh, len(self._lookahead))
            if due is not None:
                if due.records:
                    self._hand_over(stats, due.read, keep=due.keep)
                    if self._end_unreported and not tracker.catching_up():
                        self._end_unreported = False
                        # The replay has read its last record and handed it over: say so now,
                        # not at the next report (the board is redrawn once it is over).
                        next_progress = now
                else:  # catching up: only how far the replay has read
                    self._send([], [], due.read)
            if now >= next_progress:
                next_progress = now + self._progress_interval
                self._report_progress(consumer, partitions, stats.rate(now), stats)
            if now >= next_metadata:
                next_metadata = now + METADATA_REFRESH_S
                partitions = self._add_new_partitions(consumer, partitions)

    def _hand_over(self, stats: _Window, read: int, keep: int = 0) -> None:
        """Decode what the board needs (and, once nothing is kept back, the newest records, for
        the raw panel) and give it to the UI in batches of at most `max_batch`, each once the
        UI has applied all but a few of the earlier ones: memory stays bounded however much
        was held. `read`: records read since the last hand-over."""
        held, polls = self._lookahead.release_with_polls(keep)
        recent: list[Message] = []
        if not keep:
            recent = list(self._recent)
            self._recent.clear()
        starts = range(0, len(held), self._max_batch)
        chunks = [(held[i : i + self._max_batch], polls[i : i + self._max_batch]) for i in starts]
        for index, (chunk, chunk_polls) in enumerate(chunks or [([], [])]):
            batch = [
                decode_record(to_record(message, headers), poll)
                for (message, headers), poll in zip(chunk, chunk_polls, strict=True)
            ]
            flagged = sum(d.problem is not None for d in batch)
            last = index == max(len(chunks) - 1, 0)
            tail = []
            if last and recent:  # the raw panel's records: mostly decoded already, in this chunk
                by_id = {id(message): d for (message, _h), d in zip(chunk, batch, strict=True)}
                for message in recent:
                    found = by_id.get(id(message))
                    if found is None:
                        found = by_id[id(message)] = decode_record(to_record(message))
                        flagged += found.problem is not None
                    tail.append(found)
            stats.flagged += flagged
            if not self._send(batch, tail, read if last else 0):
                return

    def _send(self, records: list[Decoded], recent: list[Decoded], read: int) -> bool:
        while not self._in_flight.acquire(timeout=0.1):
            if self._stop.is_set():
                return False  # the app is gone and will never apply it
        self._sink(
            RecordsBatch(
                records,
                self._tracker.generation,
                recent=recent,
                read=read,
                done=self._in_flight.release,
            )
        )
        return True

    def _consume(self, consumer: Consumer, stats: _Window) -> int:
        """Read what is there (or wait briefly for the next record); returns how many."""
        # What is already fetched, without waiting; else wait for the next record, and only
        # for it: consume(n, timeout) would hold a live record until n came or it timed out.
        messages = consumer.consume(CONSUME_BATCH, 0)
        if not messages:
            first = consumer.poll(IDLE_POLL_S)
            messages = [] if first is None else [first]
        # The hot path of a replay: per record, only its poll headers are read here.
        records = [m for m in messages if m.error() is None]
        if len(records) < len(messages):
            for message in messages:
                error = message.error()
                if error is not None and error.code() != RdKafkaError._PARTITION_EOF:
                    self._on_error(error)
        read = len(records)
        if read:
            headers: list[Any] = [m.headers() for m in records]  # lists of (name, bytes)
            held = list(zip(records, headers, strict=True))
            self._lookahead.extend(held, self._polls.refs(headers))
            self._recent.extend(records)  # keeps only the newest `recent_limit`
            self._connection_back()
            # Within a partition records come in order: the last one of each is its position.
            self._tracker.read(read, {m.partition() or 0: (m.offset() or 0) + 1 for m in records})
        stats.count(read)
        return read

    def _add_new_partitions(self, consumer: Consumer, partitions: list[int]) -> list[int]:
        """Partitions added to the topic while we run are read from their beginning."""
        grown = self._partitions(consumer)
        if grown is None or grown == partitions:
            return partitions
        new = [p for p in grown if p not in partitions]
        consumer.incremental_assign([TopicPartition(self.topic, p, OFFSET_BEGINNING) for p in new])
        return grown

    def _report_progress(
        self, consumer: Consumer, partitions: list[int], rate: float, stats: _Window
    ) -> None:
        states = []
        highs: dict[int, int] = {}  # as the last fetch had them: they confirm the targets
        for partition in partitions:
            low, high = self._watermarks(consumer, partition, cached=True)
            position = self._tracker.position(partition, max(low, 0))
            states.append(PartitionState(partition, position, max(low, 0), max(high, position)))
            highs[partition] = high
        progress = self._tracker.tick(highs)
        self._sink(
            ConsumerProgress(
                states,
                rate,
                progress.replaying,
                stats.total,
                stats.flagged,
                progress.targets,
                unread=self._lookahead.dropped,
            )
        )
