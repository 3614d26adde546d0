"""The buses that came: when each vehicle reached a stop, inferred from the polls on the topic.

TfL never says "the bus arrived"; its predictions for a vehicle at a stop simply stop. The rule
(docs/architecture.md, "The buses that came"):

- A *visit* is a vehicle's run of predictions for one line at one stop. A sighting more than
  VISIT_GAP after the last one, or expecting the bus more than VISIT_GAP later than the last
  one did, starts another visit (the vehicle came round again).
- A visit ends at the stop's first poll after its last sighting that no longer lists it (or a
  delete, operationType 2). Polls are known from the poll headers, so an empty poll counts.
- The bus **came** if that poll was no more than EARLY_TOLERANCE before the last expected
  arrival; it came at the last expected arrival, kept within the last poll that listed it and
  the first that did not. Otherwise it **vanished** (cancelled, curtailed, out of service).
- A visit whose vehicle is still listed in the stop's last poll is still **expected**.

Pure module: decoded records in, arrivals out. All times are UTC; shown in London time.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tfl_tui.core.board_at import polled_at
from tfl_tui.core.records import Decoded
from tfl_tui.core.timespec import LONDON
from tfl_tui.tfl.prediction import OPERATION_DELETE

VISIT_GAP = timedelta(minutes=10)
EARLY_TOLERANCE = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class Said:
    """One poll's prediction: at `at`, the bus was expected at `expected`."""

    at: datetime
    expected: datetime

    @property
    def eta_s(self) -> int:
        return max(0, int((self.expected - self.at).total_seconds()))


@dataclass
class Arrival:
    stop_id: str
    stop: str  # "Waterloo Station / York Road (W)"
    line: str
    destination: str
    vehicle: str
    said: list[Said] = field(default_factory=list)
    gone_at: datetime | None = None  # the first poll that no longer listed it
    deleted: bool = False
    # The wait since the bus before it of the same line and destination came (None: the first)
    gap: timedelta | None = None

    @property
    def came_at(self) -> datetime | None:
        """When it reached the stop, or None: vanished, or still expected."""
        last = self.said[-1]
        if self.gone_at is None:
            return None
        if not self.deleted and self.gone_at >= last.expected - EARLY_TOLERANCE:
            return min(max(last.expected, last.at), self.gone_at)
        return None

    @property
    def outcome(self) -> str:
        if self.gone_at is None:
            return "expected"
        return "came" if self.came_at is not None else "vanished"


def said_line(arrival: Arrival) -> str:
    """`said 30 min at 12:40, came 13:12: 2 min late`: its first prediction, and how it held."""
    first = arrival.said[0]
    said = f"said {round(first.eta_s / 60)} min at {_hh_mm(first.at)}"
    came = arrival.came_at
    if came is None:
        return said
    off = round((came - first.expected).total_seconds() / 60)
    held = "as said" if off == 0 else f"{abs(off)} min {'late' if off > 0 else 'early'}"
    return f"{said}, came {_hh_mm(came)}: {held}"


def _hh_mm(moment: datetime) -> str:
    return moment.astimezone(LONDON).strftime("%H:%M")


def _stop_label(decoded: Decoded) -> str:
    p = decoded.prediction
    assert p is not None
    return f"{p.station_name} ({p.platform_name})" if p.platform_name else p.station_name


def infer(records: Iterable[Decoded], since: datetime | None = None) -> list[Arrival]:
    """Every visit seen in `records` (any order across partitions), soonest first."""
    polls: dict[str, set[datetime]] = {}
    sightings: dict[tuple[str, str, str], list[tuple[datetime, Decoded]]] = {}
    for decoded in records:
        when = polled_at(decoded)
        if when is None:
            continue
        stop_id = decoded.poll.stop_id if decoded.poll is not None else None
        prediction = decoded.prediction
        if prediction is None:
            if stop_id is not None:
                polls.setdefault(stop_id, set()).add(when)
            continue
        stop_id = stop_id or prediction.naptan_id
        polls.setdefault(stop_id, set()).add(when)
        key = (stop_id, prediction.line_name, prediction.vehicle_id or prediction.id)
        sightings.setdefault(key, []).append((when, decoded))
    ordered = {stop: sorted(times) for stop, times in polls.items()}
    arrivals: list[Arrival] = []
    for (stop_id, line, vehicle), seen in sightings.items():
        seen.sort(key=lambda pair: pair[0])
        arrivals += _visits(stop_id, line, vehicle, seen, ordered[stop_id])
    arrivals.sort(key=lambda a: a.came_at or a.said[-1].expected)
    last: dict[tuple[str, str, str], datetime] = {}
    for arrival in arrivals:
        came = arrival.came_at
        if came is not None:
            key = (arrival.stop_id, arrival.line, arrival.destination)
            arrival.gap = came - last[key] if key in last else None
            last[key] = came
    if since is not None:
        arrivals = [a for a in arrivals if (a.came_at or a.said[-1].expected) >= since]
    return arrivals


def _visits(
    stop_id: str,
    line: str,
    vehicle: str,
    seen: list[tuple[datetime, Decoded]],
    stop_polls: list[datetime],
) -> list[Arrival]:
    visits: list[Arrival] = []
    current: Arrival | None = None
    for when, decoded in seen:
        p = decoded.prediction
        assert p is not None
        if current is not None and current.gone_at is None:
            last = current.said[-1]
            if when - last.at > VISIT_GAP or p.expected_arrival - last.expected > VISIT_GAP:
                current.gone_at = _next_poll(stop_polls, last.at)
                current = None
        if current is None or current.gone_at is not None:
            current = Arrival(
                stop_id, _stop_label(decoded), line, p.destination_name, vehicle=vehicle
            )
            visits.append(current)
        if p.operation_type == OPERATION_DELETE:
            current.gone_at, current.deleted = when, True
            if not current.said:
                visits.pop()  # deleted before ever predicted: nothing to tell
            continue
        if current.said and current.said[-1].at == when:
            current.said[-1] = Said(when, p.expected_arrival)  # two records of one poll
        else:
            current.said.append(Said(when, p.expected_arrival))
        current.destination = p.destination_name
    if current is not None and current.gone_at is None and current.said:
        current.gone_at = _next_poll(stop_polls, current.said[-1].at)
    return [visit for visit in visits if visit.said]


def _next_poll(stop_polls: list[datetime], after: datetime) -> datetime | None:
    """The stop's first poll after `after` (None: none yet: the bus is still expected)."""
    index = bisect.bisect_right(stop_polls, after)
    return stop_polls[index] if index < len(stop_polls) else None
