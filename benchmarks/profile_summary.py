"""Where the time goes: per-thread summary of a py-spy profile (raw, "collapsed" format).

    py-spy record --threads -f raw -o replay.txt -- \\
        python benchmarks/replay.py --phase dashboard --bootstrap-servers HOST:PORT \\
        --topic T --expect N --repeat 3
    python benchmarks/profile_summary.py replay.txt --top 25

(`py-spy record -f flamegraph -o replay.svg ...` draws the same samples as a flame graph.)
For each thread, busiest first: the share of its samples in each function, counting the
functions it called (inclusive), then in each line itself (self).
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from pathlib import Path


def summarize(path: Path, top: int) -> str:
    threads: Counter[str] = Counter()
    inclusive: defaultdict[str, Counter[str]] = defaultdict(Counter)
    own: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        thread, samples = frames[0], int(count)
        threads[thread] += samples
        for frame in set(frames[1:]):
            inclusive[thread][frame] += samples
        own[thread][frames[-1]] += samples
    out = []
    for thread, total in threads.most_common():
        out.append(f"== {thread}: {total} samples")
        out += [f"{100 * n / total:5.1f}%  {f}" for f, n in inclusive[thread].most_common(top)]
        out.append("-- self")
        out += [f"{100 * n / total:5.1f}%  {f}" for f, n in own[thread].most_common(top // 2)]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("profile", type=Path, help="py-spy output recorded with -f raw")
    parser.add_argument("--top", type=int, default=25, help="functions per thread (default 25)")
    args = parser.parse_args()
    print(summarize(args.profile, args.top))


if __name__ == "__main__":
    main()
