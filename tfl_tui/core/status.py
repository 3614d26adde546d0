"""The dashboard's status, folded from worker events and rendered as text. Pure module."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from tfl_tui.core.board import format_age
from tfl_tui.core.events import (
    BrokerReady,
    Connection,
    ConsumerProgress,
    Failure,
    Notice,
    PollOutcome,
    ProducerStats,
    ReplayStarted,
    TopicAwaited,
)
from tfl_tui.core.text import counted


@dataclass
class Status:
    topic: str
    broker: str = "starting…"
    producing: bool = True
    kafka_problem: str | None = None  # set while a worker reports the broker unreachable
    last_failure: str | None = None
    last_notice: str | None = None
    topic_awaited: bool = False  # the broker answered; the topic is not there yet
    polls: dict[str, PollOutcome] = field(default_factory=dict)
    producer: ProducerStats | None = None
    consumer: ConsumerProgress | None = None
    replay_generation: int = 0
    replay_targets: dict[int, int] = field(default_factory=dict)
    replay_done: bool = True
    _down: dict[str, str] = field(default_factory=dict)  # source -> what it reported
    _progress_since_replay: bool = False

    def forget_stops(self, stop_ids: Iterable[str]) -> None:
        """Stops no longer watched: their last polls leave the status too."""
        for stop_id in stop_ids:
            self.polls.pop(stop_id, None)

    def apply(self, event: object) -> None:
        match event:
            case BrokerReady(description=description):
                self.broker = description
            case Connection(source=source, connected=connected, detail=detail):
                # Disconnected while any source is down, with the latest down source's detail.
                self._down.pop(source, None)
                if not connected:
                    self._down[source] = detail or f"{source} lost the broker"
                self.kafka_problem = next(reversed(self._down.values()), None)
            case Failure(message=message):
                self.last_failure = message
            case Notice(message=message):
                self.last_notice = message
            case TopicAwaited():
                self.topic_awaited = True
            case PollOutcome(stop_id=stop_id):
                self.polls[stop_id] = event
            case ProducerStats():
                self.producer = event
            case ConsumerProgress(replaying=replaying):
                self.consumer = event
                self.topic_awaited = False
                self._progress_since_replay = True
                if event.replay_targets:
                    self.replay_targets = event.replay_targets
                if not replaying:
                    self.replay_done = True
            case ReplayStarted(generation=generation, targets=targets):
                self.replay_generation = generation
                self.replay_targets = targets
                self.replay_done = not any(targets.values())
                # Positions reported before the replay are not progress of this replay.
                self._progress_since_replay = False

    @property
    def connection(self) -> str:
        if self.kafka_problem:
            return f"disconnected: {self.kafka_problem}"
        if self.consumer is None and not (self.replay_generation or self.topic_awaited):
            return "connecting…"  # a replay starts only once the broker has answered
        return "connected"

    def poll_lines(self, now: datetime) -> list[str]:
        return [self.poll_line(outcome, now) for outcome in self.polls.values()]

    @staticmethod
    def poll_line(outcome: PollOutcome, now: datetime) -> str:
        """The last poll of one stop: what it found, or its error and backoff; and its age."""
        age = format_age((now - outcome.at).total_seconds())
        if outcome.error:
            retry = ""
            if outcome.retry_in is not None:
                left = (outcome.at - now).total_seconds() + outcome.retry_in
                retry = f"; retrying in {left:.0f}s" if left >= 1 else "; retrying…"
            return f"{outcome.error} ({age}{retry})"
        skipped = f", {outcome.rejected} skipped" if outcome.rejected else ""
        return f"{outcome.label}: {outcome.count} buses{skipped} ({age})"

    def producer_line(self) -> str:
        if not self.producing:
            return "producer: off (--no-produce)"
        stats = self.producer
        if stats is None:
            return "producer: first poll under way…"
        next_poll = (
            f" · next poll in {stats.next_poll_in:.0f}s" if stats.next_poll_in is not None else ""
        )
        failed = f", {stats.failed} failed" if stats.failed else ""
        source = "demo feed" if stats.source == "demo" else "TfL"
        return f"producer ({source}): {stats.delivered} delivered{failed}{next_poll}"

    def consumer_line(self) -> str:
        progress = self.consumer
        if progress is None:
            return "consumer: waiting for the topic…"
        parts = " ".join(
            f"p{p.partition}@{p.position:,}" + (f"(lag {p.lag:,})" if p.lag else "")
            for p in progress.partitions
        )
        flagged = f" · {progress.flagged} flagged" if progress.flagged else ""
        # A replay skips what a newer complete poll replaces; say so, it explains the counts.
        unread = f" ({progress.unread:,} replaced, not decoded)" if progress.unread else ""
        return (
            f"consumer: {progress.records_per_s:,.0f} rec/s · {progress.total:,} read{unread}"
            f"{flagged} · {parts}"
        )

    # -- in plain words: what a commuter reads -------------------------------------------------

    def people_line(self, now: datetime, stops: int) -> str:
        """How the stops are doing: "2 stops · updated 7s ago · 1 stop failing: …"."""
        if not self.producing:
            return f"watching topic {self.topic} (not polling TfL: --no-produce)"
        parts = [counted(stops, "stop")]
        succeeded = [o.at for o in self.polls.values() if not o.error]
        if succeeded:
            parts.append(f"updated {format_age((now - max(succeeded)).total_seconds())}")
        elif not self.polls:
            parts.append("first poll under way…")
        failing = [o for o in self.polls.values() if o.error]
        if failing:
            count = len(failing)
            parts.append(f"{counted(count, 'stop')} failing: {failing[0].error}")
        return " · ".join(parts)

    def pipeline_line(self) -> str:
        """Kafka in one line: "Kafka: connected · 4 partitions · caught up · 42 delivered"
        (or "1,204 behind": records on the topic not read yet)."""
        parts = [f"Kafka: {self.connection}"]
        if self.topic_awaited and not self.kafka_problem:
            parts.append(f"waiting for topic {self.topic}")
        progress = self.consumer
        if progress is not None and not self.kafka_problem:
            count = len(progress.partitions)
            behind = sum(p.lag for p in progress.partitions)
            parts.append(counted(count, "partition"))
            caught_up = behind == 0 and self.replay_done
            parts.append("caught up" if caught_up else f"{behind:,} behind")
        stats = self.producer
        if stats is not None:
            failed = f" ({stats.failed} failed)" if stats.failed else ""
            parts.append(f"{stats.delivered:,} delivered{failed}")
            if stats.next_poll_in is not None:
                parts.append(f"next poll in {stats.next_poll_in:.0f}s")
        return " · ".join(parts)

    def _replay_partitions(self) -> list[tuple[int, int, int, int]] | None:
        """(partition, low, read, target) of each partition a replay catches up on, in
        partition order; None once it has caught up."""
        if self.replay_done or not self.replay_targets:
            return None
        states = {}
        if self.consumer is not None and self._progress_since_replay:
            states = {p.partition: p for p in self.consumer.partitions}
        found = []
        for partition, target in sorted(self.replay_targets.items()):
            state = states.get(partition)
            low = state.low if state is not None else 0
            read = max(0, min(state.position, target) - low) if state is not None else 0
            found.append((partition, low, read, target))
        return found

    def replay_progress(self) -> tuple[int, int] | None:
        """(records read, records to read) while a replay catches up; None once it has."""
        partitions = self._replay_partitions()
        if partitions is None:
            return None
        done = sum(read for _p, _low, read, _target in partitions)
        total = sum(max(0, target - low) for _p, low, _read, target in partitions)
        return done, total

    # -- the detail, for those who know Kafka ----------------------------------------------

    def replay_line(self) -> str | None:
        """Per-partition progress while a replay catches up; None once caught up."""
        partitions = self._replay_partitions()
        if partitions is None:
            return None
        parts = []
        for partition, low, read, target in partitions:
            share = 100 if target <= low else int(100 * read / (target - low))
            parts.append(f"p{partition} {share}%")
        return "replaying from earliest: " + " · ".join(parts)
