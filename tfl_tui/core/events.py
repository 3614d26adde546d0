"""What the background workers tell the dashboard. Plain data: no Textual, no Kafka.

Workers hand these to a sink (the app wraps them in one Textual message and posts it, which
is thread-safe); the UI never learns about threads and workers never touch widgets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from tfl_tui.core.records import Decoded


@dataclass(frozen=True)
class BrokerReady:
    description: str  # safe to show, e.g. "embedded broker at 127.0.0.1:PORT (in-memory…)"
    embedded: bool


@dataclass(frozen=True)
class Failure:
    """A worker could not go on (or could not start); `message` is for the user."""

    source: str  # "broker", "producer", "consumer"
    message: str
    hint: str | None = None
    fatal: bool = False


@dataclass(frozen=True)
class Notice:
    """Something the user should know that is not a failure (e.g. a stretched interval)."""

    source: str
    message: str


@dataclass(frozen=True)
class TopicAwaited:
    """The broker answers, but the topic does not exist yet (nothing produced to it)."""

    topic: str


@dataclass(frozen=True)
class Connection:
    """Kafka connectivity as one worker sees it."""

    source: str
    connected: bool
    detail: str = ""


@dataclass(frozen=True)
class RecordsBatch:
    records: list[Decoded]  # what the board needs, in topic order
    generation: int  # bumps at each replay, so a batch from before a replay can be dropped
    # The newest records read, for the raw panel (often the same objects as `records`).
    recent: list[Decoded] = field(default_factory=list)
    read: int = 0  # records read since the previous batch, those not decoded included
    # Called once the batch is applied: the consumer stays at most a few batches ahead of the
    # UI, so a replay cannot pile up decoded records in memory faster than they are folded.
    done: Callable[[], None] = field(default=lambda: None, compare=False, repr=False)


@dataclass(frozen=True)
class ReplayStarted:
    generation: int
    targets: dict[int, int]  # partition -> high watermark to reach


@dataclass(frozen=True)
class PartitionState:
    partition: int
    position: int  # next offset to read
    low: int
    high: int

    @property
    def lag(self) -> int:
        return max(0, self.high - self.position)


@dataclass(frozen=True)
class ConsumerProgress:
    partitions: list[PartitionState]
    records_per_s: float
    replaying: bool  # a replay is still catching up
    total: int  # records consumed since start (or since the last replay)
    flagged: int
    replay_targets: dict[int, int] = field(default_factory=dict)  # while replaying
    unread: int = 0  # since the replay began: replaced by a newer poll before being decoded


@dataclass(frozen=True)
class PollOutcome:
    stop_id: str
    label: str
    at: datetime
    count: int = 0
    rejected: int = 0
    error: str | None = None
    hint: str | None = None
    tfl_unreachable: bool = False  # DNS/connection failure: offer the demo feed
    retry_in: float | None = None  # set while the producer backs off before trying again


@dataclass(frozen=True)
class ProducerStats:
    produced: int
    delivered: int
    failed: int
    next_poll_in: float | None
    source: str  # "tfl" or "demo"


@dataclass(frozen=True)
class ProducerStopped:
    produced: int
    delivered: int
    failed: int
    undelivered: int
    notes: list[str] = field(default_factory=list)
