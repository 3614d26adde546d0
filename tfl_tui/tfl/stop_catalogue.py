"""An offline catalogue of real London bus stop places, answering like TfL's stop look-ups.

`search_response` and `stop_point_response` build the JSON TfL sends for
`/StopPoint/Search/{query}?modes=bus` and `/StopPoint/{ids}`, noise fields included, so the
demo (and tests) go through the very parsing code the live API does. Names, stop letters,
towards values and lines are real as far as known; ids are NaPTAN-style but made up.

Pure module: stdlib only, no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

_ENTITIES = "Tfl.Api.Presentation.Entities"
SEARCH_TYPE = f"{_ENTITIES}.SearchResponse, {_ENTITIES}"
MATCH_TYPE = f"{_ENTITIES}.MatchedStop, {_ENTITIES}"
STOP_POINT_TYPE = f"{_ENTITIES}.StopPoint, {_ENTITIES}"
IDENTIFIER_TYPE = f"{_ENTITIES}.Identifier, {_ENTITIES}"
CROWDING_TYPE = f"{_ENTITIES}.Crowding, {_ENTITIES}"
LINE_GROUP_TYPE = f"{_ENTITIES}.LineGroup, {_ENTITIES}"
LINE_MODE_GROUP_TYPE = f"{_ENTITIES}.LineModeGroup, {_ENTITIES}"
PROPERTY_TYPE = f"{_ENTITIES}.AdditionalProperties, {_ENTITIES}"

PAIR_TYPE = "NaptanOnstreetBusCoachStopPair"
CLUSTER_TYPE = "NaptanOnstreetBusCoachStopCluster"
BUS_STOP_TYPE = "NaptanPublicBusCoachTram"
HUB_TYPE = "TransportInterchange"
STATION_TYPES = {"national-rail": "NaptanRailStation", "tube": "NaptanMetroStation"}
ACCESS_AREA_TYPES = {"national-rail": "NaptanRailAccessArea", "tube": "NaptanMetroAccessArea"}


@dataclass(frozen=True, slots=True)
class Child:
    """One bus stop of a group."""

    id: str
    letter: str
    towards: str  # "" for the stops TfL gives no Towards (bus station stands)
    compass: str  # "" when TfL gives no CompassPoint either
    lines: tuple[str, ...]  # as shown ("N381"); the line id is the lower case


@dataclass(frozen=True, slots=True)
class Group:
    """A place: a stop pair (two sides of a road) or a cluster (more stops)."""

    id: str
    name: str
    lat: float
    lon: float
    stops: tuple[Child, ...]
    by_stop: bool = False  # TfL's search lists its stops one by one (with towards), not it


@dataclass(frozen=True, slots=True)
class Station:
    id: str  # 910G… (rail) or 940G… (tube)
    name: str
    mode: str  # "national-rail" or "tube"
    lat: float
    lon: float
    lines: tuple[str, ...]  # line ids ("south-western-railway")


@dataclass(frozen=True, slots=True)
class Hub:
    id: str
    name: str
    lat: float
    lon: float
    members: tuple[str, ...]  # ids of its groups and stations


def _stop(letter: str, towards: str, compass: str, lines: str) -> tuple[str, str, str, str]:
    return (letter, towards, compass, lines)


def _group(
    ident: str,
    name: str,
    lat: float,
    lon: float,
    *stops: tuple[str, str, str, str],
    by_stop: bool = False,
) -> Group:
    """A group whose stops' ids are `490` + the group's code + the letter, as NaPTAN's are."""
    children = tuple(
        Child(f"490{ident[-6:]}{letter}", letter, towards, compass, tuple(lines.split()))
        for letter, towards, compass, lines in stops
    )
    return Group(ident, name, lat, lon, children, by_stop)


# The lines of the simulator's WATERLOO stop (490000254W), which this table must agree with.
WATERLOO_LINES = "77 211 381 507 139 26 N381"

