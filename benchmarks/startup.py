"""Startup: process start to the dashboard's first frame, with the embedded broker (target 1 s).

    python benchmarks/startup.py             # 10 runs
    python benchmarks/startup.py --runs 5

Each run starts the real dashboard, `python -m tfl_tui --demo`, in a 120x40 pseudo-terminal
(TERM=xterm-256color) whose working directory and TFL_TUI_RUNTIME_DIR are a fresh, empty folder:
no broker is announced there and no ./client.properties is read, so the dashboard starts its own
embedded broker, as a first `tfl-tui --demo` does. From just before the process is spawned (so
interpreter start and imports count) it measures, on the bytes the terminal receives:

- first_frame: the first complete frame, the title line (`London bus arrivals`) and the footer's
  key bindings (`Quit`). Textual fills the footer a few milliseconds after its first paint, so
  this is the later of the two; it is the figure held to the 1 s target.
- first_paint: the title line alone: the very first paint, footer still empty.
- first_board: the board showing buses (an ETA cell such as `12 min` or `Due`): the embedded
  broker started, the demo feed polled, its records produced, consumed and drawn.

Then it presses q and waits for the orderly exit (killed after a deadline). Separately,
`import_app_s` is the wall time of `python -c "import tfl_tui.app"` (median of 3), interpreter
start included, for context.

Its last line is one JSON object: runs, first_frame_s_{median,p90,max}, first_paint_s_median,
first_board_s_{median,max}, import_app_s, target_s, met (the slowest first frame within the
target), machine.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import re
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, emit, log, machine

TARGET_S = 1.0
COLUMNS, LINES = 120, 40
TIMEOUT_S = 30.0  # for the first frame and the board: a run that has not drawn by then failed
EXIT_TIMEOUT_S = 30.0  # q flushes the producer (up to its 5 s --flush-timeout) before exiting

# What the terminal receives is text cut up by escape sequences (each style change is one), so
# the markers are runs of text that Textual writes in one style: the title's plain part
# (`[b]tfl-tui[/b] · London bus arrivals · topic …`), the footer's last key description, and an
# ETA cell of the board (`format_eta`: `Due` or `N min`; quotes excluded so that no JSON in the
# raw panel can match, and neither can the status bar's `next poll in 30s`).
TITLE = re.compile(rb"London bus arrivals")
FOOTER = re.compile(rb"Quit")
BOARD_ROW = re.compile(rb"(?<![\w\"])(?:\d{1,2} min|Due)(?![\w\"])")
OVERLAP = 64  # bytes re-searched before each new chunk: a marker may straddle two reads


@dataclass
class Run:
    first_paint_s: float
    first_frame_s: float
    first_board_s: float | None
    exit_code: int | None


class Terminal:
    """A process on the slave side of a pty, COLUMNS x LINES, whose output we collect."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: str) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            args, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd, start_new_session=True
        )
        os.close(slave)
        self.output = b""
        self.closed = False  # the process closed the terminal (it has exited)

    def read(self, timeout: float) -> bool:
        """Append what arrives within `timeout`; False once the terminal is closed."""
        if self.closed:
            return False
        ready, _, _ = select.select([self.master], [], [], max(timeout, 0.0))
        if not ready:
            return True
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # EIO: every writer has gone
            chunk = b""
        if not chunk:
            self.closed = True
            return False
        self.output += chunk
        return True

    def wait_for(self, *patterns: re.Pattern[bytes], timeout: float) -> dict[int, float]:
        """Read until every pattern has matched or `timeout`; {index: seconds since spawn} of
        those that did, each at the read that first completed it."""
        found: dict[int, float] = {}
        deadline = time.perf_counter() + timeout
        searched = 0
        while True:
            now = time.perf_counter()
            for index, pattern in enumerate(patterns):
                if index not in found and pattern.search(self.output, max(0, searched - OVERLAP)):
                    found[index] = now - self.started
            searched = len(self.output)
            left = deadline - now
            if len(found) == len(patterns) or left <= 0 or not self.read(min(left, 0.5)):
                return found

    def quit(self, timeout: float) -> int | None:
        """Press q and wait for the process to end, draining its output; kill it at the
        deadline. Returns its exit code (None when it had to be killed)."""
        if self.process.poll() is None:
            os.write(self.master, b"q")
        deadline = time.perf_counter() + timeout
        while self.process.poll() is None:
            left = deadline - time.perf_counter()
            if left <= 0:
                self.process.kill()
                self.process.wait(10)
                return None
            if not self.read(min(left, 0.5)):
                # The terminal is closed but the process may still be finishing.
                try:
                    return self.process.wait(max(deadline - time.perf_counter(), 0.0))
                except subprocess.TimeoutExpired:
                    continue
        return self.process.returncode

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        os.close(self.master)


