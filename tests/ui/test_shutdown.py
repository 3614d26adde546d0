"""Timers that fire while the app shuts down must not draw on widgets that are gone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from textual.pilot import Pilot

from tests.support import run_app
from tfl_tui.app import TflTuiApp
from tfl_tui.core.dashboard_options import DashboardOptions

NOW = datetime(2026, 11, 29, 8, 30, tzinfo=UTC)


def test_the_countdown_tick_after_shutdown_began_draws_nothing() -> None:
    """The 1 s tick is the app's own timer: Textual removes the screens before it stops the
    app's timers, and a tick in between once raised NoMatches (seen in the latency benchmark)."""
    dashboard = TflTuiApp(
        DashboardOptions(target=None, demo=True), clock=lambda: NOW, start_workers=False
    )

    async def scenario(pilot: Pilot[Any]) -> None:
        await pilot.pause()

    run_app(dashboard, scenario)
    dashboard._tick()  # the widgets are gone now, as they are in that moment
