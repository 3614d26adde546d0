"""Live latency: a record produced → its row on the real dashboard's board (target p99 < 250 ms).

    python benchmarks/latency.py                                  # 300 records at 20 records/s
    python benchmarks/latency.py --records 20
    python benchmarks/latency.py --bootstrap-servers HOST:PORT --topic T --rate 50

Without --bootstrap-servers it starts the embedded broker (`tfl-tui broker`, its own process).
The real dashboard runs headless in this process (`run_test`, no producer of its own, reading
from the latest offset). A separate producer process publishes through the real
`ArrivalsProducer` (lz4, linger.ms=20, acks=all, idempotent) at a steady rate:

- first warm-up records, until one shows on the board: the dashboard's consumer is assigned and
  reading, and the producer is connected (its idempotent id acquired);
- then the probes: each is a DemoSource prediction (every field valid, due in 3 minutes) with a
  unique destination `Latency 000123`, sent as a complete one-record poll of one of 20 stops in
  turn: every probe adds a new row and replaces the previous probe of its stop, so the board
  keeps the size of a board watching a handful of stops.

The producer notes each probe's wall time (`time.time()`) just before `publish()` and reports
them when it is done. The app notes the wall time at which each probe's row is first in the
board table (after `render_all()`, i.e. `BoardTable.show()`, put it there). Latency is the
difference: linger, the broker, the consumer's fetch wait and its 100 ms batching, the hop to
the UI thread and the board's 0.1 s render throttle are all in it, as a user would see them.
The log also splits it into stages (up to the consumer worker handing the batch to the app, up to
the app folding it, up to the board showing it) and gives the time until the screen was next
repainted after that.

Every probe must show within the run plus a grace period (--grace), or it fails with an error
and exit code 1. Its last line on stdout is one JSON object: records, produced, seen,
latency_ms_p50/p90/p99/max, target_ms_p99, met (p99 < target), stages_ms (per stage p50, p90,
p99, max), painted_ms_p99, board_rows, render_ms_p50/max (the app's render_all()),
gc_full_collections and gc_pause_ms_max (in the dashboard process while probing), machine.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import gc
import json
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, Broker, embedded_broker, emit, log, machine

import tfl_tui.app
from tfl_tui.app import TflTuiApp
from tfl_tui.core.dashboard_options import DashboardOptions
from tfl_tui.core.errors import TflTuiError
from tfl_tui.core.events import RecordsBatch
from tfl_tui.core.kafka_target import KafkaTarget
from tfl_tui.core.polling import Snapshot
from tfl_tui.tfl.prediction import format_tfl_time
from tfl_tui.widgets.board_table import BoardTable

SCRIPT = str(Path(__file__).resolve())
DEFAULT_TOPIC = "london_transport_latency"
TARGET_P99_MS = 250.0
PROBE_PREFIX = "Latency "
# Probes take turns over this many stops: a board of a few dozen rows, as with a handful of real
# stops, not one that grows by a row per probe.
PROBE_STOPS = 20
WARMUP_PREFIX = "Warmup "
WARMUP_EVERY_S = 0.25  # a warm-up record this often until the dashboard shows one
WARMUP_TIMEOUT_S = 60.0
DUE_IN = timedelta(minutes=3)  # probes are buses due in 3 minutes: on the board all run long
TEMPLATE_STOP = "490000254W"


# -- the producer process -----------------------------------------------------------------


def _prediction(template: dict[str, Any], stop_id: str, destination: str) -> dict[str, Any]:
    """A valid TfL prediction, due in DUE_IN, going to `destination` from `stop_id`."""
    now = datetime.now(UTC)
    expected = (now + DUE_IN).replace(microsecond=0)
    item = copy.deepcopy(template)
    item.update(
        id=f"{stop_id}-{destination}",
        naptanId=stop_id,
        destinationName=destination,
        timestamp=format_tfl_time(now),
        timeToStation=int((expected - now).total_seconds()),
        expectedArrival=format_tfl_time(expected, 0),
        timeToLive=format_tfl_time(expected + timedelta(seconds=30), 0),
    )
    return item


def _snapshot(template: dict[str, Any], stop_id: str, seq: int, destination: str) -> Snapshot:
    """A complete poll of `stop_id` with one prediction (its headers say snapshot_size=1)."""
    item = _prediction(template, stop_id, destination)
    return Snapshot(stop_id, seq, datetime.now(UTC), "latency-bench", [item])


def produce_phase(bootstrap: str, topic: str, records: int, rate: float, run_id: str) -> None:
    """Warm up until stdin says go, then publish `records` probes at `rate` records/s."""
    from tfl_tui.kafka.producer import ArrivalsProducer
    from tfl_tui.tfl.simulator import DemoSource

    template = DemoSource(seed=1).fetch(TEMPLATE_STOP)[0]
    producer = ArrivalsProducer({"bootstrap.servers": bootstrap}, topic)
    go = threading.Event()

    def wait_for_go() -> None:
        if sys.stdin.readline().strip() == "go":
            go.set()

    threading.Thread(target=wait_for_go, daemon=True).start()
    warmup_stop = f"LAT-{run_id}-warmup"
    deadline = time.monotonic() + WARMUP_TIMEOUT_S
    warmups = 0
    while not go.is_set():
        if time.monotonic() > deadline:
            raise SystemExit(f"producer: no go within {WARMUP_TIMEOUT_S:g} s of warm-up")
        warmups += 1
        # Polls of one stop, each complete: every warm-up replaces the one before.
        producer.publish(_snapshot(template, warmup_stop, warmups, f"{WARMUP_PREFIX}{warmups:04d}"))
        go.wait(WARMUP_EVERY_S)
    producer.flush(10)

    produced_at: list[float] = []
    behind = 0.0
    started = time.monotonic()
    for index in range(records):
        delay = started + index / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)  # the steady rate
        behind = max(behind, -delay)
        stop, seq = f"LAT-{run_id}-{index % PROBE_STOPS:02d}", index // PROBE_STOPS + 1
        snapshot = _snapshot(template, stop, seq, f"{PROBE_PREFIX}{index:06d}")
        produced_at.append(time.time())
        producer.publish(snapshot)
    left = producer.flush(30)
    emit(
        {
            "warmups": warmups,
            "probes": len(produced_at),
            "produced": producer.produced,  # warm-ups and probes
            "delivered": producer.delivered,
            "failed": producer.failed,
            "undelivered": left,
            "behind_schedule_ms": round(behind * 1000, 1),
            "produced_at": produced_at,
        }
    )


# -- the dashboard, instrumented --------------------------------------------------------------


@dataclass
class Observations:
    """Wall times (time.time()) per probe destination, as the app saw them."""

    handed: dict[str, float] = field(default_factory=dict)  # consumer posted its batch
    folded: dict[str, float] = field(default_factory=dict)  # the app folded that batch
    shown: dict[str, float] = field(default_factory=dict)  # first in the board table
    painted: dict[str, float] = field(default_factory=dict)  # the screen refreshed after that
    warmed: bool = False  # a warm-up row has been shown
    renders: list[float] = field(default_factory=list)  # seconds in each render_all()


def _probes(event: object) -> list[str]:
    if not isinstance(event, RecordsBatch):
        return []
    return [
        d.prediction.destination_name
        for d in event.records
        if d.prediction is not None and d.prediction.destination_name.startswith(PROBE_PREFIX)
    ]


class ProbedApp(TflTuiApp):
    """The real dashboard, noting when probes pass each stage (nothing else changes)."""

    CSS_PATH = str(Path(tfl_tui.app.__file__).with_name("app.tcss"))  # not next to this file

    def __init__(self, options: DashboardOptions) -> None:
        super().__init__(options)
        self.seen = Observations()

    def post_event(self, event: object) -> None:
        # Called in the consumer worker's thread, as it hands a batch over.
        now = time.time()
        for destination in _probes(event):
            self.seen.handed.setdefault(destination, now)
        super().post_event(event)

    def handle_event(self, event: object) -> None:
        now = time.time()
        for destination in _probes(event):
            self.seen.folded.setdefault(destination, now)
        super().handle_event(event)

    def render_all(self) -> None:
        started = time.perf_counter()
        super().render_all()
        elapsed = time.perf_counter() - started
        now = time.time()
        view = self.query_one(BoardTable).view
        rows = view.rows(0, len(view))
        shown = self.seen.shown
        new = []
        for row in rows:
            destination = row.destination
            if destination.startswith(PROBE_PREFIX):
                if destination not in shown:
                    shown[destination] = now
                    new.append(destination)
            elif destination.startswith(WARMUP_PREFIX):
                self.seen.warmed = True
        self.seen.renders.append(elapsed)
        if new:
            self.screen.call_after_refresh(self._painted, new)

    def _painted(self, destinations: list[str]) -> None:
        now = time.time()
        for destination in destinations:
            self.seen.painted.setdefault(destination, now)


class GcPauses:
    """Collections of the oldest generation in this process (every thread) while active."""

    def __init__(self) -> None:
        self.pauses: list[float] = []
        self._started = 0.0

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append(time.perf_counter() - self._started)

    def __enter__(self) -> GcPauses:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)


# -- measuring --------------------------------------------------------------------------------


class LatencyError(RuntimeError):
    """The benchmark could not measure what it set out to (said in one line)."""


async def _wait(condition: Callable[[], bool], timeout: float) -> bool:
    """Check `condition` every 10 ms until it holds (True) or `timeout` s pass (False)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.01)
    return True