GROUPS: tuple[Group, ...] = (
    _group("490G00000254", "Waterloo Station / York Road", 51.50359, -0.11428,
           _stop("W", "Vauxhall", "SW", WATERLOO_LINES),
           _stop("X", "Aldwych", "NE", "26 76 139 168 N76")),
    _group("490G00000255", "Waterloo Station / Waterloo Road", 51.50253, -0.11197,
           _stop("L", "Elephant & Castle", "S", "1 59 68 168 171 176 188 N171"),
           _stop("M", "Aldwych", "N", "1 59 68 168 171 176 188 243")),
    _group("490G00000288", "Waterloo Bridge / South Bank", 51.50661, -0.11617,
           _stop("R", "Aldwych", "N", "59 68 168 171 176 188 243 N1"),
           _stop("T", "Waterloo", "S", "59 68 168 171 176 188 243 N1")),
    _group("490G00007080", "Elephant & Castle", 51.49453, -0.10032,
           _stop("E", "Walworth", "SE", "12 35 40 45 68 148 171 176"),
           _stop("H", "Borough", "N", "35 40 133 343 N133"),
           _stop("K", "Kennington", "SW", "133 155 333 415 N133 N155")),
    _group("490G00007081", "Elephant & Castle / New Kent Road", 51.49501, -0.09581,
           _stop("S", "Old Kent Road", "E", "53 63 168 172 363 453"),
           _stop("T", "Elephant & Castle", "W", "53 63 168 172 363 453")),
    _group("490G00004133", "Brixton Station", 51.46271, -0.11451,
           _stop("SB", "Streatham", "S", "45 59 109 118 133 250 333 N109"),
           _stop("J", "Kennington", "N", "3 59 133 159 333 415 N3"),
           _stop("K", "Camberwell", "E", "35 45 345 N35")),
    _group("490G00005221", "Clapham Common Station", 51.46178, -0.13836,
           _stop("A", "Balham", "S", "155 355 N155"),
           _stop("B", "Stockwell", "NE", "88 155 345 355 N155")),
    _group("490G00014317", "Vauxhall Bus Station", 51.48609, -0.12341,
           _stop("A", "Victoria", "N", "2 36 185 436 N2 N136"),
           _stop("D", "Stockwell", "S", "2 88 196 N2"),
           _stop("E", "Battersea", "W", "77 87 156 344 452"),
           _stop("G", "Kennington", "E", "36 185 436 N136")),
    _group("490G00011010", "Trafalgar Square / Charing Cross Station", 51.50762, -0.12735,
           _stop("S", "Westminster", "S", "12 24 88 159 453 N109"),
           _stop("D", "Piccadilly Circus", "W", "6 9 13 23 139 N9")),
    _group("490G00015321", "Oxford Circus Station", 51.51522, -0.14183,
           _stop("OC", "Marble Arch", "W", "7 98 390 N98 N207"),
           _stop("OF", "Tottenham Court Road", "E", "55 73 98 390 N55 N73")),
    _group("490G00006805", "Camberwell Green", 51.47402, -0.09302,
           _stop("C", "Elephant & Castle", "N", "12 35 40 45 68 148 171 176"),
           _stop("E", "Denmark Hill", "S", "40 176 185 484"),
           _stop("F", "Peckham", "E", "12 36 171 436 N36")),
    _group("490G00009333", "London Bridge Bus Station", 51.50519, -0.08641,
           _stop("B", "Moorgate", "N", "21 43 141 N21"),
           _stop("G", "Elephant & Castle", "SW", "35 40 133 N133"),
           _stop("K", "", "", "17 149 521")),  # a stand: TfL gives it no direction
    _group("490G00003030", "Angel Station", 51.53224, -0.10576,
           _stop("A", "Highbury", "N", "4 19 30 43 N19"),
           _stop("G", "King's Cross", "W", "30 73 205 214 476 N205")),
    _group("490G00009800", "Mile End Station", 51.52509, -0.03328,
           _stop("K", "Bow", "E", "25 205 277 323 339 N25 N205"),
           _stop("L", "Whitechapel", "W", "25 205 N25 N205")),
    _group("490G00009118", "Lewisham Station", 51.46513, -0.01393,
           _stop("B", "Catford", "S", "47 54 75 136 181 199 208 N136"),
           _stop("E", "Eltham", "E", "178 321 N21")),
    _group("490G00010580", "Oval Station", 51.48194, -0.11262,
           _stop("F", "Kennington", "N", "3 36 59 133 159 185 436 N3"),
           _stop("G", "Brixton", "S", "3 59 133 159 333 415 N3"), by_stop=True),
    _group("490G00006510", "Eltham High Street", 51.45096, 0.05298,
           _stop("K", "Lewisham", "W", "161 314 321 N21"),
           _stop("B", "Bexleyheath", "E", "132 286 321 B16")),
)  # fmt: skip

STATIONS: tuple[Station, ...] = (
    Station("910GWATRLMN", "London Waterloo Rail Station", "national-rail", 51.50322, -0.11328,
            ("south-western-railway",)),
    Station("940GZZLUWLO", "Waterloo Underground Station", "tube", 51.50322, -0.11328,
            ("bakerloo", "jubilee", "northern", "waterloo-city")),
    Station("910GELPHNAC", "Elephant & Castle Rail Station", "national-rail", 51.49396, -0.09899,
            ("southeastern", "thameslink")),
    Station("940GZZLUEAC", "Elephant & Castle Underground Station", "tube", 51.49575, -0.10046,
            ("bakerloo", "northern")),
    Station("910GLNDNBDC", "London Bridge Rail Station", "national-rail", 51.50506, -0.08598,
            ("southeastern", "southern", "thameslink")),
    Station("940GZZLUBXN", "Brixton Underground Station", "tube", 51.46258, -0.11467,
            ("victoria",)),
    Station("910GVAUXHLM", "Vauxhall Rail Station", "national-rail", 51.48621, -0.12286,
            ("south-western-railway",)),
)  # fmt: skip

