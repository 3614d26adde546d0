"""Key-press latency while a full-speed replay runs: the real dashboard in a pseudo-terminal.

    python benchmarks/responsiveness.py --records 200000 --presses 200
    python benchmarks/responsiveness.py --bootstrap-servers HOST:PORT --topic T  # as it is

Target: a key press (typing in the filter) is on screen within 100 ms at the 99th percentile
while a full-speed replay runs.

Without a broker it starts the embedded one (`tfl-tui broker`, its own process) and fills a topic
with N TfL-shaped records through the real producer. Then it runs the real dashboard,
`python -m tfl_tui --bootstrap-servers BS --topic T --no-produce`, in a 160x50 pseudo-terminal
(TERM=xterm-256color, a private TFL_TUI_RUNTIME_DIR). The dashboard starts by replaying the topic
from the earliest offset. Everything is measured on the terminal output, as a user would see it:
a minimal terminal model (cursor moves and text; colours are ignored) keeps the screen as drawn,
chunk by chunk, with the time each chunk arrived.

One sample, with the filter box open and focused:

- write one letter that is nowhere on screen (Greek and Cyrillic letters in turn, as UTF-8);
- its latency is the time from the write to the arrival of the output that puts the letter on
  the screen (the filter box's line, or "No buses match “ψ”", whichever comes first);
- then Backspace, wait until the placeholder is back (that latency goes to stderr), and pause
  PAUSE_S.

Which samples were taken during a replay: the status bar says "· caught up" once a replay is
done, and an idle app draws it at least once a second (the countdown tick, the consumer's progress
reports); during a replay it says "replaying from earliest: p0 n% · …" instead (or, in versions
that skip redraws while replaying, is not drawn at all). Only redraws that really write those
words count: a toast going away repaints the status bar's rows around the old text, which is not
a redraw. A sample counts as taken during a replay when no "caught up" was drawn from the moment
its key was written until REPLAY_MARGIN_S (1 s) after its letter showed, and the status bar was
drawn again after that (the app was alive). An idle app would have drawn "caught up" within that
second, so as far as the app knew the replay was in progress. (It learns that a replay has ended
from the consumer's once-a-second progress report: the last moments of a replay can be spent
waiting for that report.) Only those samples are in the percentiles (nearest rank: with fewer than
100 samples, p99 is the maximum), and `met` needs at least MIN_SAMPLES of them; the figures of
all presses go to stderr.

A replay of 200,000 records can end within seconds, so it is started again every
--retrigger-every samples (default 10), and as soon as a "caught up" is drawn more than a second
after the last one was started: Esc (closes the filter), `r` (replay from the earliest offset),
`/` (reopen the filter). Each step waits for its effect on screen: after Esc the footer shows the
board's keys ("r Replay"), and once the filter box has the focus only "/ Filter". That matters:
Textual moves the focus with `call_later`, so a key written before a busy app has moved it would
go to the wrong widget.

Its last line is one JSON object: presses (letters typed and timed), during_replay (samples in
the percentiles), key_ms_p50/p90/p99/max (of those), target_ms_p99, met, records (in the topic,
from its watermarks), timeouts (letters not on screen within 30 s; any fails the target),
replays_triggered, machine.
"""

from __future__ import annotations

import argparse
import bisect
import codecs
import contextlib
import fcntl
import functools
import math
import os
import pty
import re
import select
import struct
import subprocess
import sys
import tempfile
import termios
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    ROOT,
    Broker,
    add_topic_arguments,
    embedded_broker,
    emit,
    fill_topic,
    log,
    machine,
)

COLUMNS, LINES = 160, 50
TARGET_MS_P99 = 100
# Distinct letters that appear nowhere else on the dashboard (TfL data is ASCII).
LETTERS = "ψжλдφбωгθяπшξюδцχзμэβфγлζщ"
PLACEHOLDER = "words (destination"  # the empty filter box: "filter: words (destination, …"
REPLAYING = "Rebuilding the board"  # the board during a replay
CAUGHT_UP = "caught up"  # the status bar's Kafka line after it
ERASE = b"\x7f"
ESCAPE = b"\x1b"
REPLAY_MARGIN_S = 1.0  # the countdown tick: an idle app draws "caught up" at least this often
MIN_SAMPLES = 20  # during a replay, for `met`: a p99 of a handful of samples says little
KEY_TIMEOUT_S = 30.0  # a letter not on screen by then is a timeout
STATE_TIMEOUT_S = 60.0  # startup, focus changes, quitting
PAUSE_S = 0.05  # between samples
RESTART_GRACE_S = 1.0  # a "caught up" drawn this soon after `r` may predate the new replay