def _quantiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    if len(ordered) == 1:
        return {"p50": ordered[0], "p90": ordered[0], "p99": ordered[0], "max": ordered[0]}
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return {"p50": cuts[49], "p90": cuts[89], "p99": cuts[98], "max": ordered[-1]}


def _ms(figures: dict[str, float]) -> dict[str, float]:
    return {name: round(value * 1000, 1) for name, value in figures.items()}


async def _start_producer(
    broker: Broker, topic: str, records: int, rate: float, run_id: str
) -> asyncio.subprocess.Process:
    args = [SCRIPT, "--phase", "produce", "--bootstrap-servers", broker.bootstrap_servers]
    args += ["--topic", topic, "--records", str(records), "--rate", str(rate)]
    args += ["--run-id", run_id]
    return await asyncio.create_subprocess_exec(
        sys.executable,
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
    )


async def _producer_result(process: asyncio.subprocess.Process) -> dict[str, Any]:
    try:
        out, _ = await asyncio.wait_for(process.communicate(), 60)
    except TimeoutError:
        raise LatencyError("the producer process did not finish within 60 s") from None
    lines = [line for line in out.decode().splitlines() if line.startswith("{")]
    if process.returncode != 0 or not lines:
        raise LatencyError(f"the producer process failed (exit code {process.returncode})")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