HUBS: tuple[Hub, ...] = (
    Hub("HUBWAT", "Waterloo", 51.50322, -0.11328,
        ("490G00000254", "490G00000255", "910GWATRLMN", "940GZZLUWLO")),
)  # fmt: skip

_GROUPS = {group.id: group for group in GROUPS}
_STATIONS = {station.id: station for station in STATIONS}
_HUBS = {hub.id: hub for hub in HUBS}
_STOPS = {child.id: (group, child) for group in GROUPS for child in group.stops}
_TOP_PARENT = {member: hub.id for hub in HUBS for member in hub.members}


def find_stop(stop_id: str) -> tuple[Group, Child] | None:
    """The catalogue stop with this id (any case), and its group."""
    return _STOPS.get(stop_id.strip().upper())


# -- TfL's search ---------------------------------------------------------------------------


def _matches(query: str, name: str) -> bool:
    words = query.casefold().split()
    return bool(words) and all(word in name.casefold() for word in words)


def _ics(ident: str) -> str:
    """TfL's journey-planner code: a hub's members share the hub's."""
    ident = _TOP_PARENT.get(ident, ident)
    if ident in _HUBS:
        ident = _HUBS[ident].members[0]
    return "1" + "".join(ch for ch in ident if ch.isdigit())[-6:].rjust(6, "0")


def _match(ident: str, name: str, modes: list[str], lat: float, lon: float) -> dict[str, Any]:
    return {
        "$type": MATCH_TYPE,
        "icsId": _ics(ident),
        "topMostParentId": _TOP_PARENT.get(ident, ident),
        "modes": modes,
        "id": ident,
        "name": name,
        "lat": lat,
        "lon": lon,
    }


def search_response(query: str) -> dict[str, Any]:
    """`/StopPoint/Search/{query}?modes=bus`: every place whose name holds each word of the
    query (case aside). Like TfL's, it lists hubs and stations too, and its `total` counts the
    stops found under the groups listed, so it exceeds the number of matches."""
    found: list[dict[str, Any]] = []
    hidden = 0
    for hub in HUBS:
        if _matches(query, hub.name):
            modes = sorted({"bus"} | {_STATIONS[m].mode for m in hub.members if m in _STATIONS})
            found.append(_match(hub.id, hub.name, modes, hub.lat, hub.lon))
    for group in GROUPS:
        if not _matches(query, group.name):
            continue
        if group.by_stop:
            for child in group.stops:
                item = _match(child.id, group.name, ["bus"], *_child_position(group, child))
                item["topMostParentId"] = group.id
                item["towards"] = child.towards
                found.append(item)
        else:
            found.append(_match(group.id, group.name, ["bus"], group.lat, group.lon))
            hidden += len(group.stops)
    for station in STATIONS:
        if _matches(query, station.name):
            found.append(_match(station.id, station.name, [station.mode], station.lat, station.lon))
    return {
        "$type": SEARCH_TYPE,
        "query": query,
        "total": len(found) + hidden,
        "matches": found,
    }


# -- TfL's StopPoint detail -----------------------------------------------------------------


def _line(line_id: str, name: str) -> dict[str, Any]:
    return {
        "$type": IDENTIFIER_TYPE,
        "id": line_id,
        "name": name,
        "uri": f"/Line/{line_id}",
        "type": "Line",
        "crowding": {"$type": CROWDING_TYPE},
        "routeType": "Unknown",
        "status": "Unknown",
    }


def _bus_lines(names: Sequence[str]) -> list[dict[str, Any]]:
    # TfL sorts a stop's lines by id, as text ("1", "168", "59", "n171").
    return [_line(name.lower(), name) for name in sorted(set(names), key=str.lower)]


def _mode_groups(mode: str, line_ids: Sequence[str]) -> list[dict[str, Any]]:
    if not line_ids:
        return []
    return [{"$type": LINE_MODE_GROUP_TYPE, "modeName": mode, "lineIdentifier": list(line_ids)}]


def _property(key: str, value: str, source: str) -> dict[str, Any]:
    return {
        "$type": PROPERTY_TYPE,
        "category": "Direction",
        "key": key,
        "sourceSystemKey": source,
        "value": value,
    }


def _child_position(group: Group, child: Child) -> tuple[float, float]:
    # Stops stand a few metres apart around their group's point.
    index = group.stops.index(child)
    return round(group.lat + 0.0002 * (index - 0.5), 6), round(group.lon + 0.0003 * index, 6)


