"""Real parts for integration and UI tests: a `tfl-tui broker` process and CLI runner."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from textual.app import App
from textual.pilot import Pilot

from tfl_tui.core.kafka_target import KafkaTarget

BROKER_START_TIMEOUT_S = 30.0
CLI_TIMEOUT_S = 120.0


def cli_env(runtime_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TFL_APP_KEY", "TFL_API_URL")}
    env["TFL_TUI_RUNTIME_DIR"] = str(runtime_dir)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def tfl_tui_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "tfl_tui", *args]


def read_line_with_deadline(stream: IO[str], deadline: float) -> str:
    """Read one line from a subprocess pipe, failing the test when it takes past `deadline`."""
    result: list[str] = []
    reader = threading.Thread(target=lambda: result.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(max(0.0, deadline - time.monotonic()))
    if not result:
        raise AssertionError("no line from the process before the deadline")
    return result[0]


def start_producing(
    runtime_dir: Path, tfl_url: str, stop_id: str, *options: str, cwd: Path | None = None
) -> subprocess.Popen[str]:
    """A long-running `produce` polling `stop_id` every second, as a user would leave it."""
    return subprocess.Popen(
        tfl_tui_command(
            "produce", "--tfl-url", tfl_url, "--stop", stop_id, "--interval", "1", *options
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(runtime_dir),
        cwd=cwd,
    )


def wait_for(condition: Callable[[], object], what: str, timeout: float = 30.0) -> None:
    """Poll `condition` until it holds; fail the test with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


async def until(
    pilot: Pilot[Any], condition: Callable[[], object], what: str, timeout: float = 30.0
) -> None:
    """Wait for `condition` while a Textual app runs; fail with `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


def run_app(
    app: App[Any],
    scenario: Callable[[Pilot[Any]], Awaitable[None]],
    size: tuple[int, int] = (140, 45),
) -> None:
    """Run `app` headless with Pilot and play `scenario` on it."""

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await scenario(pilot)

    asyncio.run(main())


@dataclass
class BrokerProcess:
    process: subprocess.Popen[str]
    bootstrap_servers: str
    runtime_dir: Path

    def stop(self) -> tuple[int, str]:
        if self.process.poll() is None:
            self.process.terminate()
        try:
            _out, err = self.process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _out, err = self.process.communicate()
        return self.process.returncode, err


def start_broker(runtime_dir: Path) -> BrokerProcess:
    runtime_dir.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        tfl_tui_command("broker"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(runtime_dir),
    )
    assert process.stdout is not None
    line = read_line_with_deadline(process.stdout, time.monotonic() + BROKER_START_TIMEOUT_S)
    if not line.startswith("bootstrap.servers="):
        process.kill()
        _out, err = process.communicate()
        raise AssertionError(f"broker did not start: {line!r} {err}")
    return BrokerProcess(process, line.strip().split("=", 1)[1], runtime_dir)


@dataclass
class KafkaUnderTest:
    """The broker the integration and UI tests run against, and how a user would reach it.

    embedded: a `tfl-tui broker` process, found through its announcement in `runtime_dir`;
    tansu: an independent Kafka-compatible broker, named in `workdir/client.properties`.
    """

    kind: str
    bootstrap_servers: str
    runtime_dir: Path  # TFL_TUI_RUNTIME_DIR for the commands the tests run
    workdir: Path  # their working directory
    conf: dict[str, str]  # librdkafka settings for clients the tests make themselves

    def target(self, **extra: str) -> KafkaTarget:
        return KafkaTarget(
            {**self.conf, **extra},
            f"{self.kind} broker at {self.bootstrap_servers}",
            embedded=self.kind == "embedded",
        )


@dataclass
class Cli:
    """Runs `tfl-tui` subcommands as a user would, against the session's broker."""

    broker: KafkaUnderTest

    def run(
        self, *args: str, timeout: float = CLI_TIMEOUT_S, **env: str
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            tfl_tui_command(*args),
            capture_output=True,
            text=True,
            timeout=timeout,
            env=cli_env(self.broker.runtime_dir, **env),
            cwd=self.broker.workdir,
            check=False,
        )

    def produce_once(
        self,
        tfl_url: str,
        topic: str,
        *stops: str,
        retry_budget: str = "8",
        http_timeout: str = "2",
        **env: str,
    ) -> subprocess.CompletedProcess[str]:
        """`produce --once` of `stops` from a TfL stand-in, with test-sized retry bounds."""
        args = [
            "produce",
            "--once",
            "--topic",
            topic,
            "--tfl-url",
            tfl_url,
            "--retry-budget",
            retry_budget,
            "--http-timeout",
            http_timeout,
        ]
        for stop in stops:
            args += ["--stop", stop]
        return self.run(*args, **env)

    def consume_json(
        self, topic: str, *extra: str, max_messages: int | None = None, idle_timeout: float = 5.0
    ) -> list[dict[str, Any]]:
        args = [
            "consume",
            "--topic",
            topic,
            "--json",
            "--timeout",
            str(idle_timeout),
            "--group",
            f"g_{uuid.uuid4().hex[:8]}",
            *extra,
        ]
        if max_messages is not None:
            args += ["--max-messages", str(max_messages)]
        done = self.run(*args)
        assert done.returncode == 0, done.stderr
        return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
