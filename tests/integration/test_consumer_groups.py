"""`consume` in a consumer group, as the tutorial runs it: the group commits only what was
printed, a repeat run reads at once, and a group never joined is an error, not "0 records"."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from confluent_kafka import Consumer, Producer

from tests.support import Cli, KafkaUnderTest, wait_for
from tfl_tui.core.errors import ExitCode

pytestmark = pytest.mark.integration

RECORDS = 30
RUN_SIZE = 7


def fill(broker: KafkaUnderTest, topic: str, count: int = RECORDS) -> None:
    producer = Producer(broker.conf)
    for index in range(count):
        # Keys spread the records over the partitions, as line ids do.
        producer.produce(topic, key=f"line{index % 5}".encode(), value=b'{"n": %d}' % index)
    assert producer.flush(15) == 0


def consume_run(cli: Cli, topic: str, group: str, *extra: str) -> list[tuple[int, int]]:
    """One `consume --json` run; the (partition, offset) of each record it printed, in order."""
    done = cli.run(
        "consume", "--topic", topic, "--group", group, "--json", "--timeout", "5", *extra
    )
    assert done.returncode == ExitCode.OK, done.stderr
    return [
        (record["partition"], record["offset"])
        for record in map(json.loads, done.stdout.splitlines())
    ]


def test_committed_runs_read_the_topic_exactly_once(
    cli: Cli, broker: KafkaUnderTest, topic: str
) -> None:
    fill(broker, topic)
    runs: list[list[tuple[int, int]]] = []
    for _ in range(RECORDS // RUN_SIZE + 2):  # enough runs to read it all, and one more
        runs.append(
            consume_run(cli, topic, topic, "--from", "committed", "--max-messages", str(RUN_SIZE))
        )
    assert [len(run) for run in runs[:-2]] == [RUN_SIZE] * (RECORDS // RUN_SIZE)
    assert runs[-1] == []  # nothing is left: nothing was skipped either (below)
    read = [where for run in runs for where in run]
    assert len(read) == RECORDS == len(set(read))  # every record once: no gap, no repeat
    by_partition: dict[int, list[int]] = {}
    for partition, offset in read:
        by_partition.setdefault(partition, []).append(offset)
    for offsets in by_partition.values():
        assert offsets == list(range(offsets[0], offsets[0] + len(offsets)))  # in order


@pytest.mark.embedded_only
def test_a_second_run_in_the_same_group_reads_at_once(
    cli: Cli, broker: KafkaUnderTest, topic: str
) -> None:
    # The embedded broker used to keep the first run's member for its 45 s session: the second
    # run, given the 30 s a join may take, read nothing and said "consumed 0 records".
    fill(broker, topic)
    first = consume_run(cli, topic, topic, "--from", "committed", "--max-messages", "10")
    second = consume_run(cli, topic, topic, "--from", "committed", "--max-messages", "10")
    assert len(first) == len(second) == 10
    assert not set(first) & set(second)


@pytest.fixture
def member_holding(broker: KafkaUnderTest, topic: str) -> Iterator[str]:
    """A group whose partitions a stuck member holds: it joined, then stopped polling, so it
    never answers the rebalance a newcomer asks for (librdkafka's background heartbeats keep
    its session alive; the group waits for it up to its max.poll.interval.ms of 5 minutes)."""
    fill(broker, topic, count=5)
    member = Consumer({**broker.conf, "group.id": topic, "auto.offset.reset": "earliest"})
    member.subscribe([topic])
    wait_for(lambda: member.poll(0.1) is not None and member.assignment(), "the member's join")
    yield topic
    # Let it answer the rebalance it ignored, so that close() need not wait for one; and never
    # let a close that still hangs in librdkafka hold the test run.
    settle = time.monotonic() + 5
    while time.monotonic() < settle:
        member.poll(0.1)
    closing = threading.Thread(target=member.close, daemon=True)
    closing.start()
    closing.join(10)


@pytest.mark.embedded_only
def test_a_group_never_joined_is_an_error(
    cli: Cli, broker: KafkaUnderTest, topic: str, member_holding: str, tmp_path: Path
) -> None:
    # Not announced, the broker is not known to be the embedded one: the classic protocol, whose
    # rebalance the embedded broker does not finish while the other member holds on.
    done = cli.run(
        "consume",
        "--bootstrap-servers",
        broker.bootstrap_servers,
        "--topic",
        topic,
        "--group",
        member_holding,
        "--timeout",
        "1",
        TFL_TUI_RUNTIME_DIR=str(tmp_path),
    )
    assert done.returncode == ExitCode.KAFKA, done.stderr
    assert "could not join consumer group" in done.stderr
    assert "consumed 0 records" not in done.stderr
    assert "Traceback" not in done.stderr
