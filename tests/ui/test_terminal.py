"""The real `tfl-tui --demo` in a pseudo-terminal: it draws, and Ctrl+C, q, SIGTERM and SIGINT
all end it the same orderly way (producer flushed, summary printed, terminal restored, exit 0);
text from the topic never drives the terminal."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import signal
import struct
import subprocess
import termios
import time
from pathlib import Path

import pytest
from confluent_kafka import Producer

from tests.support import KafkaUnderTest, cli_env, tfl_tui_command
from tfl_tui.tfl.simulator import DemoSource

pytestmark = [pytest.mark.integration, pytest.mark.embedded_only]

LEAVE_ALT_SCREEN = b"\x1b[?1049l"


class Terminal:
    """A process on the slave side of a pty, 120x40, whose screen output we collect."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        self.process = subprocess.Popen(
            args, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
        )
        os.close(slave)
        self.output = b""

    def read_until(self, needle: bytes, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while needle not in self.output:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            ready, _, _ = select.select([self.master], [], [], min(left, 0.2))
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # the process closed the terminal
                    return needle in self.output
                if not chunk:
                    return needle in self.output
                self.output += chunk
        return True

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)
        os.close(self.master)


@pytest.mark.parametrize("how", ["ctrl-c", "q", "sigterm", "sigint"])
def test_dashboard_ends_cleanly(tmp_path: Path, how: str) -> None:
    env = cli_env(tmp_path / "runtime", TERM="xterm-256color", COLUMNS="120", LINES="40")
    terminal = Terminal(tfl_tui_command("--demo", "--seed", "3"), env)
    try:
        assert terminal.read_until(b"Hackney", timeout=30), terminal.output[-2000:]
        assert terminal.read_until(b"delivered", timeout=30)  # the producer has delivered
        if how in ("sigterm", "sigint"):  # `kill -TERM`, `kill -INT`
            terminal.process.send_signal(signal.SIGTERM if how == "sigterm" else signal.SIGINT)
        else:
            os.write(terminal.master, b"\x03" if how == "ctrl-c" else b"q")
        assert terminal.read_until(b"undelivered", timeout=30), terminal.output[-2000:]
        assert terminal.process.wait(30) == 0
    finally:
        terminal.close()
    tail = terminal.output[terminal.output.rfind(LEAVE_ALT_SCREEN) :]
    assert LEAVE_ALT_SCREEN in terminal.output  # the terminal was given back
    assert b", 0 undelivered" in tail
    assert b"Traceback" not in terminal.output


def test_hostile_names_on_the_topic_never_drive_the_terminal(
    broker: KafkaUnderTest, topic: str, tmp_path: Path
) -> None:
    # Someone who can write to the topic puts terminal commands in a prediction's names.
    [item] = DemoSource(seed=3).fetch("490000254W")[:1]
    item["destinationName"] = "Victoria\x1b]0;PWNED\x07\x1b[2J"
    item["stationName"] = "Stop\x1b[31;5mRED"
    item["platformName"] = "\x9b2J"
    producer = Producer(broker.conf)
    producer.produce(topic, key=item["lineId"].encode(), value=json.dumps(item).encode())
    assert producer.flush(10) == 0

    env = cli_env(broker.runtime_dir, TERM="xterm-256color", COLUMNS="160", LINES="40")
    terminal = Terminal(tfl_tui_command("--no-produce", "--topic", topic), env)
    try:
        assert terminal.read_until(b"PWNED", timeout=30), terminal.output[-2000:]
        os.write(terminal.master, b"q")
        assert terminal.process.wait(30) == 0
    finally:
        terminal.close()
    for raw in (b"\x1b]0;PWNED", b"PWNED\x07\x1b[2J", b"\x1b[31;5mRED", b"\xc2\x9b2J"):
        assert raw not in terminal.output
    assert b"Victoria\\x1b]0;PWNED" in terminal.output  # shown, readable
