"""The dashboard status: worker events folded in, rendered as the status bar's lines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.unit.factories import TOPIC, WATERLOO, WATERLOO_NAME
from tfl_tui.core.events import (
    BrokerReady,
    Connection,
    ConsumerProgress,
    Failure,
    PartitionState,
    PollOutcome,
    ProducerStats,
    ReplayStarted,
    TopicAwaited,
)
from tfl_tui.core.status import Status

NOW = datetime(2026, 11, 25, 8, 30, tzinfo=UTC)
ELSEWHERE = "490008660N"
UNREACHABLE = "Local: Broker transport failure"


def status_after(*events: object) -> Status:
    status = Status(TOPIC)
    for event in events:
        status.apply(event)
    return status


def progress(*positions: tuple[int, int], replaying: bool = False) -> ConsumerProgress:
    """Consumer progress with (position, high watermark) for partitions 0, 1, …"""
    states = [PartitionState(p, position, 0, high) for p, (position, high) in enumerate(positions)]
    return ConsumerProgress(states, 12.0, replaying, total=sum(s for s, _ in positions), flagged=0)


def test_a_new_status_is_starting() -> None:
    status = Status(TOPIC)
    assert (status.broker, status.connection) == ("starting…", "connecting…")
    assert status.producer_line() == "producer: first poll under way…"
    assert status.consumer_line() == "consumer: waiting for the topic…"
    assert status.poll_lines(NOW) == []
    assert status.replay_line() is None


def test_broker_ready_sets_the_broker_text() -> None:
    ready = BrokerReady("embedded broker at 127.0.0.1:40123 (in-memory)", embedded=True)
    assert status_after(ready).broker == "embedded broker at 127.0.0.1:40123 (in-memory)"


def test_a_failure_is_kept_for_the_user() -> None:
    failure = Failure("producer", "cannot reach the broker", hint="is it running?")
    assert status_after(failure).last_failure == "cannot reach the broker"


# --- connection: disconnected while any worker says so -----------------------------------


def connection_after(*events: object) -> str:
    return status_after(progress((0, 0)), *events).connection


def test_connected_once_the_consumer_reports_progress() -> None:
    assert connection_after() == "connected"


def test_one_source_down_is_disconnected_with_its_detail() -> None:
    down = Connection("producer", connected=False, detail=UNREACHABLE)
    assert connection_after(down) == f"disconnected: {UNREACHABLE}"


@pytest.mark.parametrize("first_back", ["producer", "consumer"])
def test_disconnected_until_both_sources_are_back(first_back: str) -> None:
    both_down = [
        Connection("producer", connected=False, detail="producer: " + UNREACHABLE),
        Connection("consumer", connected=False, detail="consumer: " + UNREACHABLE),
    ]
    still_down = "consumer" if first_back == "producer" else "producer"
    one_back = Connection(first_back, connected=True, detail="broker reachable")
    assert connection_after(*both_down, one_back) == f"disconnected: {still_down}: {UNREACHABLE}"
    other_back = Connection(still_down, connected=True, detail="reconnected")
    assert connection_after(*both_down, one_back, other_back) == "connected"


def test_a_source_reporting_down_twice_needs_one_up() -> None:
    down = Connection("consumer", connected=False, detail=UNREACHABLE)
    assert connection_after(down, down, Connection("consumer", connected=True)) == "connected"


def test_a_source_down_without_detail_still_reads_disconnected() -> None:
    assert connection_after(Connection("consumer", connected=False)).startswith("disconnected")


# --- polls -------------------------------------------------------------------------------


def test_poll_lines_show_each_stop_with_its_age() -> None:
    status = status_after(
        PollOutcome(WATERLOO, f"{WATERLOO_NAME} (W)", at=NOW, count=4),
        PollOutcome(ELSEWHERE, ELSEWHERE, at=NOW - timedelta(seconds=50), count=3, rejected=2),
    )
    assert status.poll_lines(NOW + timedelta(seconds=12)) == [
        f"{WATERLOO_NAME} (W): 4 buses (12s ago)",
        f"{ELSEWHERE}: 3 buses, 2 skipped (1m ago)",
    ]


FAILED_503 = f"stop {WATERLOO}: TfL answered HTTP 503: 57 bytes of text/html"


def test_a_failed_poll_replaces_the_stops_last_success() -> None:
    status = status_after(
        PollOutcome(WATERLOO, f"{WATERLOO_NAME} (W)", at=NOW, count=4),
        PollOutcome(WATERLOO, WATERLOO, at=NOW + timedelta(seconds=30), error=FAILED_503),
    )
    assert status.poll_lines(NOW + timedelta(minutes=2)) == [f"{FAILED_503} (1m ago)"]


def test_a_poll_backing_off_says_when_it_retries() -> None:
    status = status_after(
        PollOutcome(WATERLOO, WATERLOO, at=NOW, error=FAILED_503, retry_in=8.0),
    )
    assert status.poll_lines(NOW + timedelta(seconds=3)) == [
        f"{FAILED_503} (3s ago; retrying in 5s)"
    ]
    assert status.poll_lines(NOW + timedelta(seconds=9)) == [f"{FAILED_503} (9s ago; retrying…)"]


# --- producer and consumer lines ---------------------------------------------------------


@pytest.mark.parametrize(
    ("stats", "line"),
    [
        (
            ProducerStats(12, 12, 0, 25.4, "demo"),
            "producer (demo feed): 12 delivered · next poll in 25s",
        ),
        (
            ProducerStats(12, 10, 2, 3.0, "tfl"),
            "producer (TfL): 10 delivered, 2 failed · next poll in 3s",
        ),
        (ProducerStats(0, 0, 0, None, "tfl"), "producer (TfL): 0 delivered"),
    ],
)
def test_producer_line(stats: ProducerStats, line: str) -> None:
    assert status_after(stats).producer_line() == line


def test_producer_line_when_not_producing() -> None:
    status = Status(TOPIC, producing=False)
    assert status.producer_line() == "producer: off (--no-produce)"


@pytest.mark.parametrize(
    ("flagged", "line"),
    [
        (0, "consumer: 1,234 rec/s · 12,345 read · p0@12,000 p1@345(lag 5)"),
        (3, "consumer: 1,234 rec/s · 12,345 read · 3 flagged · p0@12,000 p1@345(lag 5)"),
    ],
)
def test_consumer_line_shows_lag_only_when_behind(flagged: int, line: str) -> None:
    partitions = [PartitionState(0, 12_000, 0, 12_000), PartitionState(1, 345, 0, 350)]
    event = ConsumerProgress(partitions, 1234.4, replaying=False, total=12_345, flagged=flagged)
    assert status_after(event).consumer_line() == line


# --- replay ------------------------------------------------------------------------------

REPLAY = ReplayStarted(generation=1, targets={0: 200, 1: 50, 2: 0})


def test_replay_progress_per_partition_until_caught_up() -> None:
    status = status_after(REPLAY)
    assert not status.replay_done
    assert status.replay_line() == "replaying from earliest: p0 0% · p1 0% · p2 100%"
    status.apply(progress((50, 200), (60, 60), (0, 0), replaying=True))
    assert status.replay_line() == "replaying from earliest: p0 25% · p1 100% · p2 100%"
    status.apply(progress((200, 200), (60, 60), (0, 0)))
    assert status.replay_done
    assert status.replay_line() is None


@pytest.mark.parametrize("targets", [{}, {0: 0, 1: 0}], ids=["no partitions", "empty topic"])
def test_a_replay_of_nothing_is_done_at_once(targets: dict[int, int]) -> None:
    status = status_after(ReplayStarted(generation=2, targets=targets))
    assert status.replay_done
    assert status.replay_generation == 2
    assert status.replay_line() is None


def test_consumer_line_says_how_many_records_a_replay_left_undecoded() -> None:
    partitions = [PartitionState(0, 12_000, 0, 12_000)]
    event = ConsumerProgress(partitions, 0.0, False, 12_000, 0, unread=11_500)
    assert status_after(event).consumer_line() == (
        "consumer: 0 rec/s · 12,000 read (11,500 replaced, not decoded) · p0@12,000"
    )


# --- in plain words ----------------------------------------------------------------------


def test_people_line_says_how_the_stops_are_doing() -> None:
    assert status_after().people_line(NOW, stops=1) == "1 stop · first poll under way…"
    fresh = PollOutcome(WATERLOO, WATERLOO_NAME, NOW - timedelta(seconds=4), count=3)
    assert status_after(fresh).people_line(NOW, stops=1) == "1 stop · updated 4s ago"
    failing = PollOutcome(ELSEWHERE, ELSEWHERE, NOW, error="TfL does not know this stop")
    assert status_after(fresh, failing).people_line(NOW, stops=2) == (
        "2 stops · updated 4s ago · 1 stop failing: TfL does not know this stop"
    )


def test_people_line_without_polling() -> None:
    status = Status(TOPIC, producing=False)
    assert (
        status.people_line(NOW, stops=1)
        == f"watching topic {TOPIC} (not polling TfL: --no-produce)"
    )


def test_pipeline_line_speaks_of_kafka_in_one_line() -> None:
    assert status_after().pipeline_line() == "Kafka: connecting…"
    stats = ProducerStats(produced=9, delivered=8, failed=1, next_poll_in=22.4, source="demo")
    status = status_after(progress((5, 7), (3, 3)), stats)
    assert status.pipeline_line() == (
        "Kafka: connected · 2 partitions · 2 behind · 8 delivered (1 failed) · next poll in 22s"
    )
    assert status_after(progress((7, 7))).pipeline_line() == (
        "Kafka: connected · 1 partition · caught up"
    )
    down = status_after(progress((5, 7)), Connection("consumer", connected=False, detail="gone"))
    assert down.pipeline_line() == "Kafka: disconnected: gone"


def test_replay_progress_is_one_count_of_records() -> None:
    started = ReplayStarted(generation=1, targets={0: 100, 1: 50})
    status = status_after(started)
    assert status.replay_progress() == (0, 150)
    status.apply(progress((40, 100), (50, 50), replaying=True))
    assert status.replay_progress() == (90, 150)
    status.apply(progress((100, 100), (50, 50)))
    assert status.replay_progress() is None


def test_a_started_replay_means_the_broker_answered() -> None:
    status = status_after(ReplayStarted(generation=1, targets={0: 10}))
    assert status.connection == "connected"  # not "connecting…" beside a replay in progress


def test_a_missing_topic_is_said_not_taken_for_a_missing_broker() -> None:
    status = status_after(TopicAwaited(TOPIC))
    assert status.pipeline_line() == f"Kafka: connected · waiting for topic {TOPIC}"
    status.apply(progress((0, 3)))
    assert "waiting for topic" not in status.pipeline_line()
