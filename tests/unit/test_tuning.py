"""The dashboard's process-wide tuning is undone exactly, however it was left."""

from __future__ import annotations

import gc
import sys

from tfl_tui.tuning import (
    GC_YOUNG_THRESHOLD,
    REPLAY_GC_THRESHOLD,
    SWITCH_INTERVAL_S,
    RuntimeTuning,
)


def settings() -> tuple[tuple[int, ...], float, int]:
    return gc.get_threshold(), sys.getswitchinterval(), gc.get_freeze_count()


def test_entered_then_restored_leaves_python_as_it_was() -> None:
    before = settings()
    with RuntimeTuning() as tuning:
        assert gc.get_threshold()[0] == GC_YOUNG_THRESHOLD
        assert sys.getswitchinterval() == SWITCH_INTERVAL_S
        assert gc.get_freeze_count() > 0
        tuning.replaying(True)
        assert gc.get_threshold()[0] == REPLAY_GC_THRESHOLD
        tuning.replaying(False)
        assert gc.get_threshold()[0] == GC_YOUNG_THRESHOLD
        tuning.replaying(True)  # ended mid-replay
    assert settings() == before


def test_nothing_happens_unless_entered() -> None:
    before = settings()
    tuning = RuntimeTuning()
    tuning.replaying(True)
    tuning.freeze()
    tuning.restore()
    assert settings() == before


def test_entering_twice_keeps_the_first_settings() -> None:
    before = settings()
    tuning = RuntimeTuning()
    tuning.enter()
    tuning.enter()
    tuning.restore()
    assert settings() == before
