"""Offline, deterministic stand-in for TfL's `/StopPoint/{id}/Arrivals` (used by `--demo`).

A stop is a set of bus lines, each sending vehicles at a headway with some randomness. Every
vehicle has a true arrival time that drifts a little between polls, so countdowns behave like
TfL's: buses show up about 30 min out, approach, jitter, arrive and vanish. All randomness comes
from `random.Random` instances seeded from (seed, stop id), so a seed plus a clock sequence fully
determine the output. Stops can also be found by name, in the offline catalogue of
`stop_catalogue` (read by the same parser as TfL's answers).

Pure module: stdlib only, no I/O.
"""

from __future__ import annotations

import hashlib
import random
import secrets
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tfl_tui.core.stops import Match, Place, chunks, parse_places, parse_search
from tfl_tui.tfl import stop_catalogue
from tfl_tui.tfl.prediction import PREDICTION_TYPE, format_tfl_time

TIMING_TYPE = "Tfl.Api.Presentation.Entities.PredictionTiming, Tfl.Api.Presentation.Entities"
HORIZON = timedelta(minutes=30)  # TfL lists buses due within about half an hour
LEAD = timedelta(minutes=5)  # vehicles exist (and drift) a little before they become visible
MAX_DRIFT_S = 20.0  # largest change of a bus's expected arrival between two polls
TIME_TO_LIVE = timedelta(seconds=30)
REGISTRATION_LETTERS = "ABCDEFGHJKLMNOPRSTUVWXYZ"  # UK plates never use I or Q


@dataclass(frozen=True, slots=True)
class Destination:
    name: str
    towards: str
    naptan_id: str


@dataclass(frozen=True, slots=True)
class Line:
    name: str  # as shown, e.g. "N381"; the lineId is its lower case
    headway_min: float
    direction: str
    bearing: str
    destinations: tuple[Destination, ...]  # the first is the usual one, others short workings


@dataclass(frozen=True, slots=True)
class Stop:
    naptan_id: str
    name: str
    letter: str
    lines: tuple[Line, ...]


def _line(name: str, headway: float, direction: str, bearing: str, *dests: str) -> Line:
    """A line from flat (name, towards, naptan id) triples, to keep the table below compact."""
    triples = zip(dests[0::3], dests[1::3], dests[2::3], strict=True)
    return Line(name, headway, direction, bearing, tuple(Destination(*t) for t in triples))


WATERLOO = Stop(
    "490000254W",
    "Waterloo Station / York Road",
    "W",
    (
        _line("77", 10, "outbound", "188", "Tooting Station", "Vauxhall or Wandsworth Road",
              "490013468N", "Wandsworth Road", "Vauxhall", "490014302S"),
        _line("211", 9, "outbound", "188", "Hammersmith", "Westminster or Victoria",
              "490000100B"),
        _line("381", 8, "inbound", "190", "Peckham", "Southwark or Bermondsey", "490010756P",
              "Canada Water", "Bermondsey", "490004733D"),
        _line("507", 5, "outbound", "186", "Victoria", "Lambeth Bridge", "490000248G"),
        _line("139", 9, "outbound", "186", "West Hampstead", "Trafalgar Square or Oxford Circus",
              "490014271W", "Golders Green", "Baker Street", "490007385GG"),
        _line("26", 8, "inbound", "190", "Hackney Wick", "Aldwych or Liverpool Street",
              "490007811H", "Victoria Park", "Bethnal Green", "490013838W"),
        _line("N381", 15, "inbound", "190", "Peckham", "Southwark or Bermondsey",
              "490010756P"),
    ),
)  # fmt: skip
KNOWN_STOPS = {WATERLOO.naptan_id: WATERLOO}

_PLACES = (
    "Elephant & Castle", "Camberwell Green", "Brixton Station", "Clapham Common", "Kennington",
    "Borough", "Old Kent Road", "Stockwell", "Vauxhall", "Lambeth North", "Aldwych", "Holborn",
    "Angel", "Dalston Junction", "Mile End", "Bow Church", "Lewisham", "Deptford Bridge",
    "Marble Arch", "Notting Hill Gate", "Euston", "Bank", "Whitechapel", "Oval",
)  # fmt: skip
_ROADS = (
    "High Street", "London Road", "Church Street", "Station Approach", "Market Place",
    "Kings Road", "Victoria Street", "Park Road", "Albert Embankment", "Tooley Street",
)  # fmt: skip
_TERMINI = (
    "Tooting Station", "Hammersmith", "Peckham", "Victoria", "West Hampstead", "Hackney Wick",
    "Clapham Junction", "Stratford City", "Camden Town", "Crystal Palace", "King's Cross",
    "Paddington", "Putney Bridge", "Streatham Hill", "Wood Green", "Walthamstow Central",
    "Canada Water", "Greenwich", "Shepherd's Bush", "Archway", "Tottenham Court Road",
)  # fmt: skip


def _digest(*parts: object) -> int:
    """A stable 64-bit number from `parts` (Python's hash() is randomised per process)."""
    text = "\x1f".join(str(part) for part in parts)
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def _naptan(rng: random.Random) -> str:
    return f"490{rng.randrange(10**6):06d}{rng.choice('ABCDEFGHJKLMNPRSTVWXZ')}"


