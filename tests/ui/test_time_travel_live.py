"""`t`: time travel in the dashboard, against the session's broker, and `board --at` agreeing
with what the screen shows for the same moment."""

from __future__ import annotations

import json
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.support import Cli, KafkaUnderTest, run_app, until
from tfl_tui.app import TflTuiApp
from tfl_tui.core.dashboard_options import DashboardOptions
from tfl_tui.core.stop_choice import Origin
from tfl_tui.widgets.board_table import BoardTable
from tfl_tui.widgets.timeline import Timeline

pytestmark = pytest.mark.integration


def test_the_board_at_a_past_minute_is_what_board_at_prints(
    broker: KafkaUnderTest, cli: Cli, topic: str, stop_id: str
) -> None:
    done = cli.run(
        "produce", "--demo", "--once", "--backfill", "30m", "--topic", topic, "--stop", stop_id
    )
    assert done.returncode == 0, done.stderr
    app = TflTuiApp(
        DashboardOptions(
            target=broker.target(),
            topic=topic,
            produce=False,
            stops=[stop_id],
            stops_origin=Origin.FLAGS,
        )
    )
    shown: list[tuple[str, str, tuple[int, ...]]] = []
    moments: list[Any] = []

    async def scenario(pilot: Pilot[Any]) -> None:
        table = app.query_one(BoardTable)
        await until(pilot, lambda: table.row_count > 0, "the live board")
        live = list(table.view.rows(0, len(table.view)))
        await pilot.press("t")
        timeline = app.query_one(Timeline)
        await until(pilot, lambda: app._travel_at is not None, "the index", timeout=30)
        assert timeline.has_focus
        first = app._travel_at
        await pilot.press("shift+left", "left")
        await until(pilot, lambda: app._travel_at != first, "the cursor to move")
        assert app._travel_at is not None and first is not None
        # Eleven minutes back, on the minute (the first moment may be now itself).
        assert app._travel_at.second == 0
        assert 11 * 60 <= (first - app._travel_at).total_seconds() < 12 * 60
        assert "min ago" in str(app.query_one("#board-box").border_title)
        moments.append(app._travel_at)
        await pilot.press("down")  # the rows stay in reach while the timeline has the keys
        assert table.cursor_row == 1 and timeline.has_focus
        await pilot.press("end", "right")  # never past now
        await until(pilot, lambda: app._travel_at == first, "back at the last minute")
        await pilot.press("shift+left", "left")
        await until(pilot, lambda: app._travel_at == moments[0], "the same minute again")
        view = table.view
        shown.extend((r.line, r.destination, r.etas) for r in view.rows(0, len(view)))
        await pilot.press("t")  # back to live: the board it left, still counting
        await until(pilot, lambda: not timeline.display, "live again")
        assert {r.key for r in table.view.rows(0, len(table.view))} == {r.key for r in live}

    run_app(app, scenario)
    assert shown
    at = moments[0].isoformat()
    printed = cli.run("board", "--topic", topic, "--at", at, "--json")
    assert printed.returncode == 0, printed.stderr
    rows = [json.loads(line) for line in printed.stdout.splitlines()]
    assert [(r["line"], r["destination"], tuple(r["etas_s"])) for r in rows] == shown