async def _run(
    app: ProbedApp, broker: Broker, topic: str, *, records: int, rate: float, grace: float
) -> tuple[dict[str, Any], GcPauses]:
    """With the app running: warm up, send the probes, wait for them all; the producer's report."""
    seen = app.seen
    run_id = uuid.uuid4().hex[:8]
    process = await _start_producer(broker, topic, records, rate, run_id)
    try:
        started = time.monotonic()
        await _wait(
            lambda: seen.warmed or process.returncode is not None or not app.is_running,
            WARMUP_TIMEOUT_S,
        )
        if not app.is_running:
            raise LatencyError("the dashboard stopped during warm-up")
        if process.returncode is not None:
            raise LatencyError(f"the producer exited during warm-up ({process.returncode})")
        if not seen.warmed:
            raise LatencyError(
                f"the dashboard showed no warm-up record within {WARMUP_TIMEOUT_S:g} s: "
                f"is its consumer reading {topic!r}?"
            )
        log(f"  dashboard reading and producer connected after {time.monotonic() - started:.1f} s")
        assert process.stdin is not None
        process.stdin.write(b"go\n")
        await process.stdin.drain()
        budget = records / rate + grace
        log(f"  {records} probes at {rate:g}/s; waiting up to {budget:.0f} s for all of them")
        with GcPauses() as pauses:
            await _wait(
                lambda: len(seen.shown) >= records or process.returncode not in (None, 0), budget
            )
        report = await _producer_result(process)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    if report["failed"] or report["undelivered"]:
        raise LatencyError(
            f"the producer lost records: {report['failed']} failed, "
            f"{report['undelivered']} undelivered of {report['produced']} (warm-ups included)"
        )
    missing = [i for i in range(records) if f"{PROBE_PREFIX}{i:06d}" not in seen.shown]
    if missing:
        raise LatencyError(
            f"{len(missing)} of {records} records never showed on the board within "
            f"{records / rate + grace:.0f} s (first missing: #{missing[0]}; "
            f"{len(seen.folded)} reached the app, {len(seen.handed)} left the consumer)"
        )
    # Repaints follow renders within a frame or so.
    await _wait(lambda: len(seen.painted) >= len(seen.shown), 5)
    return report, pauses


