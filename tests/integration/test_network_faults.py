"""The network between clients and broker cut and stalled for real, through a TCP proxy.

Tansu advertises the proxy's address, so every byte between tfl-tui and the broker crosses it
(librdkafka's mock broker always advertises itself, which is why this is the Tansu lane's).
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.support import cli_env, run_app, start_producing, tfl_tui_command, until, wait_for
from tests.tansu import TansuBroker, free_port
from tests.tcp_proxy import TcpProxy
from tests.tfl_standin import Answer, TflStandIn
from tfl_tui.app import TflTuiApp
from tfl_tui.core.board import Board
from tfl_tui.core.dashboard_options import DashboardOptions
from tfl_tui.core.kafka_target import KafkaTarget
from tfl_tui.core.records import Record, decode_record
from tfl_tui.tfl.simulator import DemoSource

pytestmark = [pytest.mark.integration, pytest.mark.tansu_only]

POLLS = 40  # distinct TfL answers, one per poll; the last one repeats


@dataclass
class ProxiedKafka:
    tansu: TansuBroker
    proxy: TcpProxy
    workdir: Path  # holds a client.properties that points at the proxy
    runtime_dir: Path

    def demo_producer(self, topic: str, stop_id: str, seed: int) -> subprocess.Popen[str]:
        """`produce --demo` every second through the proxy, as a user would leave it running."""
        return subprocess.Popen(
            tfl_tui_command(
                "produce",
                "--demo",
                "--seed",
                str(seed),
                "--stop",
                stop_id,
                "--interval",
                "1",
                "--topic",
                topic,
                "--flush-timeout",
                "10",
            ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=cli_env(self.runtime_dir),
            cwd=self.workdir,
        )

    def watching_dashboard(self, topic: str, stop_id: str) -> TflTuiApp:
        """A dashboard that only reads (`--no-produce`) the topic through the proxy."""
        conf = {"bootstrap.servers": self.tansu.bootstrap_servers, "socket.timeout.ms": "5000"}
        target = KafkaTarget(conf, "tansu via proxy", embedded=False)
        return TflTuiApp(
            DashboardOptions(target=target, topic=topic, produce=False, stops=[stop_id])
        )

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            tfl_tui_command(*args),
            capture_output=True,
            text=True,
            timeout=120,
            env=cli_env(self.runtime_dir),
            cwd=self.workdir,
            check=False,
        )


@pytest.fixture
def proxied(tmp_path: Path) -> Iterator[ProxiedKafka]:
    listener, advertised = free_port(), free_port()
    proxy = TcpProxy("127.0.0.1", listener, listen_port=advertised)
    with TansuBroker(port=listener, advertised_port=advertised) as tansu:
        # Short timeouts so that a dead connection is noticed within the test's time.
        tansu.write_client_properties(tmp_path / "client.properties", {"socket.timeout.ms": "5000"})
        yield ProxiedKafka(tansu, proxy, tmp_path, tmp_path / "runtime")
    proxy.close()


def numbered_polls(stop_id: str) -> list[list[dict[str, Any]]]:
    """One distinct answer per poll: every prediction id says which poll served it."""
    base = DemoSource(seed=9, clock=lambda: datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
    buses = base.fetch(stop_id)[:5]
    return [[{**bus, "id": f"poll{n}-bus{i}"} for i, bus in enumerate(buses)] for n in range(POLLS)]


def test_cut_and_stall_lose_nothing_and_duplicate_nothing(
    proxied: ProxiedKafka, tfl: TflStandIn, stop_id: str
) -> None:
    polls = numbered_polls(stop_id)
    tfl.script(stop_id, *(Answer.json(poll) for poll in polls))
    topic = f"cut_{stop_id}"
    producer = start_producing(
        proxied.runtime_dir,
        tfl.url,
        stop_id,
        "--topic",
        topic,
        "--flush-timeout",
        "30",
        cwd=proxied.workdir,
    )
    consumer = subprocess.Popen(
        tfl_tui_command(
            "consume", "--json", "--topic", topic, "--timeout", "60", "--group", f"g_{topic}"
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(proxied.runtime_dir),
        cwd=proxied.workdir,
    )

    def polled() -> int:
        return len(tfl.requests_for(stop_id))

    try:
        wait_for(lambda: polled() >= 3, "the first polls")
        proxied.proxy.cut()  # every connection dropped, new ones refused
        cut_at = polled()
        wait_for(lambda: polled() >= cut_at + 3, "polls while cut")
        proxied.proxy.heal()
        wait_for(lambda: polled() >= cut_at + 6, "polls after the cut")
        proxied.proxy.stall()  # connections stay up but nothing gets through
        stall_at = polled()
        wait_for(lambda: polled() >= stall_at + 3, "polls while stalled")
        proxied.proxy.heal()
        wait_for(lambda: polled() >= stall_at + 6, "polls after the stall")
    finally:
        producer.send_signal(signal.SIGTERM)
        _out, produce_err = producer.communicate(timeout=60)

    assert producer.returncode == 0, produce_err
    served_polls = min(polled(), POLLS)
    consumed_out, consume_err = consumer.communicate(timeout=120)
    records = [json.loads(line) for line in consumed_out.splitlines()]
    ids = [r["value"]["id"] for r in records]

    assert len(ids) == len(set(ids)), "a record was delivered twice"
    # Every poll that was answered is on the topic, whole, except perhaps the one the
    # SIGTERM interrupted mid-request.
    for n in range(served_polls - 1):
        for bus in polls[n]:
            assert bus["id"] in ids, f"{bus['id']} is missing ({consume_err[-500:]})"
    # The consumer read each partition without gaps or repeats across the cuts.
    by_partition: dict[int, list[int]] = {}
    for record in records:
        by_partition.setdefault(record["partition"], []).append(record["offset"])
    for offsets in by_partition.values():
        assert offsets == list(range(offsets[0], offsets[0] + len(offsets)))
    assert "produced" in produce_err and "0 still undelivered" in produce_err


def records_read(app: TflTuiApp) -> int:
    return app.status.consumer.total if app.status.consumer else 0


def board_from_topic(proxied: ProxiedKafka, topic: str, now: datetime) -> list[tuple[str, ...]]:
    """The board as a fresh reader of the whole topic would build it."""
    done = proxied.run(
        "consume",
        "--json",
        "--topic",
        topic,
        "--timeout",
        "5",
        "--group",
        f"check_{time.monotonic_ns()}",
    )
    board = Board()
    for line in done.stdout.splitlines():
        item = json.loads(line)
        headers = tuple((k, v.encode()) for k, v in item["headers"].items())
        record = Record(
            topic,
            item["partition"],
            item["offset"],
            item["key"].encode(),
            json.dumps(item["value"]).encode(),
            None,
            headers,
        )
        board.apply(decode_record(record))
    return sorted(row.key for row in board.rows(now))


def test_dashboard_shows_the_cut_and_recovers(proxied: ProxiedKafka, stop_id: str) -> None:
    topic = f"dash_{stop_id}"
    producer = proxied.demo_producer(topic, stop_id, seed=2)
    app = proxied.watching_dashboard(topic, stop_id)
    seen: list[str] = []

    async def scenario(pilot: Pilot[Any]) -> None:
        await until(
            pilot,
            lambda: len(app.board) > 0 and app.status.connection == "connected",
            "a connected board",
        )
        proxied.proxy.cut()
        await until(
            pilot,
            lambda: app.status.connection.startswith("disconnected"),
            "the cut to show",
            timeout=60,
        )
        seen.append(app.status.connection)
        proxied.proxy.heal()
        await until(
            pilot, lambda: app.status.connection == "connected", "the reconnection", timeout=60
        )
        before = records_read(app)
        await until(pilot, lambda: records_read(app) > before, "records after the cut")
        producer.send_signal(signal.SIGTERM)
        _out, err = await asyncio.to_thread(producer.communicate, timeout=60)
        summary = re.search(r"produced (\d+) records: (\d+) delivered", err)
        assert summary is not None and summary[1] == summary[2], err
        await until(
            pilot, lambda: records_read(app) == int(summary[2]), "every record on the board"
        )
        now = app.clock()
        rows = sorted(row.key for row in app.board.rows(now))
        expected = await asyncio.to_thread(board_from_topic, proxied, topic, now)
        assert rows == expected
        await pilot.press("q")
        await until(pilot, lambda: not app.is_running, "the app to exit")

    try:
        run_app(app, scenario)
    finally:
        if producer.poll() is None:
            producer.kill()
            producer.wait()
    assert seen and seen[0].startswith("disconnected")


def test_a_restarted_broker_is_read_again_and_the_lost_records_are_reported(
    proxied: ProxiedKafka, stop_id: str
) -> None:
    topic = f"restart_{stop_id}"
    app = proxied.watching_dashboard(topic, stop_id)
    first = proxied.demo_producer(topic, stop_id, seed=3)
    errors: list[str] = []

    async def scenario(pilot: Pilot[Any]) -> None:
        await until(pilot, lambda: records_read(app) > 0, "records before the restart")
        await asyncio.to_thread(proxied.tansu.kill)
        await until(
            pilot,
            lambda: app.status.connection.startswith("disconnected"),
            "the dead broker to show",
        )
        await asyncio.to_thread(proxied.tansu.start)  # same ports, memory wiped
        # What the first producer could not deliver across the restart must be counted,
        # never dropped in silence.
        first.send_signal(signal.SIGTERM)
        errors.append((await asyncio.to_thread(first.communicate, timeout=60))[1])
        second = proxied.demo_producer(topic, stop_id, seed=4)
        try:
            await until(
                pilot, lambda: app.status.connection == "connected", "the reconnection", timeout=60
            )
            before = records_read(app)
            await until(pilot, lambda: records_read(app) > before, "records from the new broker")
        finally:
            second.send_signal(signal.SIGTERM)
            errors.append((await asyncio.to_thread(second.communicate, timeout=60))[1])
        await pilot.press("q")
        await until(pilot, lambda: not app.is_running, "the app to exit")

    run_app(app, scenario)
    first_summary = re.search(
        r"produced (\d+) records: (\d+) delivered, (\d+) failed, "
        r"(\d+) still undelivered",
        errors[0],
    )
    assert first_summary is not None, errors[0]
    produced, delivered, failed, undelivered = map(int, first_summary.groups())
    assert produced == delivered + failed + undelivered
    # Whether librdkafka could re-establish its idempotent session with the new broker or
    # not, every record is accounted for and the exit code says which it was.
    assert first.returncode == (6 if failed + undelivered else 0)
