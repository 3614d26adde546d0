"""`h` on a board row, against the session's broker: the history read from a backfilled topic."""

from __future__ import annotations

import re
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from tests.support import Cli, KafkaUnderTest, run_app, until
from tfl_tui.app import TflTuiApp
from tfl_tui.core.dashboard_options import DashboardOptions
from tfl_tui.core.stop_choice import Origin
from tfl_tui.widgets.board_table import BoardTable
from tfl_tui.widgets.history_screen import LOADING, HistoryScreen

pytestmark = pytest.mark.integration


def test_h_on_a_row_tells_the_buses_of_its_line_that_came(
    broker: KafkaUnderTest, cli: Cli, topic: str, stop_id: str
) -> None:
    done = cli.run(
        "produce", "--demo", "--once", "--backfill", "1h", "--topic", topic, "--stop", stop_id
    )
    assert done.returncode == 0, done.stderr
    app = TflTuiApp(
        DashboardOptions(
            target=broker.target(),
            topic=topic,
            produce=False,  # the backfill is the whole topic
            stops=[stop_id],
            stops_origin=Origin.FLAGS,
        )
    )

    def summary() -> str:
        return str(app.screen.query_one("#history-summary", Static).render())

    async def scenario(pilot: Pilot[Any]) -> None:
        table = app.query_one(BoardTable)
        await until(pilot, lambda: table.row_count > 0, "the board from the backfill")
        row = table.selected_row
        assert row is not None
        await pilot.press("h")
        await until(pilot, lambda: isinstance(app.screen, HistoryScreen), "the history")
        await until(pilot, lambda: LOADING not in summary(), "the topic read", timeout=30)
        # An hour of a line at a stop: some came (the demo runs every line at least hourly).
        assert re.match(r"[1-9]\d* came", summary()), summary()
        title = str(app.screen.query_one("#history-title", Static).render())
        assert row.line in title and row.destination in title
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, HistoryScreen), "closed")

    run_app(app, scenario)
