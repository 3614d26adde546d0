"""Bus stops by name: TfL's search and StopPoint answers read into places and their stops, and
what a `--stop` value means.

A *place* is what TfL's search finds for a bus: usually a stop group (`490G…`, a street corner,
both sides of the road), sometimes a hub (`HUB…`, nesting groups) or a single stop. A place's
bus stops are the leaves below it that buses call at (`NaptanPublicBusCoachTram`); rail and
tube entries are left out.

Pure module: the look-ups themselves are done by a `StopLookup` (the TfL client, the demo
catalogue, a cache in front of either).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from tfl_tui.core.errors import ExitCode, TflTuiError

BUS_STOP_TYPE = "NaptanPublicBusCoachTram"
# A NaPTAN id: digits first (the area code), then letters and digits, no blanks.
_NAPTAN_ID = re.compile(r"[0-9]{3}[0-9A-Za-z]{2,16}")
_GROUP_ID = re.compile(r"490G[0-9A-Za-z]{2,16}", re.IGNORECASE)
_HUB_ID = re.compile(r"HUB[0-9A-Za-z]{2,16}", re.IGNORECASE)
MAX_IDS_PER_REQUEST = 20  # TfL's /StopPoint/{ids} answers up to about 20 ids at once


@dataclass(frozen=True, slots=True)
class BusStop:
    """One bus stop: one side of the road, one letter."""

    id: str  # NaPTAN id, e.g. 490000254W
    name: str = ""  # e.g. "Waterloo Station / York Road"
    letter: str = ""  # "W"; may be two letters ("SB"), or none
    towards: str = ""  # where its buses go, e.g. "Vauxhall"; TfL gives none for some stops
    lines: tuple[str, ...] = ()
    group: str = ""  # the place it belongs to (a 490G… id), when known

    def label(self) -> str:
        """`York Road (W) → Vauxhall`: what tells two stops of one place apart."""
        text = self.name or self.id
        if self.letter:
            text += f" ({self.letter})"
        if self.towards:
            text += f" → {self.towards}"
        return text

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "letter": self.letter,
            "name": self.name,
            "towards": self.towards,
            "lines": list(self.lines),
            "group": self.group,
        }

    @classmethod
    def from_json(cls, value: Any) -> BusStop | None:
        """The stop `to_json` wrote (a cache, the saved stops), or None when it is not one."""
        if not isinstance(value, dict) or not is_stop_id(value.get("id")):
            return None
        lines = value.get("lines")
        return cls(
            value["id"],
            _text(value.get("name")),
            _text(value.get("letter")),
            _text(value.get("towards")),
            tuple(x for x in lines if isinstance(x, str)) if isinstance(lines, list) else (),
            _text(value.get("group")),
        )


@dataclass(frozen=True, slots=True)
class Place:
    """What one search match stands for: a named place and its bus stops."""

    id: str
    name: str
    stops: tuple[BusStop, ...]

    def letters(self) -> str:
        return ", ".join(stop.letter for stop in self.stops if stop.letter) or "-"

    def describe(self) -> str:
        """`Waterloo Station / York Road: W → Vauxhall, S → Elephant & Castle`."""
        parts = [
            f"{stop.letter or stop.id}" + (f" → {stop.towards}" if stop.towards else "")
            for stop in self.stops
        ]
        return f"{self.name}: {', '.join(parts) or 'no bus stops'}"


@dataclass(frozen=True, slots=True)
class Match:
    """One entry of TfL's search answer that buses call at."""

    id: str
    name: str
    towards: str = ""


class StopLookup(Protocol):
    """TfL's stop search and stop detail, or something answering the same (demo, cache)."""

    def search_stops(self, query: str) -> list[Match]: ...

    def places(self, ids: Sequence[str]) -> list[Place]:
        """The places `ids` stand for, in that order; ids unknown to TfL are left out."""
        ...


class StopNotFound(TflTuiError):
    exit_code = ExitCode.USAGE


class AmbiguousStop(TflTuiError):
    """A name that matches several places: the user picks one (the message lists them)."""

    exit_code = ExitCode.USAGE

    def __init__(self, query: str, places: Sequence[Place]) -> None:
        listing = "\n".join(f"  {place.describe()}  [{place.id}]" for place in places)
        super().__init__(
            f"{query!r} matches {len(places)} places:\n{listing}",
            hint=f'give one place\'s name as it is written above (e.g. "{places[0].name}") '
            "or the id in brackets; `tfl-tui stops QUERY` lists every stop's id",
        )
        self.places = tuple(places)


