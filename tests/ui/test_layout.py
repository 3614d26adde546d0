"""The board fits the terminal while it runs: resized from 200x50 to 80x24 and 60x15 and back,
its columns follow (countdowns first), and the raw messages make room on short terminals
unless the user chose otherwise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from textual.pilot import Pilot

from tests.support import run_app, until
from tests.unit.factories import poll_records, prediction
from tfl_tui.app import TflTuiApp
from tfl_tui.core.dashboard_options import DashboardOptions
from tfl_tui.core.events import PollOutcome, RecordsBatch
from tfl_tui.tfl.simulator import DemoSource
from tfl_tui.widgets.board_table import BoardTable
from tfl_tui.widgets.raw_panel import RawPanel
from tfl_tui.widgets.status_bar import StatusBar

NOW = datetime(2026, 11, 25, 8, 30, tzinfo=UTC)
STOPS = ("490000254W", "490000173RB")  # two stops: the Stop column has a reason to be


def dashboard() -> TflTuiApp:
    app = TflTuiApp(
        DashboardOptions(target=None, demo=True, stops=list(STOPS)),
        clock=lambda: NOW,
        start_workers=False,
    )
    return app


def feed(app: TflTuiApp) -> None:
    polled = NOW - timedelta(seconds=10)
    for stop in STOPS:
        predictions = DemoSource(seed=2, clock=lambda: polled).fetch(stop)
        records = poll_records(predictions, stop, polled_at=polled)
        app.handle_event(RecordsBatch(records, generation=0, recent=records, read=len(records)))


def shown_columns(app: TflTuiApp) -> list[str]:
    return app.query_one(BoardTable).column_keys()


def test_columns_follow_the_terminal_as_it_is_resized() -> None:
    app = dashboard()

    async def scenario(pilot: Pilot[Any]) -> None:
        feed(app)
        table = app.query_one(BoardTable)
        await until(pilot, lambda: table.row_count > 5, "the board")
        wide = table.column_layout
        assert shown_columns(app) == ["line", "next", "destination", "stop", "updated"]
        assert wide is not None and wide.etas == 3
        assert app.query_one(RawPanel).display  # 50 rows: room for the raw messages

        await pilot.resize_terminal(80, 24)
        await until(pilot, lambda: table.column_layout != wide, "the 80-column layout")
        layout = table.column_layout
        assert layout is not None and layout.etas >= 2 and layout.destination >= 12
        assert "updated" not in shown_columns(app)
        raw = app.query_one(RawPanel)
        await until(pilot, lambda: not raw.display, "the board first, under 30 rows")

        await pilot.resize_terminal(60, 15)
        await until(pilot, lambda: table.column_layout != layout, "the 60-column layout")
        narrow = table.column_layout
        assert narrow is not None and narrow.etas >= 1 and narrow.destination >= 6
        assert shown_columns(app)[:3] == ["line", "next", "destination"]

        await pilot.resize_terminal(200, 50)
        await until(pilot, lambda: table.column_layout == wide, "the wide layout again")
        await until(pilot, lambda: raw.display, "the raw messages back")

    run_app(app, scenario, size=(200, 50))


def test_the_raw_messages_stay_as_the_user_chose() -> None:
    app = dashboard()

    async def scenario(pilot: Pilot[Any]) -> None:
        raw = app.query_one(RawPanel)
        assert not raw.display  # 24 rows
        await pilot.press("m")
        assert raw.display
        await pilot.resize_terminal(80, 20)
        await until(pilot, lambda: app.size.height == 20, "the resize")
        assert raw.display  # chosen, so kept whatever the size
        await pilot.press("m")
        await pilot.resize_terminal(200, 50)
        await until(pilot, lambda: app.size.height == 50, "the resize")
        assert not raw.display

    run_app(app, scenario, size=(80, 24))


def test_the_board_stays_at_the_top_as_it_reorders() -> None:
    # Left where it starts, the cursor stays on the first row, where the soonest buses are,
    # when a sooner bus comes in above it; it does not follow its old row down the board.
    app = dashboard()

    async def scenario(pilot: Pilot[Any]) -> None:
        feed(app)
        table = app.query_one(BoardTable)
        await until(pilot, lambda: table.row_count > 5, "the board")
        first = table.visible_rows()[0].key
        sooner = bus_due_in(0)  # due now, on line 1: first on the board
        records = poll_records([sooner], "490000999Z", polled_at=NOW - timedelta(seconds=5))
        app.handle_event(RecordsBatch(records, generation=0, recent=records, read=1))
        await until(pilot, lambda: table.visible_rows()[0].key != first, "the sooner bus")
        assert table.cursor_row == 0
        assert table.scroll_y == 0

    run_app(app, scenario, size=(120, 30))


def bus_due_in(seconds: int) -> dict[str, Any]:
    expected = NOW + timedelta(seconds=seconds)
    return prediction(
        id="sooner",
        lineId="1",
        lineName="1",
        destinationName="Canada Water",
        naptanId="490000999Z",
        timestamp=(NOW - timedelta(seconds=5)).isoformat().replace("+00:00", "Z"),
        timeToStation=seconds,
        expectedArrival=expected.isoformat().replace("+00:00", "Z"),
        timeToLive=(expected + timedelta(seconds=30)).isoformat().replace("+00:00", "Z"),
    )


def test_every_stops_last_poll_can_be_scrolled_to_in_the_status_detail() -> None:
    app = dashboard()

    async def scenario(pilot: Pilot[Any]) -> None:
        feed(app)
        for number in range(8):
            app.handle_event(PollOutcome(f"4900{number}", f"Stop number {number}", NOW, count=3))
        await pilot.press("i")
        box = app.query_one("#status-box")
        await until(pilot, lambda: box.max_scroll_y > 0, "a detail taller than its box")
        shown = str(app.query_one(StatusBar).render())
        assert all(f"Stop number {number}" in shown for number in range(8))
        await pilot.press("end")  # the detail has the keys
        await until(pilot, lambda: box.scroll_y == box.max_scroll_y, "the last stop in view")

    run_app(app, scenario, size=(60, 15))
