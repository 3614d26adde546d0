"""Young garbage collections wait longer while a replay catches up, and only then; Python's own
settings come back when the app ends.

Events are fed to the app as the workers would send them (no workers: this is about the app's
reaction, not about Kafka).
"""

from __future__ import annotations

import gc
import sys
from datetime import UTC, datetime
from typing import Any

from textual.pilot import Pilot

from tests.support import run_app
from tfl_tui.app import TflTuiApp
from tfl_tui.core.dashboard_options import DashboardOptions
from tfl_tui.core.events import ConsumerProgress, PartitionState, ReplayStarted
from tfl_tui.tuning import GC_YOUNG_THRESHOLD, REPLAY_GC_THRESHOLD, SWITCH_INTERVAL_S

NOW = datetime(2026, 11, 29, 8, 30, tzinfo=UTC)


def app() -> TflTuiApp:
    options = DashboardOptions(target=None, demo=True)
    return TflTuiApp(options, clock=lambda: NOW, start_workers=False)


def young() -> int:
    return gc.get_threshold()[0]


def test_collections_wait_longer_during_a_replay_and_as_before_once_caught_up() -> None:
    dashboard = app()
    seen: list[int] = []

    async def scenario(pilot: Pilot[Any]) -> None:
        seen.append(young())
        dashboard.handle_event(ReplayStarted(generation=1, targets={0: 200}))
        seen.append(young())
        behind = ConsumerProgress([PartitionState(0, 100, 0, 200)], 0.0, True, 100, 0)
        dashboard.handle_event(behind)
        seen.append(young())
        caught_up = ConsumerProgress([PartitionState(0, 200, 0, 200)], 0.0, False, 200, 0)
        dashboard.handle_event(caught_up)
        seen.append(young())

    run_app(dashboard, scenario)
    during = REPLAY_GC_THRESHOLD
    assert seen == [GC_YOUNG_THRESHOLD, during, during, GC_YOUNG_THRESHOLD]


def test_an_app_that_ends_during_a_replay_puts_pythons_settings_back() -> None:
    before = (gc.get_threshold(), sys.getswitchinterval())
    assert before[0][0] != GC_YOUNG_THRESHOLD and before[1] != SWITCH_INTERVAL_S
    dashboard = app()

    async def scenario(pilot: Pilot[Any]) -> None:
        dashboard.handle_event(ReplayStarted(generation=1, targets={0: 200}))
        assert young() == REPLAY_GC_THRESHOLD
        assert sys.getswitchinterval() == SWITCH_INTERVAL_S

    run_app(dashboard, scenario)
    assert (gc.get_threshold(), sys.getswitchinterval()) == before
    assert gc.get_freeze_count() == 0
