"""Replay throughput: the real dashboard against bare consumer loops, same broker, same records.

    python benchmarks/replay.py --records 200000 --shape many-stops --repeat 3
    python benchmarks/replay.py --bootstrap-servers HOST:PORT --topic T   # the topic as it is

Without a broker it starts the embedded one (`tfl-tui broker`, its own process) and fills a
topic with N TfL-shaped, lz4-compressed records of one shape (--shape; see `--help`). Then,
each in a fresh process so that memory is its own, it measures (all partitions, from the
earliest offset, the dashboard's consumer settings, --repeat runs of each):

- `consume(1000)` alone: the Python ceiling (the undecoded loop);
- `consume(1000)` + `json.loads` per value: the tutorial's consumer;
- the real dashboard, headless at 160x50: from `r` until the rebuilt board is on screen (the
  first screen refresh after the board was drawn caught up), everything included: consuming,
  decoding and validation, the board fold, the app applying batches, learning the replay is
  over, drawing.

Then it checks the result: every record of the topic is decoded and folded into a board of its
own, and the dashboard's board (dumped after its last replay, with the time it was drawn for)
must show the same rows with the same countdowns; it fails loudly if not. Where the board's
entry cap dropped predictions (the latest buses of a huge board), only the buses before the
earliest one dropped are compared.

Its last line is one JSON object: shape, records, replay_records_per_s (median, with _min and
_max), baseline_json_records_per_s, baseline_raw_records_per_s, ratio (replay / json loop, per
run, median with ratio_min/ratio_max), ratio_to_raw (likewise), peak_rss_mb (of the dashboard
process, during and after the replays), board_rows, board_checked, machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    Broker,
    add_topic_arguments,
    embedded_broker,
    emit,
    fill_topic,
    log,
    machine,
    peak_rss_mb,
    rss_mb,
    run_phase,
)

SCRIPT = str(Path(__file__).resolve())


def _consumer(bootstrap: str) -> Any:
    from confluent_kafka import Consumer

    from tfl_tui.kafka.client_settings import CONSUMER_DEFAULTS

    return Consumer(
        {
            **CONSUMER_DEFAULTS,
            "bootstrap.servers": bootstrap,
            "group.id": "tfl-tui-bench",
            "enable.auto.commit": "false",
            "enable.partition.eof": "true",
        }
    )


def read_all(bootstrap: str, topic: str, handle: Any) -> tuple[int, float]:
    """Read every partition from its beginning to its end, `handle(message)` each; returns
    (records, seconds to the last record)."""
    from confluent_kafka import OFFSET_BEGINNING, TopicPartition

    consumer = _consumer(bootstrap)
    partitions = sorted(consumer.list_topics(topic, timeout=10).topics[topic].partitions)
    count = 0
    at_end: set[int] = set()
    started = time.perf_counter()
    last = started
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
    while len(at_end) < len(partitions):
        for message in consumer.consume(1000, 0.05):
            if message.error() is not None:
                at_end.add(message.partition())
                continue
            at_end.discard(message.partition())
            handle(message)
            count += 1
            last = time.perf_counter()
    consumer.close()
    return count, last - started


def bare_consume(bootstrap: str, topic: str, decode: bool) -> tuple[int, float]:
    loads = json.loads
    if decode:
        return read_all(bootstrap, topic, lambda message: loads(message.value()))
    return read_all(bootstrap, topic, lambda message: None)


def kcat_rates(bootstrap: str, topic: str, repeat: int) -> list[float]:
    """kcat (librdkafka in C) reading the whole topic, offsets only: records/s of each run, to
    the end of its output, process start included; [] without kcat."""
    kcat = shutil.which("kcat") or shutil.which("kafkacat")
    if kcat is None:
        return []
    command = [kcat, "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q"]
    command += ["-X", "fetch.wait.max.ms=20", "-f", "%o\\n"]
    rates = []
    for _ in range(repeat):
        started = time.perf_counter()
        out = subprocess.run(command, capture_output=True, check=True).stdout
        rates.append(out.count(b"\n") / (time.perf_counter() - started))
    return rates


def board_lines(board: Any, now: datetime) -> list[list[Any]]:
    """The board's rows at `now` as [stop, line, destination, [seconds…], [arrival…]]: the
    countdowns shown and the exact arrival (ISO) of each bus behind them."""
    lines = []
    for row in board.rows(now):
        shown = board.entries_for(row)[: len(row.etas)]
        arrivals = [e.prediction.expected_arrival.isoformat() for e in shown]
        lines.append([*row.key, list(row.etas), arrivals])
    return lines


def before(lines: list[list[Any]], horizon: str | None) -> list[list[Any]]:
    """Only the buses due before `horizon` (the entry cap may have dropped later ones)."""
    if horizon is None:
        return lines
    limit = datetime.fromisoformat(horizon)
    cut = []
    for stop, line, destination, etas, arrivals in lines:
        kept = [i for i, at in enumerate(arrivals) if datetime.fromisoformat(at) < limit]
        if kept:
            cut.append([stop, line, destination, [etas[i] for i in kept]])
    return cut


async def dashboard_replays(
    bootstrap: str, topic: str, records: int, repeat: int, dump: str
) -> dict[str, Any]:
    """The real app, headless: start (from earliest), then press `r` `repeat` times."""
    from tfl_tui.app import TflTuiApp
    from tfl_tui.core.dashboard_options import DashboardOptions
    from tfl_tui.core.kafka_target import KafkaTarget

    target = KafkaTarget({"bootstrap.servers": bootstrap}, f"broker at {bootstrap}", embedded=False)
    app = TflTuiApp(DashboardOptions(target=target, topic=topic, produce=False))
    rates: list[float] = []

    async def on_screen(generation_before: int, timeout: float) -> float:
        """When the board rebuilt by the replay after `generation_before` was on screen."""
        deadline = time.perf_counter() + timeout
        while True:
            painted = app.painted
            if (
                app.generation != generation_before
                and app.records_seen >= records
                and painted is not None
                and painted[0] == app.generation
            ):
                return painted[1]
            if time.perf_counter() > deadline:
                raise TimeoutError(f"replay stuck at {app.records_seen:,}/{records:,} records")
            await asyncio.sleep(0.01)  # coarse: a busy poll would steal the replay's CPU

    async with app.run_test(size=(160, 50)) as pilot:
        started = time.perf_counter()
        first = await on_screen(0, 600) - started
        log(f"  dashboard start (--from earliest): {records / first:,.0f} records/s")
        for run in range(repeat):
            generation = app.generation
            started = time.perf_counter()
            await pilot.press("r")
            seconds = await on_screen(generation, 600) - started
            rates.append(records / seconds)
            log(f"  dashboard replay {run + 1}: {rates[-1]:,.0f} records/s ({seconds:.2f} s)")
        await pilot.pause(0.5)  # a few renders after the replay: "after" counts too
        now = app.clock()
        board = app.board
        rows = len(board.rows(now))
        Path(dump).write_text(
            json.dumps(
                {
                    "now": now.isoformat(),
                    "horizon": None if board.horizon is None else board.horizon.isoformat(),
                    "rows": board_lines(board, now),
                }
            )
        )
        after = rss_mb()
    return {
        "rates": rates,
        "start_records_per_s": records / first,
        "peak_rss_mb": peak_rss_mb(),  # VmHWM: the highest it has been, during or after
        "rss_after_mb": after,
        "board_rows": rows,
    }


def check_board(bootstrap: str, topic: str, dump: str) -> int:
    """Fold every record of the topic, decoded, into a board; it must equal the dashboard's.
    Returns the rows compared."""
    from confluent_kafka import Message

    from tfl_tui.core.board import Board
    from tfl_tui.core.records import decode_record
    from tfl_tui.kafka.consumer import to_record

    shown = json.loads(Path(dump).read_text())
    now = datetime.fromisoformat(shown["now"])
    board = Board()

    def fold(message: Message) -> None:
        board.apply(decode_record(to_record(message)))

    read_all(bootstrap, topic, fold)
    board.prune(now)
    horizons = [h for h in (shown["horizon"], board.horizon and board.horizon.isoformat()) if h]
    horizon = min(horizons, key=datetime.fromisoformat) if horizons else None
    expected = before(board_lines(board, now), horizon)
    got = before(shown["rows"], horizon)
    if got != expected:
        missing = [r for r in expected if r not in got][:5]
        extra = [r for r in got if r not in expected][:5]
        raise SystemExit(
            f"BOARD MISMATCH: the dashboard shows {len(got)} rows, a fold of every record "
            f"{len(expected)}; only in the fold: {missing}; only on the dashboard: {extra}"
        )
    return len(expected)


def phase(args: argparse.Namespace) -> None:
    if args.phase == "dashboard":
        emit(
            asyncio.run(
                dashboard_replays(
                    args.bootstrap_servers, args.topic, args.expect, args.repeat, args.dump
                )
            )
        )
        return
    runs = [
        bare_consume(args.bootstrap_servers, args.topic, args.phase == "json")
        for _ in range(args.repeat)
    ]
    emit({"records": runs[0][0], "rates": [n / s for n, s in runs]})


def spread(name: str, values: list[float], digits: int = 0) -> dict[str, float]:
    """`name` (the median), `name_min` and `name_max`."""
    return {
        name: round(statistics.median(values), digits or None),
        f"{name}_min": round(min(values), digits or None),
        f"{name}_max": round(max(values), digits or None),
    }


def measure(broker: Broker, topic: str, repeat: int, shape: str) -> dict[str, object]:
    common = [SCRIPT, "--bootstrap-servers", broker.bootstrap_servers, "--topic", topic]
    common += ["--repeat", str(repeat)]
    raw = run_phase([*common, "--phase", "raw"])
    records = int(raw["records"])
    log(f"  consume alone: {statistics.median(raw['rates']):,.0f} records/s ({records:,} records)")
    decoded = run_phase([*common, "--phase", "json"])
    log(f"  consume + json.loads: {statistics.median(decoded['rates']):,.0f} records/s")
    kcat = kcat_rates(broker.bootstrap_servers, topic, repeat)
    if kcat:
        log(f"  kcat: {statistics.median(kcat):,.0f} records/s")
    with tempfile.NamedTemporaryFile(suffix=".json") as dump:
        app = run_phase(
            [*common, "--phase", "dashboard", "--expect", str(records), "--dump", dump.name]
        )
        checked = check_board(broker.bootstrap_servers, topic, dump.name)
    log(f"  board checked: {checked:,} rows equal a fold of every record")
    replay = app["rates"]
    result: dict[str, object] = {"shape": shape, "records": records}
    result |= spread("replay_records_per_s", replay)
    result |= spread("baseline_json_records_per_s", decoded["rates"])
    result |= spread("baseline_raw_records_per_s", raw["rates"])
    if kcat:
        result |= spread("kcat_records_per_s", kcat)
    result |= spread("ratio", [r / j for r, j in zip(replay, decoded["rates"], strict=True)], 2)
    result |= spread("ratio_to_raw", [r / j for r, j in zip(replay, raw["rates"], strict=True)], 2)
    result |= {
        "start_records_per_s": round(app["start_records_per_s"]),
        "peak_rss_mb": round(app["peak_rss_mb"], 1),
        "rss_after_mb": round(app["rss_after_mb"], 1),
        "board_rows": app["board_rows"],
        "board_checked": checked,
        "machine": machine(),
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_topic_arguments(parser)
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of each measurement; median and range are reported (default 3)",
    )
    parser.add_argument("--phase", choices=["raw", "json", "dashboard"], help=argparse.SUPPRESS)
    parser.add_argument("--expect", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--dump", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        phase(args)
        return
    log(f"replay benchmark ({args.shape}) on {machine()}")
    if args.bootstrap_servers:
        broker = Broker(args.bootstrap_servers, embedded=False)
        if args.fill:
            fill_topic(broker, args.topic, args.records, shape=args.shape)
        emit(measure(broker, args.topic, args.repeat, args.shape))
        return
    with embedded_broker() as broker:
        fill_topic(broker, args.topic, args.records, shape=args.shape)
        emit(measure(broker, args.topic, args.repeat, args.shape))


if __name__ == "__main__":
    main()
