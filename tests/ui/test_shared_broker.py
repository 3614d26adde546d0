"""A dashboard never depends on another dashboard's life, and says plainly when the standalone
broker it uses has gone."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.support import cli_env, run_app, start_broker, tfl_tui_command, until
from tests.ui.test_terminal import Terminal
from tfl_tui.app import TflTuiApp
from tfl_tui.core.broker_announcement import read_announcement
from tfl_tui.core.dashboard_options import DashboardOptions
from tfl_tui.core.kafka_target import resolve_kafka

pytestmark = [pytest.mark.integration, pytest.mark.embedded_only]

PID = re.compile(rb"pid (\d+)")


def test_a_second_dashboard_runs_its_own_broker(tmp_path: Path) -> None:
    env = cli_env(tmp_path / "runtime", TERM="xterm-256color", COLUMNS="160", LINES="45")
    first = Terminal(tfl_tui_command("--demo", "--seed", "3"), env)
    second: Terminal | None = None
    try:
        assert first.read_until(b"delivered", timeout=30), first.output[-2000:]
        second = Terminal(tfl_tui_command("--demo", "--seed", "5"), env)
        assert second.read_until(b"delivered", timeout=30), second.output[-2000:]
        # The first dashboard's broker is announced; the second must not lean on it. (Which
        # broker serves it is in the status detail, `i`.)
        os.write(second.master, b"i")
        assert second.read_until(b"a dashboard's, pid", timeout=30), second.output[-2000:]
        served_by = {int(pid) for pid in PID.findall(second.output)}
        assert served_by == {second.process.pid}, served_by

        # The newest dashboard's broker is the one announced, for `consume` elsewhere; the
        # first dashboard quitting leaves that announcement alone.
        announced = read_announcement(tmp_path / "runtime")
        assert announced is not None and announced.pid == second.process.pid

        os.write(first.master, b"q")
        # (Read while it quits: a terminal nobody reads blocks the program writing to it.)
        assert first.read_until(b", 0 undelivered", timeout=30), first.output[-2000:]
        assert first.process.wait(30) == 0
        announced = read_announcement(tmp_path / "runtime")
        assert announced is not None and announced.pid == second.process.pid
        os.write(second.master, b"q")  # its broker outlived the first dashboard
        assert second.read_until(b", 0 undelivered", timeout=30), second.output[-2000:]
        assert second.process.wait(30) == 0
    finally:
        first.close()
        if second is not None:
            second.close()


def test_a_stopped_standalone_broker_is_explained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = tmp_path / "runtime"
    broker = start_broker(runtime)
    monkeypatch.setenv("TFL_TUI_RUNTIME_DIR", str(runtime))
    target = resolve_kafka(None, None, for_dashboard=True)
    assert target is not None and target.broker_pid == broker.process.pid
    app = TflTuiApp(
        DashboardOptions(
            target=target, topic="shared", demo=True, seed=3, interval=600.0, flush_timeout=2.0
        )
    )

    async def scenario(pilot: Pilot[Any]) -> None:
        await until(pilot, lambda: app.status.producer and app.status.producer.delivered, "records")
        broker.stop()
        await until(
            pilot,
            lambda: "has stopped" in (app.status.last_failure or ""),
            "the dashboard to say the broker has stopped",
        )
        assert f"pid {broker.process.pid}" in (app.status.last_failure or "")

    try:
        run_app(app, scenario)
    finally:
        broker.stop()