def _summary(seen: Observations, produced_at: list[float]) -> dict[str, Any]:
    names = [f"{PROBE_PREFIX}{i:06d}" for i in range(len(produced_at))]
    latency = [seen.shown[name] - at for name, at in zip(names, produced_at, strict=True)]
    stages = {
        "produce_to_handover": [
            seen.handed[n] - at for n, at in zip(names, produced_at, strict=True)
        ],
        "handover_to_fold": [seen.folded[n] - seen.handed[n] for n in names],
        "fold_to_board": [seen.shown[n] - seen.folded[n] for n in names],
        "board_to_paint": [seen.painted[n] - seen.shown[n] for n in names if n in seen.painted],
    }
    painted = [
        seen.painted[n] - at for n, at in zip(names, produced_at, strict=True) if n in seen.painted
    ]
    return {
        "latency": _ms(_quantiles(latency)),
        "stages": {name: _ms(_quantiles(v)) for name, v in stages.items() if v},
        "painted": _ms(_quantiles(painted)) if painted else None,
        "by_half": [
            _ms(_quantiles(part))
            for part in (latency[: len(latency) // 2], latency[len(latency) // 2 :])
            if part
        ],
    }


async def measure(
    broker: Broker, topic: str, records: int, rate: float, grace: float
) -> dict[str, Any]:
    from tfl_tui.kafka.topic import ensure_topic

    conf = {"bootstrap.servers": broker.bootstrap_servers}
    info = ensure_topic(conf, topic, 6, embedded=broker.embedded)
    if info.note:
        log(f"  {info.note}")
    target = KafkaTarget(conf, f"broker at {broker.bootstrap_servers}", embedded=broker.embedded)
    app = ProbedApp(DashboardOptions(target=target, topic=topic, produce=False, start="latest"))
    async with app.run_test(size=(160, 50)):
        report, gc_pauses = await _run(app, broker, topic, records=records, rate=rate, grace=grace)
        board_rows = app.query_one(BoardTable).row_count
    summary = _summary(app.seen, report["produced_at"])
    renders = app.seen.renders
    gc_ms = [seconds * 1000 for seconds in gc_pauses.pauses]
    latency = summary["latency"]
    log(
        f"  produce → on the board: p50 {latency['p50']:.0f} ms, p90 {latency['p90']:.0f} ms, "
        f"p99 {latency['p99']:.0f} ms, max {latency['max']:.0f} ms "
        f"({len(app.seen.shown)} of {report['probes']} probes seen)"
    )
    for name, figures in summary["stages"].items():
        log(
            f"    {name:<20} p50 {figures['p50']:6.1f} ms  p90 {figures['p90']:6.1f} ms  "
            f"p99 {figures['p99']:6.1f} ms  max {figures['max']:6.1f} ms"
        )
    if summary["painted"]:
        log(f"  produce → screen repainted: p99 {summary['painted']['p99']:.0f} ms")
    for half, figures in zip(("first", "second"), summary["by_half"], strict=False):
        log(
            f"  {half} half of the probes: p50 {figures['p50']:.0f} ms, p99 {figures['p99']:.0f} ms"
        )
    log(
        f"  render_all: {len(renders)} renders, median {statistics.median(renders) * 1000:.1f} ms, "
        f"max {max(renders) * 1000:.1f} ms; {board_rows} board rows at the end; producer "
        f"at most {report['behind_schedule_ms']} ms behind its schedule"
    )
    if gc_ms:
        log(
            f"  full garbage collections in the dashboard process while probing: {len(gc_ms)}, "
            f"{max(gc_ms):.0f} ms at most, {sum(gc_ms):.0f} ms in all (every thread stops)"
        )
    return {
        "records": records,
        "produced": report["probes"],
        "seen": len(app.seen.shown),
        "rate_per_s": rate,
        "latency_ms_p50": latency["p50"],
        "latency_ms_p90": latency["p90"],
        "latency_ms_p99": latency["p99"],
        "latency_ms_max": latency["max"],
        "target_ms_p99": TARGET_P99_MS,
        "met": latency["p99"] < TARGET_P99_MS,
        "stages_ms": summary["stages"],
        "painted_ms_p99": summary["painted"]["p99"] if summary["painted"] else None,
        "board_rows": board_rows,
        "render_ms_p50": round(statistics.median(renders) * 1000, 1),
        "render_ms_max": round(max(renders) * 1000, 1),
        "gc_full_collections": len(gc_ms),
        "gc_pause_ms_max": round(max(gc_ms, default=0.0), 1),
        "machine": machine(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bootstrap-servers", help="use this broker (default: start one)")
    parser.add_argument("--topic", default=DEFAULT_TOPIC, help=f"default {DEFAULT_TOPIC}")
    parser.add_argument("--records", type=int, default=300, help="probes to send (default 300)")
    parser.add_argument("--rate", type=float, default=20.0, help="probes per second (default 20)")
    parser.add_argument(
        "--grace", type=float, default=15.0, help="seconds allowed after the last send (default 15)"
    )
    parser.add_argument("--phase", choices=["produce"], help=argparse.SUPPRESS)
    parser.add_argument("--run-id", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.records < 1 or args.rate <= 0:
        parser.error("--records must be at least 1 and --rate above 0")
    if args.phase == "produce":
        produce_phase(args.bootstrap_servers, args.topic, args.records, args.rate, args.run_id)
        return
    log(f"latency benchmark on {machine()}")
    try:
        if args.bootstrap_servers:
            broker = Broker(args.bootstrap_servers, embedded=False)
            result = asyncio.run(measure(broker, args.topic, args.records, args.rate, args.grace))
        else:
            with embedded_broker() as broker:
                log(f"  embedded broker at {broker.bootstrap_servers}")
                result = asyncio.run(
                    measure(broker, args.topic, args.records, args.rate, args.grace)
                )
    except (LatencyError, TflTuiError) as error:
        log(f"error: {error}")
        raise SystemExit(1) from None
    emit(result)


if __name__ == "__main__":
    main()