def _catalogue_stop(group: stop_catalogue.Group, child: stop_catalogue.Child) -> Stop:
    """A catalogue stop with its own lines; only the timetable details are made up (stably)."""
    rng = random.Random(_digest("stop", child.id))
    bearing = rng.randrange(360)
    direction = rng.choice(("inbound", "outbound"))
    lines: list[Line] = []
    for name in child.lines:
        termini = rng.sample(_TERMINI, 2)
        towards = child.towards or " or ".join(rng.sample(_PLACES, 2))
        dests = [Destination(termini[0], towards, _naptan(rng))]
        if rng.random() < 0.3:
            dests.append(Destination(termini[1], towards, _naptan(rng)))
        headway = rng.randint(12, 15) if name.startswith("N") else rng.randint(4, 12)
        line_bearing = str((bearing + rng.randint(-4, 4)) % 360)
        lines.append(Line(name, headway, direction, line_bearing, tuple(dests)))
    return Stop(child.id, group.name, child.letter, tuple(lines))


def demo_stop(stop_id: str) -> Stop:
    """The simulated stop for `stop_id`: a known one, a catalogue one, or one derived stably
    from the id alone."""
    known = KNOWN_STOPS.get(stop_id.upper())
    if known is not None:
        return known
    listed = stop_catalogue.find_stop(stop_id)
    if listed is not None:
        return _catalogue_stop(*listed)
    rng = random.Random(_digest("stop", stop_id))  # independent of the seed: layout is stable
    tail = stop_id[len(stop_id.rstrip(string.ascii_letters)) :]
    naptan_like = stop_id[:1].isdigit() and 1 <= len(tail) <= 2
    letter = tail.upper() if naptan_like else rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ")
    name = f"{rng.choice(_PLACES)} / {rng.choice(_ROADS)}"
    bearing = rng.randrange(360)
    lines: list[Line] = []
    numbers = rng.sample(range(1, 482), rng.randint(4, 7))
    for number in numbers:
        termini = rng.sample(_TERMINI, 2)
        dests = [Destination(termini[0], " or ".join(rng.sample(_PLACES, 2)), _naptan(rng))]
        if rng.random() < 0.4:
            dests.append(Destination(termini[1], rng.choice(_PLACES), _naptan(rng)))
        line_bearing = str((bearing + rng.randint(-4, 4)) % 360)
        direction = rng.choice(("inbound", "outbound"))
        lines.append(Line(str(number), rng.randint(4, 12), direction, line_bearing, tuple(dests)))
    if rng.random() < 0.6:  # a night route shadowing the first day route, as N381 does 381
        day = lines[0]
        lines.append(Line(f"N{day.name}", rng.randint(12, 15), day.direction, day.bearing,
                          day.destinations[:1]))  # fmt: skip
    return Stop(stop_id, name, letter, tuple(lines))


@dataclass(slots=True)
class _Vehicle:
    id: str
    registration: str
    line: Line
    destination: Destination
    expected: datetime  # the "true" arrival time, drifting a little at each poll


def _registration(rng: random.Random) -> str:
    area = rng.choice(("LJ", "LX", "LT", "LK", "LF", "YX", "YY", "SN", "BV", "LG", "BU"))
    year = rng.randint(11, 24) + rng.choice((0, 50))  # March or September plates
    tail = "".join(rng.choices(REGISTRATION_LETTERS, k=3))
    return f"{area}{year:02d}{tail}"


def _ms_time(moment: datetime) -> str:
    """TfL's `timing` stamps carry milliseconds without trailing zeros (`…:43.48Z`)."""
    text = format_tfl_time(moment, 3)
    return text[:-1].rstrip("0").rstrip(".") + "Z"


