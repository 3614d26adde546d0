"""A broker process killed under running clients: noticed, reported, nothing silently dropped."""

from __future__ import annotations

import re
import signal
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.support import run_app, start_broker, start_producing, until, wait_for
from tests.tfl_standin import Answer, TflStandIn
from tfl_tui.app import TflTuiApp
from tfl_tui.core.dashboard_options import DashboardOptions
from tfl_tui.core.errors import ExitCode
from tfl_tui.core.kafka_target import KafkaTarget
from tfl_tui.tfl.simulator import DemoSource

pytestmark = [pytest.mark.integration, pytest.mark.embedded_only]


def test_produce_reports_what_a_killed_broker_never_got(
    tmp_path: Path, tfl: TflStandIn, stop_id: str
) -> None:
    broker = start_broker(tmp_path / "runtime")
    tfl.script(stop_id, Answer.json(DemoSource(seed=5).fetch(stop_id)))
    producer = start_producing(broker.runtime_dir, tfl.url, stop_id, "--flush-timeout", "2")
    try:
        wait_for(lambda: len(tfl.requests_for(stop_id)) >= 2, "two polls")
        broker.process.kill()  # no goodbye: the broker is simply gone
        broker.process.wait(10)
        polls_at_kill = len(tfl.requests_for(stop_id))
        wait_for(
            lambda: len(tfl.requests_for(stop_id)) >= polls_at_kill + 2,
            "polls after the broker died",
        )
    finally:
        producer.send_signal(signal.SIGTERM)
        out, err = producer.communicate(timeout=30)

    assert producer.returncode == ExitCode.UNDELIVERED, err
    summary = re.search(
        r"produced (\d+) records: (\d+) delivered, (\d+) failed, "
        r"(\d+) still undelivered",
        err,
    )
    assert summary is not None, err
    produced, delivered, failed, undelivered = map(int, summary.groups())
    assert undelivered + failed > 0
    assert produced == delivered + failed + undelivered  # every record accounted for
    assert out.count("Produced message") == delivered
    assert "not delivered" in err


def test_dashboard_notices_a_killed_broker(tmp_path: Path) -> None:
    broker = start_broker(tmp_path / "runtime")
    target = KafkaTarget(
        {"bootstrap.servers": broker.bootstrap_servers}, broker.bootstrap_servers, embedded=True
    )
    app = TflTuiApp(DashboardOptions(target=target, demo=True, interval=1.0, flush_timeout=1.0))

    async def scenario(pilot: Pilot[Any]) -> None:
        await until(pilot, lambda: len(app.board) > 0, "the board")
        await until(pilot, lambda: app.status.connection == "connected", "connected")
        broker.process.kill()
        await until(
            pilot,
            lambda: app.status.connection.startswith("disconnected"),
            "the disconnection to show",
        )
        assert len(app.board) > 0  # what was known stays on screen
        await pilot.press("q")
        await until(pilot, lambda: not app.is_running, "the app to exit")

    run_app(app, scenario)
    stopped = app.outcome.stopped
    assert stopped is not None
    assert stopped.produced == stopped.delivered + stopped.undelivered
