"""Process-wide tuning while the dashboard runs: the garbage collector and the GIL's switch
interval. Entered when the app mounts, put back when it unmounts, so that nothing outlives the
app in the process (or leaks from one test into the next).

Why each setting, with figures: docs/performance.md.
"""

from __future__ import annotations

import gc
import sys
from types import TracebackType

GC_YOUNG_THRESHOLD = 50_000  # Python's default is 700
REPLAY_GC_THRESHOLD = 1_000_000  # while a replay catches up
SWITCH_INTERVAL_S = 0.001  # Python's default is 0.005


def _set_young_threshold(threshold: int) -> None:
    young, *older = gc.get_threshold()
    if young != threshold:
        gc.set_threshold(threshold, *older)


class RuntimeTuning:
    """`with RuntimeTuning():`, or `enter()` and `restore()` where a block does not fit."""

    def __init__(self) -> None:
        self._saved: tuple[tuple[int, ...], float] | None = None

    @property
    def active(self) -> bool:
        return self._saved is not None

    def enter(self) -> None:
        if self._saved is not None:
            return
        self._saved = (gc.get_threshold(), sys.getswitchinterval())
        # What exists now (modules, widgets, styles) lives as long as the app: keep the cyclic
        # collector from scanning it again in every full collection.
        gc.freeze()
        # Rendering makes many short-lived containers: collecting the young generation less
        # often lets fewer of them live long enough to need a full collection (every thread
        # stopped).
        _set_young_threshold(GC_YOUNG_THRESHOLD)
        # A busy consumer thread holds the GIL for up to the switch interval each time the UI
        # thread needs it, several times per key press: hand it over sooner.
        sys.setswitchinterval(SWITCH_INTERVAL_S)

    def freeze(self) -> None:
        """What was loaded since (confluent-kafka, requests) lives as long as the app, too."""
        if self._saved is not None:
            gc.freeze()

    def replaying(self, catching_up: bool) -> None:
        """A replay that catches up makes and drops a few hundred thousand records a second,
        none of them in a cycle; each young collection would scan those held at that moment.
        While it catches up, collections wait for a million more objects to be alive: rare
        during a replay, and bounded should one stall while the UI goes on making garbage."""
        if self._saved is not None:
            _set_young_threshold(REPLAY_GC_THRESHOLD if catching_up else GC_YOUNG_THRESHOLD)

    def restore(self) -> None:
        """Python's settings as they were before `enter`."""
        if self._saved is None:
            return
        thresholds, switch_interval = self._saved
        self._saved = None
        gc.set_threshold(*thresholds)
        sys.setswitchinterval(switch_interval)
        gc.unfreeze()

    def __enter__(self) -> RuntimeTuning:
        self.enter()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.restore()