def _text(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def normalise(name: str) -> str:
    """Names compare without regard to case or spacing."""
    return " ".join(name.split()).casefold()


def names_stop(spec: str, ids: Iterable[str], label: str) -> bool:
    """Whether `spec` (as typed after --stop or `stops remove`) means this stop: one of its
    `ids` (its own, its group's), else every word of it in the stop's `label`."""
    if looks_like_id(spec):
        return spec.upper() in {ident.upper() for ident in ids}
    text = normalise(label)
    return all(word in text for word in normalise(spec).split())


def is_stop_id(text: Any) -> bool:
    """A single stop's NaPTAN id (not a group's or a hub's)."""
    return (
        isinstance(text, str) and bool(_NAPTAN_ID.fullmatch(text)) and not _GROUP_ID.fullmatch(text)
    )


def is_group_id(text: str) -> bool:
    return bool(_GROUP_ID.fullmatch(text) or _HUB_ID.fullmatch(text))


def looks_like_id(text: str) -> bool:
    """A NaPTAN stop or group id, or a hub id: used as it is, never searched for."""
    return is_stop_id(text) or is_group_id(text)


# -- TfL's answers --------------------------------------------------------------------------


def parse_search(body: Any) -> list[Match]:
    """The bus matches of `/StopPoint/Search/{query}` (`total` is not trusted: it may differ)."""
    matches = body.get("matches") if isinstance(body, dict) else None
    found: list[Match] = []
    seen: set[str] = set()
    for item in matches if isinstance(matches, list) else ():
        if not isinstance(item, dict):
            continue
        ident, name, modes = item.get("id"), _text(item.get("name")), item.get("modes")
        if not isinstance(ident, str) or not looks_like_id(ident) or not name:
            continue
        if isinstance(modes, list) and "bus" not in modes:
            continue  # rail or tube only
        if ident.upper().startswith(("910", "940")):
            continue  # a station's id even when it lists buses nearby
        if ident not in seen:
            seen.add(ident)
            found.append(Match(ident, name, _text(item.get("towards"))))
    return found


def _items(value: Any) -> list[Any]:
    """A JSON array's items; anything else (a number, a string) as none."""
    return value if isinstance(value, list) else []


def _towards(node: dict[str, Any]) -> str:
    for prop in _items(node.get("additionalProperties")):
        if (
            isinstance(prop, dict)
            and prop.get("category") == "Direction"
            and prop.get("key") == "Towards"
        ):
            return _text(prop.get("value"))
    return ""


def line_order(name: str) -> tuple[int, str, int, str]:
    """Day routes by number (2 before 12 before 381), then lettered ones (C10, N381)."""
    match = re.fullmatch(r"([A-Za-z]*)(\d*)(.*)", name)
    prefix, number, rest = match.groups() if match else (name, "", "")
    return (1 if prefix else 0, prefix.upper(), int(number) if number else 0, rest)


def _lines(node: dict[str, Any]) -> tuple[str, ...]:
    names: list[str] = []
    for line in _items(node.get("lines")):
        if isinstance(line, dict):
            name = _text(line.get("name")) or _text(line.get("id"))
            if name and name not in names:
                names.append(name)
    return tuple(sorted(names, key=line_order))


def _letter(node: dict[str, Any]) -> str:
    letter = _text(node.get("stopLetter"))
    if not letter:
        indicator = _text(node.get("indicator"))
        if indicator.lower().startswith("stop "):
            letter = indicator[5:].strip()
    # TfL writes arrows for a few stops without a letter ("->W"): keep only the letter.
    letter = letter.lstrip("->").strip()
    return letter if 0 < len(letter) <= 3 and letter.isalnum() else ""


def _node_id(node: dict[str, Any]) -> str:
    for key in ("naptanId", "id"):
        value = node.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def _children(node: dict[str, Any]) -> list[dict[str, Any]]:
    children = node.get("children")
    return [c for c in children if isinstance(c, dict)] if isinstance(children, list) else []


def _is_bus_stop(node: dict[str, Any]) -> bool:
    if node.get("stopType") == BUS_STOP_TYPE:
        return True
    modes = node.get("modes")
    return (
        "stopType" not in node
        and not _children(node)
        and isinstance(modes, list)
        and "bus" in modes
        and is_stop_id(_node_id(node))
    )


def _bus_stops(node: dict[str, Any], group: str, place_name: str) -> Iterator[BusStop]:
    ident = _node_id(node)
    if _is_bus_stop(node):
        if is_stop_id(ident):
            yield BusStop(
                ident,
                _text(node.get("commonName")) or place_name,
                _letter(node),
                _towards(node),
                _lines(node),
                group,
            )
        return
    inner = ident if _GROUP_ID.fullmatch(ident) else group
    for child in _children(node):
        yield from _bus_stops(child, inner, _text(node.get("commonName")) or place_name)


def _find(nodes: Iterable[dict[str, Any]], ident: str) -> dict[str, Any] | None:
    """The node with id `ident` at any depth (asking for a stop returns its parent group)."""
    wanted = ident.upper()
    for node in nodes:
        if _node_id(node).upper() == wanted:
            return node
        found = _find(_children(node), ident)
        if found is not None:
            return found
    return None


def _group_above(nodes: Iterable[dict[str, Any]], ident: str, group: str = "") -> str | None:
    """The innermost group (490G…) holding the node `ident` that `_find` finds ("" for none),
    through a hub too; None when it is not there."""
    wanted = ident.upper()
    for node in nodes:
        node_id = _node_id(node)
        if node_id.upper() == wanted:
            return group
        inner = node_id if _GROUP_ID.fullmatch(node_id) else group
        found = _group_above(_children(node), ident, inner)
        if found is not None:
            return found
    return None


def parse_places(body: Any, ids: Sequence[str]) -> list[Place]:
    """`/StopPoint/{ids}`'s answer (one object for one id, else a list) as the places `ids`
    stand for, in that order. A stop's id comes back as its parent group: only that stop."""
    nodes = [body] if isinstance(body, dict) else body if isinstance(body, list) else []
    nodes = [node for node in nodes if isinstance(node, dict)]
    places: list[Place] = []
    for ident in ids:
        node = _find(nodes, ident)
        if node is None:
            continue
        group = ident if _GROUP_ID.fullmatch(ident) else _group_above(nodes, ident) or ""
        name = _text(node.get("commonName")) or ident
        stops = tuple(dict.fromkeys(_bus_stops(node, group, name)))
        places.append(Place(_node_id(node), name, stops))
    return places


# -- what a --stop value means ---------------------------------------------------------------


def chunks(ids: Sequence[str], size: int = MAX_IDS_PER_REQUEST) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def search_places(lookup: StopLookup, query: str) -> list[Place]:
    """Every place TfL finds for `query` that has bus stops, in TfL's order.

    A place is a stop group: a hub's stops are shared out to their groups, and stops found one
    by one join their group, so each stop shows once, under the one place it belongs to. An id
    is looked up as it is.
    """
    query = " ".join(query.split())
    if looks_like_id(query):
        found = lookup.places([query.upper()])
    else:
        matches = lookup.search_stops(query)
        found = lookup.places([match.id for match in matches]) if matches else []
    by_group: dict[str, tuple[str, list[BusStop]]] = {}
    for place in found:
        for stop in place.stops:
            key = stop.group or place.id
            stops = by_group.setdefault(key, (stop.name or place.name, []))[1]
            if stop not in stops:
                stops.append(stop)
    return [Place(key, name, tuple(stops)) for key, (name, stops) in by_group.items()]


def resolve(lookup: StopLookup, spec: str) -> list[BusStop]:
    """The bus stops a `--stop` value means.

    A stop id is used as it is (no request); a group or hub id means all its bus stops; a name
    equal to one place's name (case and spacing aside) means that place's stops, as does a
    name that finds a single place. A name finding several places raises AmbiguousStop, one
    finding none StopNotFound.
    """
    spec = " ".join(spec.split())
    if is_group_id(spec):
        places = [place for place in lookup.places([spec.upper()]) if place.stops]
        if not places:
            raise StopNotFound(
                f"TfL knows no bus stops for {spec}",
                hint="`tfl-tui stops QUERY` finds stops by name",
            )
        return list(places[0].stops)
    if is_stop_id(spec):
        return [BusStop(spec.upper() if spec[:3].isdigit() else spec)]
    places = search_places(lookup, spec)
    if not places:
        raise StopNotFound(
            f"no bus stop matches {spec!r}",
            hint="try part of a street or place name (`tfl-tui stops QUERY` lists matches)",
        )
    wanted = normalise(spec)
    exact = [place for place in places if normalise(place.name) == wanted]
    if len(exact) == 1:
        return list(exact[0].stops)
    if len(places) == 1:
        return list(places[0].stops)
    raise AmbiguousStop(spec, exact or places)


def resolve_all(lookup: StopLookup, specs: Iterable[str]) -> list[BusStop]:
    """Every stop the `--stop` values mean, each once, in the order given."""
    found: dict[str, BusStop] = {}
    for spec in specs:
        for stop in resolve(lookup, spec):
            found.setdefault(stop.id, stop)
    return list(found.values())


@dataclass
class Watchlist:
    """The stops being watched, in order, with what is known of each."""

    stops: list[BusStop] = field(default_factory=list)

    @property
    def ids(self) -> list[str]:
        return [stop.id for stop in self.stops]

    def __contains__(self, stop_id: object) -> bool:
        return any(stop.id == stop_id for stop in self.stops)

    def add(self, new: Iterable[BusStop]) -> list[BusStop]:
        """Adds the stops not watched yet; returns them."""
        added: list[BusStop] = []
        for stop in new:
            if stop.id not in self:
                self.stops.append(stop)
                added.append(stop)
        return added

    def describe(self, known: Iterable[BusStop]) -> None:
        """Take what is known of watched stops (names, letters, towards) in their place."""
        by_id = {stop.id: stop for stop in known}
        self.stops = [by_id.get(stop.id, stop) for stop in self.stops]

    def remove(self, ids: Iterable[str]) -> list[BusStop]:
        """Removes the stops with these ids; returns those that were watched."""
        gone = {ident.upper() for ident in ids}
        removed = [stop for stop in self.stops if stop.id.upper() in gone]
        self.stops = [stop for stop in self.stops if stop.id.upper() not in gone]
        return removed