# One terminal escape sequence: CSI, a string (OSC, DCS, APC, PM, SOS) up to BEL or ST, or a
# short escape. "\x1b[" or "\x1b]" alone is not a sequence: it is the start of an unfinished one.
_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[\]P_^X][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[ -/]*[0-OQ-WYZ\\`-~]"
)
_TOKEN = re.compile(rf"{_SEQUENCE.pattern}|[^\x00-\x1f\x7f]+|[\x00-\x1f\x7f]")


@functools.lru_cache(maxsize=4096)
def _cells(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


class Screen:
    """Just enough of a terminal for Textual's output: cursor positioning, erasing and text."""

    def __init__(self, lines: int, columns: int) -> None:
        self.lines, self.columns = lines, columns
        self._cells = [[" "] * columns for _ in range(lines)]
        self._row = self._column = 0
        self._pending = ""
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._text: str | None = None

    def line(self, row: int) -> str:
        return "".join(self._cells[row])

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = "\n".join(self.line(row) for row in range(self.lines))
        return self._text

    def find(self, row: int, text: str) -> int | None:
        """The column where `text` starts on `row`, if it is there."""
        cells = self._cells[row]
        columns = [column for column, cell in enumerate(cells) if cell]  # wide: 2 columns
        at = "".join(cells).find(text)
        return None if at < 0 else columns[at]

    def feed(self, data: bytes) -> dict[int, list[tuple[int, int]]]:
        """Apply terminal output; returns the spans of columns written, by row."""
        text = self._pending + self._decoder.decode(data)
        self._pending = ""
        start = text.rfind("\x1b")
        if start >= 0 and not _SEQUENCE.match(text, start) and len(text) - start < 4096:
            text, self._pending = text[:start], text[start:]  # finished by the next chunk
        touched: dict[int, list[tuple[int, int]]] = {}
        for match in _TOKEN.finditer(text):
            token = match.group()
            first = token[0]
            if first == "\x1b":
                self._escape(token, touched)
            elif first == "\r":
                self._column = 0
            elif first == "\n":
                self._row = min(self._row + 1, self.lines - 1)
            elif first == "\b":
                self._column = max(self._column - 1, 0)
            elif first >= " " and first != "\x7f":
                begin = min(self._column, self.columns - 1)
                self._write(token)
                touched.setdefault(self._row, []).append((begin, self._column))
        if touched:
            self._text = None
        return touched

    def _write(self, run: str) -> None:
        cells = self._cells[self._row]
        for char in run:
            width = _cells(char)
            if width == 0:
                continue
            column = min(self._column, self.columns - 1)  # no autowrap (Textual turns it off)
            cells[column] = char
            if width == 2 and column + 1 < self.columns:
                cells[column + 1] = ""
            self._column = min(column + width, self.columns)

    def _escape(self, token: str, touched: dict[int, list[tuple[int, int]]]) -> None:
        if not token.startswith("\x1b[") or token[2:3] in "?>=<":
            return  # modes, queries, strings: nothing on screen
        final, params = token[-1], token[2:-1]
        numbers = [int(p) if p.isdigit() else 0 for p in params.split(";")]
        first = numbers[0]
        if final in "Hf":
            row = first or 1
            column = numbers[1] if len(numbers) > 1 and numbers[1] else 1
            self._row = min(row, self.lines) - 1
            self._column = min(column, self.columns) - 1
        elif final in "ABCD":
            step = first or 1
            if final == "A":
                self._row = max(self._row - step, 0)
            elif final == "B":
                self._row = min(self._row + step, self.lines - 1)
            elif final == "C":
                self._column = min(self._column + step, self.columns - 1)
            else:
                self._column = max(self._column - step, 0)
        elif final == "G":
            self._column = min(max(first, 1), self.columns) - 1
        elif final == "K":
            cells = self._cells[self._row]
            begin, end = {0: (self._column, self.columns), 1: (0, self._column + 1)}.get(
                first, (0, self.columns)
            )
            cells[begin:end] = [" "] * (end - begin)
            touched.setdefault(self._row, []).append((begin, end))
            self._text = None
        elif final == "J" and first in (2, 3):
            self._cells = [[" "] * self.columns for _ in range(self.lines)]
            for row in range(self.lines):
                touched.setdefault(row, []).append((0, self.columns))
            self._text = None


class Dashboard:
    """The real CLI on the slave side of a pty; its output is read only through `pump`."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
        self.process = subprocess.Popen(
            args, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT, start_new_session=True
        )
        os.close(slave)
        self.screen = Screen(LINES, COLUMNS)
        self.replaying: list[float] = []  # arrival times of status redraws saying "replaying"
        self.caught_up: list[float] = []  # … and saying "caught up"
        self.replay_asked = time.perf_counter()  # the dashboard replays as it starts
        self.tail = b""  # the latest output, for error messages
        self.closed = False
        self.arrived = time.perf_counter()  # when the latest chunk arrived

    def press(self, key: bytes) -> float:
        os.write(self.master, key)
        return time.perf_counter()

    def pump(self, timeout: float) -> bool:
        """Read and apply one chunk of output if one comes within `timeout`."""
        if self.closed:
            return False
        ready, _, _ = select.select([self.master], [], [], max(timeout, 0.0))
        if not ready:
            return False
        try:
            chunk = os.read(self.master, 1 << 16)
        except OSError:  # the process closed the terminal
            chunk = b""
        if not chunk:
            self.closed = True
            return False
        self.arrived = time.perf_counter()
        self.tail = (self.tail + chunk)[-20_000:]
        for row, spans in self.screen.feed(chunk).items():
            for words, times in ((REPLAYING, self.replaying), (CAUGHT_UP, self.caught_up)):
                column = self.screen.find(row, words)
                end = column + len(words) if column is not None else 0
                # Drawn now, not left over from an earlier frame around a repainted toast.
                if column is not None and any(a <= column and end <= b for a, b in spans):
                    times.append(self.arrived)
        return True

    def wait_for(self, condition: Callable[[], bool], timeout: float, what: str) -> float:
        """Read output until `condition` holds; returns when the chunk that made it true came."""
        deadline = time.perf_counter() + timeout
        if condition():
            return time.perf_counter()
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"no {what} within {timeout:.0f} s")
            if self.closed or self.process.poll() is not None:
                raise RuntimeError(f"the dashboard ended while waiting for {what}:\n{self.last()}")
            if self.pump(left) and condition():
                return self.arrived

    def pause(self, seconds: float) -> None:
        """Keep reading (the app must never block on a full terminal) for `seconds`."""
        deadline = time.perf_counter() + seconds
        while (left := deadline - time.perf_counter()) > 0 and not self.closed:
            self.pump(left)

    def last(self) -> str:
        return self.tail[-3000:].decode(errors="replace")

    # What the screen shows.

    def on_screen(self, text: str) -> bool:
        return text in self.screen.text

    def filter_focused(self) -> bool:
        footer = self.screen.line(LINES - 1)
        return self.on_screen(PLACEHOLDER) and "Filter" in footer and "Replay" not in footer

    def board_focused(self) -> bool:
        return "Replay" in self.screen.line(LINES - 1) and not self.on_screen(PLACEHOLDER)

    def replay_over(self) -> bool:
        """ "caught up" was drawn since the latest replay was asked for (and surely began)."""
        return bool(self.caught_up) and self.caught_up[-1] > self.replay_asked + RESTART_GRACE_S

    def status_drawn(self) -> float:
        """When the status bar was last drawn, saying either."""
        return max(self.replaying[-1:] + self.caught_up[-1:], default=0.0)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(10)
        os.close(self.master)


@dataclass
class Sample:
    letter: str
    written: float
    shown: float | None  # None: not on screen within KEY_TIMEOUT_S
    erase_s: float | None

    @property
    def latency_s(self) -> float:
        return KEY_TIMEOUT_S if self.shown is None else self.shown - self.written


def during_replay(sample: Sample, replaying: list[float], caught_up: list[float]) -> bool:
    """No "caught up" drawn from the key until REPLAY_MARGIN_S after it showed, and the status
    bar drawn again after that."""
    if sample.shown is None:
        return False
    until = sample.shown + REPLAY_MARGIN_S
    done = bisect.bisect_left(caught_up, sample.written)
    if done < len(caught_up) and caught_up[done] <= until:
        return False
    return done < len(caught_up) or bisect.bisect_left(replaying, until) < len(replaying)


def percentile(values: list[float], p: float) -> float:
    """Nearest rank: a value that was measured, never an interpolation."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def open_filter(dash: Dashboard) -> None:
    dash.press(b"/")
    dash.wait_for(dash.filter_focused, STATE_TIMEOUT_S, "focused filter box after /")


def close_filter(dash: Dashboard) -> None:
    dash.press(ESCAPE)
    dash.wait_for(dash.board_focused, STATE_TIMEOUT_S, "board focus after Esc")


def replay_again(dash: Dashboard) -> None:
    """Esc, r, /: the filter box is open again, so `r` has been handled (keys go in order)."""
    close_filter(dash)
    dash.press(b"r")
    open_filter(dash)
    dash.replay_asked = time.perf_counter()


def take_sample(dash: Dashboard, letter: str) -> Sample:
    written = dash.press(letter.encode())
    try:
        shown: float | None = dash.wait_for(
            lambda: dash.on_screen(letter), KEY_TIMEOUT_S, f"{letter!r} on screen"
        )
    except TimeoutError:
        log(f"  {letter!r} was not on screen within {KEY_TIMEOUT_S:.0f} s: starting over")
        close_filter(dash)  # Esc empties the filter box, whatever it holds by now
        open_filter(dash)
        return Sample(letter, written, None, None)
    erase_from = dash.press(ERASE)
    erased = dash.wait_for(
        lambda: dash.on_screen(PLACEHOLDER) and not dash.on_screen(letter),
        KEY_TIMEOUT_S,
        "empty filter box after Backspace",
    )
    return Sample(letter, written, shown, erased - erase_from)


def run_samples(dash: Dashboard, presses: int, retrigger_every: int) -> tuple[list[Sample], int]:
    dash.wait_for(lambda: dash.on_screen("Arrivals"), STATE_TIMEOUT_S, "first frame")
    dash.wait_for(lambda: dash.status_drawn() > 0, STATE_TIMEOUT_S, "status bar")
    log(f"  dashboard up ({'caught up' if dash.replay_over() else 'replaying'})")
    open_filter(dash)
    samples: list[Sample] = []
    replays = 0
    since_replay = 0
    letters = list(LETTERS)
    for index in range(presses):
        if since_replay >= retrigger_every or dash.replay_over():
            replay_again(dash)
            replays += 1
            since_replay = 0
        letter = next(c for c in letters if not dash.on_screen(c))
        letters.remove(letter)
        letters.append(letter)  # the least recently used come first
        sample = take_sample(dash, letter)
        samples.append(sample)
        since_replay += 1
        if (index + 1) % 10 == 0 or index + 1 == presses:
            erase = f"{sample.erase_s * 1000:.1f} ms" if sample.erase_s is not None else "-"
            log(
                f"  {index + 1}/{presses}: {letter} on screen in {sample.latency_s * 1000:.1f} ms"
                f" (Backspace {erase}); {replays} replays started"
            )
        dash.pause(PAUSE_S)
    # The last samples are classified by what the status bar draws after them.
    last = max((s.shown for s in samples if s.shown is not None), default=0.0)
    with contextlib.suppress(TimeoutError, RuntimeError):
        dash.wait_for(
            lambda: dash.status_drawn() >= last + REPLAY_MARGIN_S,
            REPLAY_MARGIN_S + STATE_TIMEOUT_S,
            "status bar after the last sample",
        )
    return samples, replays


def quit_dashboard(dash: Dashboard) -> None:
    with contextlib.suppress(TimeoutError, RuntimeError):
        if not dash.board_focused():
            close_filter(dash)
    if dash.process.poll() is None:
        dash.press(b"q")
    deadline = time.perf_counter() + STATE_TIMEOUT_S
    while dash.process.poll() is None and (left := deadline - time.perf_counter()) > 0:
        if dash.closed:  # the terminal is given back: only the process is left to end
            with contextlib.suppress(subprocess.TimeoutExpired):
                dash.process.wait(left)
        else:  # its last frames and summary must not block on a full terminal
            dash.pump(min(left, 0.1))
    code = dash.process.poll()
    if code is None:
        log(f"  the dashboard did not exit within {STATE_TIMEOUT_S:.0f} s of q: killed")
        dash.process.kill()
    elif code != 0:
        log(f"  the dashboard exited with code {code}:\n{dash.last()}")
    else:
        log("  the dashboard exited (q)")


def topic_records(bootstrap: str, topic: str) -> int:
    """Records a replay reads: the sum over partitions of high minus low watermark."""
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "tfl-tui-bench-count"})
    try:
        metadata = consumer.list_topics(topic, timeout=10).topics.get(topic)
        if metadata is None or metadata.error is not None:
            raise RuntimeError(f"topic {topic} not found at {bootstrap}")
        total = 0
        for partition in metadata.partitions:
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), 10)
            total += max(high - max(low, 0), 0)
        return total
    finally:
        consumer.close()


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def measure(broker: Broker, topic: str, presses: int, retrigger_every: int) -> dict[str, Any]:
    records = topic_records(broker.bootstrap_servers, topic)
    log(
        f"  {records:,} records in {topic}; {presses} presses, replay again every "
        f"{retrigger_every} or when caught up"
    )
    command = [sys.executable, "-m", "tfl_tui", "--bootstrap-servers", broker.bootstrap_servers]
    command += ["--topic", topic, "--no-produce"]
    with tempfile.TemporaryDirectory(prefix="tfl-tui-responsiveness-") as runtime:
        env = {
            **os.environ,
            "TERM": "xterm-256color",
            "COLUMNS": str(COLUMNS),
            "LINES": str(LINES),
            "TFL_TUI_RUNTIME_DIR": runtime,
        }
        dash = Dashboard(command, env)
        try:
            samples, replays = run_samples(dash, presses, retrigger_every)
            quit_dashboard(dash)
        except BaseException:
            log(f"  the dashboard's latest output:\n{dash.last()}")
            raise
        finally:
            dash.close()
    counted = [s for s in samples if during_replay(s, dash.replaying, dash.caught_up)]
    timeouts = sum(s.shown is None for s in samples)
    latencies = [s.latency_s for s in counted]
    everything = [s.latency_s for s in samples]
    erases = [s.erase_s for s in samples if s.erase_s is not None]
    if everything:
        log(
            f"  all {len(everything)} presses: p50 {ms(percentile(everything, 50))} ms, "
            f"p99 {ms(percentile(everything, 99))} ms, max {ms(max(everything))} ms; Backspace "
            f"p99 {ms(percentile(erases, 99)) if erases else '-'} ms; {timeouts} timeouts"
        )
    figures: dict[str, float | None] = dict.fromkeys(
        ("key_ms_p50", "key_ms_p90", "key_ms_p99", "key_ms_max"), None
    )
    if latencies:
        figures = {
            "key_ms_p50": ms(percentile(latencies, 50)),
            "key_ms_p90": ms(percentile(latencies, 90)),
            "key_ms_p99": ms(percentile(latencies, 99)),
            "key_ms_max": ms(max(latencies)),
        }
        log(
            f"  during a replay, {len(latencies)} presses: p50 {figures['key_ms_p50']} ms, "
            f"p90 {figures['key_ms_p90']} ms, p99 {figures['key_ms_p99']} ms, "
            f"max {figures['key_ms_max']} ms (target p99 < {TARGET_MS_P99} ms)"
        )
    if len(latencies) < MIN_SAMPLES:
        log(
            f"  only {len(latencies)} presses during a replay (at least {MIN_SAMPLES} needed): "
            "use a bigger topic (--records) or more --presses"
        )
    p99 = figures["key_ms_p99"]
    return {
        "presses": len(samples),
        "during_replay": len(latencies),
        **figures,
        "target_ms_p99": TARGET_MS_P99,
        "met": p99 is not None
        and p99 < TARGET_MS_P99
        and timeouts == 0
        and len(latencies) >= MIN_SAMPLES,
        "records": records,
        "timeouts": timeouts,
        "replays_triggered": replays,
        "machine": machine(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_topic_arguments(parser)
    parser.add_argument(
        "--presses", type=int, default=200, help="letters to type and time (default 200)"
    )
    parser.add_argument(
        "--retrigger-every",
        type=int,
        default=10,
        help="press Esc r / after this many samples, to keep a replay running (default 10)",
    )
    args = parser.parse_args()
    if args.presses < 1 or args.retrigger_every < 1:
        parser.error("--presses and --retrigger-every must be at least 1")
    log(f"responsiveness benchmark ({args.shape}) on {machine()}")
    if args.bootstrap_servers:
        broker = Broker(args.bootstrap_servers, embedded=False)
        if args.fill:
            fill_topic(broker, args.topic, args.records, shape=args.shape)
        emit(
            {"shape": args.shape} | measure(broker, args.topic, args.presses, args.retrigger_every)
        )
        return
    with embedded_broker() as broker:
        fill_topic(broker, args.topic, args.records, shape=args.shape)
        emit(
            {"shape": args.shape} | measure(broker, args.topic, args.presses, args.retrigger_every)
        )


if __name__ == "__main__":
    main()
