"""One poll of one stop: fetch from a source, keep the valid predictions, stamp the metadata.

Pure module (no Kafka, no UI): both `tfl-tui produce` and the dashboard's producer worker run
polls through here and hand the resulting snapshots to the Kafka producer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from tfl_tui.core.errors import TflError
from tfl_tui.core.poll_headers import write_headers
from tfl_tui.tfl.prediction import Rejected, split_arrivals


class ArrivalsSource(Protocol):
    """The live TfL client and the demo simulator both look like this."""

    def fetch(self, stop_id: str, deadline: float | None = None) -> list[Any]: ...

    def describe(self) -> str: ...

    def min_interval(self, stops: int) -> float:
        """The shortest interval at which `stops` stops can all be polled (a request budget)."""
        ...


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Snapshot:
    """Everything one poll of one stop produced."""

    stop_id: str
    seq: int
    polled_at: datetime
    source: str
    predictions: list[dict[str, Any]]
    rejected: list[Rejected] = field(default_factory=list)

    def headers(self) -> list[tuple[str, bytes]]:
        return write_headers(
            self.stop_id, self.polled_at, self.seq, len(self.predictions), self.source
        )

    def station_label(self) -> str:
        """Like "Waterloo Station / York Road (W)"; the stop id before any bus is known."""
        for item in self.predictions:
            name, letter = item.get("stationName"), item.get("platformName")
            if isinstance(name, str) and name:
                return f"{name} ({letter})" if isinstance(letter, str) and letter else name
        return self.stop_id


@dataclass(frozen=True)
class PollFailure:
    stop_id: str
    seq: int
    polled_at: datetime
    error: TflError


class Poller:
    """Numbers each stop's polls and turns a source's answer into a Snapshot or a failure."""

    def __init__(
        self, source: ArrivalsSource, source_name: str, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self.source = source
        self.source_name = source_name
        self._clock = clock
        self._seq: dict[str, int] = {}

    def poll(self, stop_id: str, deadline: float | None = None) -> Snapshot | PollFailure:
        seq = self._seq.get(stop_id, 0) + 1
        self._seq[stop_id] = seq
        polled_at = self._clock()
        try:
            items = self.source.fetch(stop_id, deadline)
        except TflError as error:
            return PollFailure(stop_id, seq, polled_at, error)
        accepted, rejected = split_arrivals(items)
        return Snapshot(stop_id, seq, polled_at, self.source_name, accepted, rejected)
