"""Replay throughput: the real dashboard against bare consumer loops, same broker, same records.

    python benchmarks/replay.py --records 200000
    python benchmarks/replay.py --bootstrap-servers HOST:PORT --topic T   # the topic as it is

Without a broker it starts the embedded one (`tfl-tui broker`, its own process) and fills a
topic with N TfL-shaped, lz4-compressed records through the real producer. Then, each in a fresh
process so that memory is its own, it measures (all partitions, from the earliest offset, the
dashboard's consumer settings, median of --repeat runs):

- `consume(1000)` alone: the Python ceiling;
- `consume(1000)` + `json.loads` per value: the tutorial's consumer;
- the real dashboard, headless: its consumer worker, decoding and validation, the board fold and
  the app applying batches, from `r` to the last record folded.

Its last line is one JSON object: records, replay_records_per_s, baseline_json_records_per_s,
baseline_raw_records_per_s, ratio (replay / json baseline), ratio_to_raw, peak_rss_mb (of the
dashboard process, during and after the replays), board_rows.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

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


def bare_consume(bootstrap: str, topic: str, decode: bool) -> tuple[int, float]:
    """Read every partition from its beginning to its end; returns (records, seconds)."""
    from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

    from tfl_tui.kafka.client_settings import CONSUMER_DEFAULTS

    consumer = Consumer(
        {
            **CONSUMER_DEFAULTS,
            "bootstrap.servers": bootstrap,
            "group.id": "tfl-tui-bench",
            "enable.auto.commit": "false",
            "enable.partition.eof": "true",
        }
    )
    partitions = sorted(consumer.list_topics(topic, timeout=10).topics[topic].partitions)
    loads = json.loads
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
            if decode:
                loads(message.value())
            count += 1
            last = time.perf_counter()
    consumer.close()
    return count, last - started


async def dashboard_replays(
    bootstrap: str, topic: str, records: int, repeat: int
) -> dict[str, float]:
    """The real app, headless: start (from earliest), then press `r` `repeat` times."""
    from tfl_tui.app import TflTuiApp
    from tfl_tui.core.dashboard_options import DashboardOptions
    from tfl_tui.core.kafka_target import KafkaTarget

    target = KafkaTarget({"bootstrap.servers": bootstrap}, f"broker at {bootstrap}", embedded=False)
    app = TflTuiApp(DashboardOptions(target=target, topic=topic, produce=False))
    rates: list[float] = []

    async def caught_up(generation_before: int, timeout: float) -> float:
        deadline = time.perf_counter() + timeout
        while app.generation == generation_before or app.records_seen < records:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"replay stuck at {app.records_seen:,}/{records:,} records")
            await asyncio.sleep(0.01)  # coarse: a busy poll would steal the replay's CPU
        return time.perf_counter()

    if True:
        async with app.run_test(size=(160, 50)) as pilot:
            started = time.perf_counter()
            first = await caught_up(0, 600) - started
            log(f"  dashboard start (--from earliest): {records / first:,.0f} records/s")
            for run in range(repeat):
                generation = app.generation
                started = time.perf_counter()
                await pilot.press("r")
                seconds = await caught_up(generation, 600) - started
                rates.append(records / seconds)
                log(f"  dashboard replay {run + 1}: {rates[-1]:,.0f} records/s")
            await pilot.pause(0.5)  # a few renders after the replay: "after" counts too
            rows = len(app.board.rows(app.clock()))
            after = rss_mb()
    return {
        "replay_records_per_s": statistics.median(rates),
        "start_records_per_s": records / first,
        "peak_rss_mb": peak_rss_mb(),  # VmHWM: the highest it has been, during or after
        "rss_after_mb": after,
        "board_rows": rows,
    }


def phase(args: argparse.Namespace) -> None:
    if args.phase == "dashboard":
        emit(
            asyncio.run(
                dashboard_replays(args.bootstrap_servers, args.topic, args.expect, args.repeat)
            )
        )
        return
    runs = [
        bare_consume(args.bootstrap_servers, args.topic, args.phase == "json")
        for _ in range(args.repeat)
    ]
    emit({"records": runs[0][0], "records_per_s": statistics.median(n / s for n, s in runs)})


def measure(broker: Broker, topic: str, repeat: int) -> dict[str, object]:
    common = [SCRIPT, "--bootstrap-servers", broker.bootstrap_servers, "--topic", topic]
    common += ["--repeat", str(repeat)]
    raw = run_phase([*common, "--phase", "raw"])
    records = int(raw["records"])
    log(f"  consume alone: {raw['records_per_s']:,.0f} records/s ({records:,} records)")
    decoded = run_phase([*common, "--phase", "json"])
    log(f"  consume + json.loads: {decoded['records_per_s']:,.0f} records/s")
    app = run_phase([*common, "--phase", "dashboard", "--expect", str(records)])
    replay = float(app["replay_records_per_s"])
    return {
        "records": records,
        "replay_records_per_s": round(replay),
        "baseline_json_records_per_s": round(decoded["records_per_s"]),
        "baseline_raw_records_per_s": round(raw["records_per_s"]),
        "ratio": round(replay / decoded["records_per_s"], 2),
        "ratio_to_raw": round(replay / raw["records_per_s"], 2),
        "start_records_per_s": round(app["start_records_per_s"]),
        "peak_rss_mb": round(app["peak_rss_mb"], 1),
        "rss_after_mb": round(app["rss_after_mb"], 1),
        "board_rows": app["board_rows"],
        "machine": machine(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_topic_arguments(parser)
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of each measurement; the median is reported (default 3)",
    )
    parser.add_argument("--phase", choices=["raw", "json", "dashboard"], help=argparse.SUPPRESS)
    parser.add_argument("--expect", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        phase(args)
        return
    log(f"replay benchmark on {machine()}")
    if args.bootstrap_servers:
        broker = Broker(args.bootstrap_servers, embedded=False)
        if args.fill:
            fill_topic(broker, args.topic, args.records)
        emit(measure(broker, args.topic, args.repeat))
        return
    with embedded_broker() as broker:
        fill_topic(broker, args.topic, args.records)
        emit(measure(broker, args.topic, args.repeat))


if __name__ == "__main__":
    main()
