"""Time travel's figures: `board --at` against the bare `consume` + `json.loads` loop, the
dashboard's index (its memory, and a cursor move until the board is on screen), and `h` (the
history of one row over 3 h of demo backfill).

    .venv/bin/python benchmarks/time_travel.py                 # 200,000 records, embedded broker
    .venv/bin/python benchmarks/time_travel.py --records 2000 --repeat 1   # CI's tiny run

The last line on stdout is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from _common import (
    ROOT,
    Broker,
    add_topic_arguments,
    embedded_broker,
    emit,
    fill_topic,
    log,
    machine,
    rss_mb,
    run_phase,
)

SCRIPT = str(ROOT / "benchmarks" / "time_travel.py")
STOP = "490000254W"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def board_at_seconds(bootstrap: str, topic: str) -> float:
    """`tfl-tui board --at -30m` from start to exit (it reads the topic and folds it)."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "tfl_tui", "board", "--bootstrap-servers", bootstrap,
         "--topic", topic, "--at", "-30m", "--json"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return time.perf_counter() - started


async def dashboard_index(bootstrap: str, topic: str, moves: int) -> dict[str, Any]:
    """The real app: caught up, `t`, the index built, then `moves` cursor moves, each timed
    until the board at the new minute is on screen."""
    from tfl_tui.app import TflTuiApp
    from tfl_tui.core.dashboard_options import DashboardOptions
    from tfl_tui.core.kafka_target import KafkaTarget
    from tfl_tui.widgets.timeline import Timeline

    target = KafkaTarget({"bootstrap.servers": bootstrap}, f"broker at {bootstrap}", embedded=False)
    app = TflTuiApp(DashboardOptions(target=target, topic=topic, produce=False))
    async with app.run_test(size=(160, 50)) as pilot:
        deadline = time.perf_counter() + 600
        while app.painted is None:
            if time.perf_counter() > deadline:
                raise TimeoutError("the board never caught up")
            await asyncio.sleep(0.05)
        await pilot.pause(0.5)
        before = rss_mb()
        started = time.perf_counter()
        await pilot.press("t")
        while app._travel_at is None:
            if time.perf_counter() > deadline:
                raise TimeoutError("the time travel index was never built")
            await asyncio.sleep(0.01)
        built = time.perf_counter() - started
        index = app.query_one(Timeline).index
        after = rss_mb()
        delays: list[float] = []
        for move in range(moves):
            key = "left" if (move // 20) % 2 == 0 else "right"
            app.travel_painted = None
            pressed = time.perf_counter()
            await pilot.press(key)
            while app.travel_painted is None:
                if time.perf_counter() > deadline:
                    raise TimeoutError("a cursor move was never painted")
                await asyncio.sleep(0.001)
            delays.append(app.travel_painted - pressed)
    assert index is not None
    return {
        "index_build_s": built,
        "index_mb": after - before,
        "checkpoints": len(index.moments),
        "rows_kept": index.kept_rows,
        "move_p50_ms": 1000 * statistics.median(delays),
        "move_p99_ms": 1000 * percentile(delays, 99),
        "move_max_ms": 1000 * max(delays),
    }


def history_ms(bootstrap: str, topic: str, repeat: int) -> list[float]:
    from tfl_tui.workers.history_reader import read_arrivals

    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        read_arrivals(
            {"bootstrap.servers": bootstrap},
            topic,
            (STOP, "77", "Tooting Station"),
            datetime.now(UTC) - timedelta(hours=3),
            timeout=10,
            stop=threading.Event(),
        )
        times.append(1000 * (time.perf_counter() - started))
    return times


def phase(args: argparse.Namespace) -> None:
    if args.phase == "index":
        emit(asyncio.run(dashboard_index(args.bootstrap_servers, args.topic, args.moves)))
    elif args.phase == "json":
        from replay import bare_consume

        count, seconds = bare_consume(args.bootstrap_servers, args.topic, decode=True)
        emit({"records": count, "seconds": seconds})


def measure(broker: Broker, topic: str, repeat: int, moves: int) -> dict[str, Any]:
    common = [SCRIPT, "--bootstrap-servers", broker.bootstrap_servers, "--topic", topic]
    loops = [run_phase([*common, "--phase", "json"]) for _ in range(repeat)]
    board = [board_at_seconds(broker.bootstrap_servers, topic) for _ in range(repeat)]
    ratios = [b / loop["seconds"] for b, loop in zip(board, loops, strict=True)]
    log(f"  board --at -30m: {statistics.median(board):.2f} s, "
        f"{statistics.median(ratios):.2f}x the consume + json.loads loop")  # fmt: skip
    index = run_phase([*common, "--phase", "index", "--moves", str(moves)])
    log(
        f"  t: index built in {index['index_build_s']:.2f} s, +{index['index_mb']:.1f} MB; "
        f"cursor move p50 {index['move_p50_ms']:.1f} ms, p99 {index['move_p99_ms']:.1f} ms"
    )
    history_topic = f"{topic}_backfill"
    subprocess.run(
        [sys.executable, "-m", "tfl_tui", "produce", "--demo", "--once", "--backfill", "3h",
         "--bootstrap-servers", broker.bootstrap_servers, "--topic", history_topic,
         "--stop", STOP],
        capture_output=True, text=True, cwd=ROOT, check=True,
    )  # fmt: skip
    history = history_ms(broker.bootstrap_servers, history_topic, max(repeat, 3))
    log(f"  h over 3 h of backfill: {statistics.median(history):.0f} ms median")
    return {
        "records": loops[0]["records"],
        "board_at_s": round(statistics.median(board), 2),
        "board_at_s_min": round(min(board), 2),
        "board_at_s_max": round(max(board), 2),
        "board_at_ratio_to_json_loop": round(statistics.median(ratios), 2),
        "index_build_s": round(index["index_build_s"], 2),
        "index_mb": round(index["index_mb"], 1),
        "checkpoints": index["checkpoints"],
        "move_p50_ms": round(index["move_p50_ms"], 1),
        "move_p99_ms": round(index["move_p99_ms"], 1),
        "move_max_ms": round(index["move_max_ms"], 1),
        "history_ms": round(statistics.median(history)),
        "history_ms_min": round(min(history)),
        "history_ms_max": round(max(history)),
        "machine": machine(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_topic_arguments(parser)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each (default 3)")
    parser.add_argument("--moves", type=int, default=200, help="cursor moves (default 200)")
    parser.add_argument("--phase", choices=["index", "json"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        phase(args)
        return
    log(f"time travel benchmark on {machine()}")
    if args.bootstrap_servers:
        emit(measure(Broker(args.bootstrap_servers, False), args.topic, args.repeat, args.moves))
        return
    with embedded_broker() as broker:
        fill_topic(broker, args.topic, args.records, shape=args.shape)
        emit(measure(broker, args.topic, args.repeat, args.moves))


if __name__ == "__main__":
    main()