def dashboard_env(runtime: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TFL_APP_KEY", "TFL_API_URL")}
    pythonpath = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env.update(
        TFL_TUI_RUNTIME_DIR=runtime,
        TERM="xterm-256color",
        COLUMNS=str(COLUMNS),
        LINES=str(LINES),
        PYTHONPATH=pythonpath,  # the code of this checkout even when run from elsewhere
    )
    return env


def tail(output: bytes) -> str:
    return output[-2000:].decode("utf-8", "replace")


def one_run() -> Run:
    with tempfile.TemporaryDirectory(prefix="tfl-tui-startup-") as runtime:
        terminal = Terminal(
            [sys.executable, "-m", "tfl_tui", "--demo"], dashboard_env(runtime), cwd=runtime
        )
        try:
            seen = terminal.wait_for(TITLE, FOOTER, BOARD_ROW, timeout=TIMEOUT_S)
            exit_code = terminal.quit(EXIT_TIMEOUT_S)
        finally:
            terminal.close()
    if b"Traceback" in terminal.output:
        raise RuntimeError(f"the dashboard raised:\n{tail(terminal.output)}")
    if 0 not in seen or 1 not in seen:
        raise RuntimeError(f"no first frame within {TIMEOUT_S:.0f} s:\n{tail(terminal.output)}")
    return Run(
        first_paint_s=seen[0],
        first_frame_s=max(seen[0], seen[1]),
        first_board_s=seen.get(2),
        exit_code=exit_code,
    )


def import_app_s(repeat: int = 3) -> float:
    """Wall time of a fresh interpreter importing the app module (median of `repeat`)."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", "import tfl_tui.app"],
            check=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            timeout=120,
        )
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def p90(values: list[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=10, help="dashboard starts (default 10)")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    log(f"startup benchmark on {machine()}")
    runs: list[Run] = []
    for number in range(1, args.runs + 1):
        run = one_run()
        runs.append(run)
        board = f"{run.first_board_s:.3f} s" if run.first_board_s is not None else "not seen"
        log(
            f"  run {number}: first paint {run.first_paint_s:.3f} s, first frame "
            f"{run.first_frame_s:.3f} s, board with buses {board}, exit code {run.exit_code}"
        )
    imports = import_app_s()
    log(f"  python -c 'import tfl_tui.app': {imports:.3f} s (median of 3)")
    frames = [run.first_frame_s for run in runs]
    boards = [run.first_board_s for run in runs if run.first_board_s is not None]
    result: dict[str, object] = {
        "runs": len(runs),
        "first_frame_s_median": round(statistics.median(frames), 3),
        "first_frame_s_p90": round(p90(frames), 3),
        "first_frame_s_max": round(max(frames), 3),
        "first_paint_s_median": round(statistics.median(r.first_paint_s for r in runs), 3),
        "first_board_s_median": round(statistics.median(boards), 3) if boards else None,
        "first_board_s_max": round(max(boards), 3) if boards else None,
        "first_board_runs": len(boards),
        "import_app_s": round(imports, 3),
        "clean_exits": sum(run.exit_code == 0 for run in runs),
        "target_s": TARGET_S,
        "met": max(frames) <= TARGET_S,
        "machine": machine(),
    }
    emit(result)


if __name__ == "__main__":
    main()
