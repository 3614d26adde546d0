"""Soak test: the real dashboard, headless, fed by the demo simulator at a high poll rate.

    python benchmarks/soak.py --minutes 10 --stops 10 --interval 0.5

Runs the whole app (embedded broker, producer and consumer workers, board, raw panel) for the
given time, samples the process's RSS, and prints one line per sample and, last, one JSON
object: memory must level off (compare `rss_mb_mid` with `rss_mb_end`). Not part of the test
suite: it takes minutes by design.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tfl_tui.app import TflTuiApp
from tfl_tui.core.dashboard_options import DashboardOptions

# Real NaPTAN-like stop ids: the simulator gives every id its own stable set of lines.
STOPS = ["490000254W"] + [f"4900{n:05d}X" for n in range(1, 64)]


def rss_mb() -> float:
    """Current resident set size, from /proc (Linux), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def soak(
    minutes: float, stops: int, interval: float, sample_every: float
) -> dict[str, object]:
    options = DashboardOptions(
        target=None, demo=True, seed=1, stops=STOPS[:stops], interval=interval
    )
    app = TflTuiApp(options)
    samples: list[tuple[float, float, int]] = []
    async with app.run_test(size=(140, 45)) as pilot:
        start = time.monotonic()
        end = start + minutes * 60
        while time.monotonic() < end:
            await pilot.pause(sample_every)
            consumed = app.status.consumer.total if app.status.consumer else 0
            sample = (round(time.monotonic() - start, 1), round(rss_mb(), 1), consumed)
            samples.append(sample)
            print(
                f"t={sample[0]:7.1f}s rss={sample[1]:7.1f} MB records={consumed:>9,} "
                f"board_entries={len(app.board)}",
                flush=True,
            )
        await pilot.press("q")
        deadline = time.monotonic() + 30
        while app.is_running and time.monotonic() < deadline:
            await pilot.pause(0.1)
    stopped = app.outcome.stopped
    third = max(1, len(samples) // 3)
    return {
        "minutes": minutes,
        "stops": stops,
        "interval_s": interval,
        "records": samples[-1][2] if samples else 0,
        "produced": stopped.produced if stopped else None,
        "undelivered": stopped.undelivered if stopped else None,
        "rss_mb_first": samples[0][1] if samples else None,
        "rss_mb_mid": max(s[1] for s in samples[third : 2 * third]) if samples else None,
        "rss_mb_end": max(s[1] for s in samples[-third:]) if samples else None,
        "rss_mb_peak": max(s[1] for s in samples) if samples else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--stops", type=int, default=10, help=f"1-{len(STOPS)} (default 10)")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between polls")
    parser.add_argument("--sample", type=float, default=10.0, help="seconds between samples")
    args = parser.parse_args()
    result = asyncio.run(
        soak(args.minutes, min(args.stops, len(STOPS)), args.interval, args.sample)
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