def _child_object(group: Group, child: Child) -> dict[str, Any]:
    lines = _bus_lines(child.lines)
    line_ids = [line["id"] for line in lines]
    properties = []
    if child.compass:
        properties.append(_property("CompassPoint", child.compass, "Naptan490"))
    if child.towards:
        properties.append(_property("Towards", child.towards, "CountDown"))
    lat, lon = _child_position(group, child)
    return {
        "$type": STOP_POINT_TYPE,
        "naptanId": child.id,
        "indicator": f"Stop {child.letter}",
        "stopLetter": child.letter,
        "modes": ["bus"],
        "icsCode": _ics(group.id),
        "stopType": BUS_STOP_TYPE,
        "stationNaptan": group.id,
        "lines": lines,
        "lineGroup": [
            {
                "$type": LINE_GROUP_TYPE,
                "naptanIdReference": child.id,
                "stationAtcoCode": group.id,
                "lineIdentifier": line_ids,
            }
        ],
        "lineModeGroups": _mode_groups("bus", line_ids),
        "status": True,
        "id": child.id,
        "commonName": group.name,
        "placeType": "StopPoint",
        "additionalProperties": properties,
        "children": [],
        "lat": lat,
        "lon": lon,
    }


def _group_object(group: Group) -> dict[str, Any]:
    children = [_child_object(group, child) for child in group.stops]
    lines = _bus_lines([name for child in group.stops for name in child.lines])
    return {
        "$type": STOP_POINT_TYPE,
        "naptanId": group.id,
        "modes": ["bus"],
        "icsCode": _ics(group.id),
        "stopType": PAIR_TYPE if len(group.stops) == 2 else CLUSTER_TYPE,
        "stationNaptan": group.id,
        "lines": lines,
        "lineGroup": [item for child in children for item in child["lineGroup"]],
        "lineModeGroups": _mode_groups("bus", [line["id"] for line in lines]),
        "status": True,
        "id": group.id,
        "commonName": group.name,
        "placeType": "StopPoint",
        "additionalProperties": [],
        "children": children,
        "lat": group.lat,
        "lon": group.lon,
    }


def _station_object(station: Station) -> dict[str, Any]:
    lines = [_line(ident, ident.replace("-", " ").title()) for ident in station.lines]
    # Its one child is the ticket hall: not a bus stop, whatever digits its id starts with.
    area_id = f"{station.id[:3]}0{station.id[4:]}"
    area = {
        "$type": STOP_POINT_TYPE,
        "naptanId": area_id,
        "modes": [station.mode],
        "icsCode": _ics(station.id),
        "stopType": ACCESS_AREA_TYPES[station.mode],
        "stationNaptan": station.id,
        "lines": lines,
        "lineGroup": [],
        "lineModeGroups": _mode_groups(station.mode, list(station.lines)),
        "status": True,
        "id": area_id,
        "commonName": station.name,
        "placeType": "StopPoint",
        "additionalProperties": [],
        "children": [],
        "lat": station.lat,
        "lon": station.lon,
    }
    return {
        **area,
        "naptanId": station.id,
        "stopType": STATION_TYPES[station.mode],
        "id": station.id,
        "children": [area],
    }


def _hub_object(hub: Hub) -> dict[str, Any]:
    children = [_object(member) for member in hub.members]
    present = [child for child in children if child is not None]
    lines = [line for child in present for line in child["lines"]]
    return {
        "$type": STOP_POINT_TYPE,
        "naptanId": hub.id,
        "modes": sorted({mode for child in present for mode in child["modes"]}),
        "icsCode": _ics(hub.id),
        "stopType": HUB_TYPE,
        "stationNaptan": hub.id,
        "hubNaptanCode": hub.id[3:],
        "lines": lines,
        "lineGroup": [],
        "lineModeGroups": [g for child in present for g in child["lineModeGroups"]],
        "status": True,
        "id": hub.id,
        "commonName": hub.name,
        "placeType": "StopPoint",
        "additionalProperties": [],
        "children": present,
        "lat": hub.lat,
        "lon": hub.lon,
    }


def _object(ident: str) -> dict[str, Any] | None:
    """What TfL answers for one id; a stop's id gets its parent group."""
    key = ident.strip().upper()
    if key in _HUBS:
        return _hub_object(_HUBS[key])
    if key in _GROUPS:
        return _group_object(_GROUPS[key])
    if key in _STOPS:
        return _group_object(_STOPS[key][0])
    if key in _STATIONS:
        return _station_object(_STATIONS[key])
    return None


def stop_point_response(ids: Sequence[str]) -> Any:
    """`/StopPoint/{ids}`: one object for one id, else a list leaving unknown ids out. One
    unknown id gives None: TfL answers 404 with an ApiError then."""
    found = [obj for obj in map(_object, ids) if obj is not None]
    if len(ids) == 1:
        return found[0] if found else None
    return found
