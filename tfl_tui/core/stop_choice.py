"""Which stops a run watches: those of `--stop`, else the saved ones, else the tutorial's.

Pure apart from reading the saved stops; the look-up (TfL, the demo catalogue, the cache) is
only asked for when a `--stop` value is a name or a group, so ids and saved stops start with
no request at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum

from tfl_tui.core import saved_stops
from tfl_tui.core.defaults import DEFAULT_STOP, DEFAULT_STOP_NAME
from tfl_tui.core.stops import BusStop, StopLookup, is_stop_id, resolve_all

DEFAULT_BUS_STOP = BusStop(DEFAULT_STOP, DEFAULT_STOP_NAME, "W", "Vauxhall")


class Origin(Enum):
    FLAGS = "--stop"
    SAVED = "saved"
    DEFAULT = "default"


@dataclass(frozen=True)
class ChosenStops:
    stops: tuple[BusStop, ...]
    origin: Origin

    @property
    def ids(self) -> list[str]:
        return [stop.id for stop in self.stops]

    def describe(self) -> str:
        """For a status line: `490000254W (Waterloo Station / York Road (W) → Vauxhall)`."""
        return ", ".join(f"{s.id} ({s.label()})" if s.name else s.id for s in self.stops)


def choose_stops(specs: Sequence[str] | None, lookup: Callable[[], StopLookup]) -> ChosenStops:
    """The stops to watch. `lookup` is made only when a value is not a plain stop id."""
    if specs:
        if all(is_stop_id(spec) for spec in specs):
            stops = [BusStop(spec.upper()) for spec in dict.fromkeys(specs)]
            return ChosenStops(tuple(dict.fromkeys(stops)), Origin.FLAGS)
        return ChosenStops(tuple(resolve_all(lookup(), specs)), Origin.FLAGS)
    saved = saved_stops.load()
    if saved:
        return ChosenStops(tuple(saved), Origin.SAVED)
    return ChosenStops((DEFAULT_BUS_STOP,), Origin.DEFAULT)