class _StopSim:
    """The vehicles of one stop, advanced lazily to each poll's clock time."""

    def __init__(self, stop: Stop, seed: int, now: datetime) -> None:
        self.stop = stop
        self.seed = seed
        self.rng = random.Random(seed)
        self.vehicles: list[_Vehicle] = []
        self.last = now
        # Start each line at a random phase of its headway, as if service were already running.
        self.next_due = [now + self._gap(line) * self.rng.random() for line in stop.lines]
        self._spawn(now)

    def _gap(self, line: Line) -> timedelta:
        return timedelta(minutes=line.headway_min * self.rng.uniform(0.5, 1.5))

    def _spawn(self, now: datetime) -> None:
        until = now + HORIZON + LEAD
        for index, line in enumerate(self.stop.lines):
            while self.next_due[index] <= until:
                self.vehicles.append(self._new_vehicle(line, self.next_due[index]))
                self.next_due[index] += self._gap(line)

    def _new_vehicle(self, line: Line, due: datetime) -> _Vehicle:
        rng = self.rng
        others = line.destinations[1:]
        destination = rng.choice(others) if others and rng.random() < 0.2 else line.destinations[0]
        ids = {v.id for v in self.vehicles}
        plates = {v.registration for v in self.vehicles}
        vehicle_id = str(rng.randint(-(2**31), 2**31 - 1))
        while vehicle_id in ids:
            vehicle_id = str(rng.randint(-(2**31), 2**31 - 1))
        plate = _registration(rng)
        while plate in plates:
            plate = _registration(rng)
        return _Vehicle(vehicle_id, plate, line, destination, due)

    def advance(self, now: datetime) -> None:
        elapsed = (now - self.last).total_seconds()
        if elapsed <= 0:
            return  # same instant, or the clock stepped back: nothing moves
        self.last = now
        # Drift scales with the time between polls and stays below it, so a countdown never
        # goes up: it falls by somewhere between elapsed/3 and elapsed*5/3.
        limit = min(MAX_DRIFT_S, elapsed / 1.5)
        for vehicle in self.vehicles:
            drift = max(-limit, min(limit, self.rng.gauss(limit * 0.1, limit / 3)))
            vehicle.expected += timedelta(seconds=drift)
        self.vehicles = [v for v in self.vehicles if v.expected >= now]  # arrived buses go
        for index, line in enumerate(self.stop.lines):
            if self.next_due[index] < now:  # a jump past whole headways: resume in O(1)
                self.next_due[index] = now + self._gap(line) * self.rng.random()
        self._spawn(now)

    def predictions(self, now: datetime) -> list[dict[str, Any]]:
        # Per-poll randomness (order, timing stamps) depends only on (seed, time), so asking
        # twice at the same instant gives the same answer and leaves the vehicles' stream alone.
        poll = random.Random(_digest(self.seed, now.isoformat()))
        items = [
            self._prediction(v, now, poll)
            for v in self.vehicles
            if now <= v.expected <= now + HORIZON
        ]
        poll.shuffle(items)  # TfL's answer is not sorted either
        return items

    def _prediction(self, v: _Vehicle, now: datetime, poll: random.Random) -> dict[str, Any]:
        time_to_station = int((v.expected - now).total_seconds())
        expected = (now + timedelta(seconds=time_to_station)).replace(microsecond=0)
        sent = now - timedelta(seconds=poll.uniform(0.0, 1.0))
        insert = sent - timedelta(seconds=poll.uniform(5.0, 12.0))
        source = insert - timedelta(seconds=poll.uniform(3.0, 20.0))
        return {
            "$type": PREDICTION_TYPE,
            "id": v.id,
            "operationType": 1,
            "vehicleId": v.registration,
            "naptanId": self.stop.naptan_id,
            "stationName": self.stop.name,
            "lineId": v.line.name.lower(),
            "lineName": v.line.name,
            "platformName": self.stop.letter,
            "direction": v.line.direction,
            "bearing": v.line.bearing,
            "destinationNaptanId": v.destination.naptan_id,
            "destinationName": v.destination.name,
            "timestamp": format_tfl_time(now),
            "timeToStation": time_to_station,
            "currentLocation": "",
            "towards": v.destination.towards,
            "expectedArrival": format_tfl_time(expected, 0),
            "timeToLive": format_tfl_time(expected + TIME_TO_LIVE, 0),
            "modeName": "bus",
            "timing": {
                "$type": TIMING_TYPE,
                "countdownServerAdjustment": "00:00:00.5200000",
                "source": _ms_time(source),
                "insert": _ms_time(insert),
                "read": _ms_time(insert + timedelta(milliseconds=poll.randint(0, 40))),
                "sent": _ms_time(sent),
                "received": "0001-01-01T00:00:00Z",
            },
        }


def _utc_now() -> datetime:
    return datetime.now(UTC)


class DemoSource:
    """Answers like `TflClient.fetch`, from a simulation instead of the network."""

    def __init__(self, seed: int | None = None, clock: Callable[[], datetime] = _utc_now) -> None:
        self.seed = secrets.randbits(32) if seed is None else seed
        self._clock = clock
        self._stops: dict[str, _StopSim] = {}

    def describe(self) -> str:
        return f"demo simulator (seed {self.seed})"

    def close(self) -> None:
        """Nothing to release; here so the demo can stand in for `TflClient`."""

    def min_interval(self, stops: int) -> float:
        return 0.0  # no request budget: it answers from memory

    def search_stops(self, query: str) -> list[Match]:
        """TfL's stop search over the offline catalogue, read by the live API's parser."""
        return parse_search(stop_catalogue.search_response(query))

    def places(self, ids: Sequence[str]) -> list[Place]:
        """The catalogue places `ids` stand for, asked and read as from TfL (in chunks)."""
        found: list[Place] = []
        for chunk in chunks(list(ids)):
            found += parse_places(stop_catalogue.stop_point_response(chunk), chunk)
        return found

    def fetch(self, stop_id: str, deadline: float | None = None) -> list[dict[str, Any]]:
        """Same shape as TfL's JSON answer (a list of prediction dicts), for the stop at clock()."""
        del deadline  # never blocks, so there is nothing to bound
        now = self._clock()
        now = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
        sim = self._stops.get(stop_id)
        if sim is None:
            sim = _StopSim(demo_stop(stop_id), _digest(self.seed, stop_id), now)
            self._stops[stop_id] = sim
        else:
            sim.advance(now)
        return sim.predictions(now)
