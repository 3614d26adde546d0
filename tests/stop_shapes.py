"""TfL's stop look-up answers as recorded, for the awkward cases: `$type`s and noise included.

- `SEARCH_WATERLOO`: `/StopPoint/Search/waterloo?modes=bus`: a hub, groups, a single stop
  carrying `towards`, rail and tube stations (one listing buses too); `total` is not the
  number of matches.
- `SEARCH_NOTHING`: a search that found nothing.
- `LEE_GREEN`: `/StopPoint/490G00009043`: a cluster with a two-letter stop, a stop without
  Towards and one whose letter is only in its indicator.
- `HUB_WATERLOO`: `/StopPoint/HUBWAT`: a hub → two groups → their stops, plus a rail and a tube
  station with their own (non-bus) children.
- `YORK_ROAD`: one of the hub's groups on its own, as `/StopPoint/490G00000254` answers.
- `NOT_FOUND`: the ApiError body of a 404 for an unknown id.
"""

from __future__ import annotations

from typing import Any

_ENTITIES = "Tfl.Api.Presentation.Entities"
SEARCH_TYPE = f"{_ENTITIES}.SearchResponse, {_ENTITIES}"
MATCH_TYPE = f"{_ENTITIES}.MatchedStop, {_ENTITIES}"
STOP_POINT_TYPE = f"{_ENTITIES}.StopPoint, {_ENTITIES}"
IDENTIFIER_TYPE = f"{_ENTITIES}.Identifier, {_ENTITIES}"
PROPERTY_TYPE = f"{_ENTITIES}.AdditionalProperties, {_ENTITIES}"
API_ERROR_TYPE = f"{_ENTITIES}.ApiError, {_ENTITIES}"


def _match(ident: str, name: str, modes: list[str], parent: str, ics: str) -> dict[str, Any]:
    return {
        "$type": MATCH_TYPE,
        "icsId": ics,
        "topMostParentId": parent,
        "modes": modes,
        "id": ident,
        "name": name,
        "lat": 51.50322,
        "lon": -0.11328,
    }


SEARCH_WATERLOO: dict[str, Any] = {
    "$type": SEARCH_TYPE,
    "query": "waterloo",
    "total": 14,
    "matches": [
        _match("HUBWAT", "Waterloo", ["bus", "national-rail", "river-bus", "tube"], "HUBWAT",
               "1000254"),
        _match("910GWATRLMN", "London Waterloo Rail Station", ["national-rail"], "HUBWAT",
               "1000254"),
        _match("940GZZLUWLO", "Waterloo Underground Station", ["tube"], "HUBWAT", "1000254"),
        # A station whose match lists the buses outside: still not a bus place.
        _match("910GWLOE", "London Waterloo East Rail Station", ["bus", "national-rail"],
               "910GWLOE", "1001315"),
        _match("490G00000254", "Waterloo Station / York Road", ["bus"], "HUBWAT", "1000254"),
        _match("490G00000288", "Waterloo Bridge / South Bank", ["bus"], "490G00000288",
               "1000288"),
        {
            **_match("490000257K", "Waterloo Road / The Cut", ["bus"], "490G00000257",
                     "1000257"),
            "towards": "Elephant & Castle",
        },
    ],
}  # fmt: skip

SEARCH_NOTHING: dict[str, Any] = {
    "$type": SEARCH_TYPE,
    "query": "xyzzy",
    "total": 0,
    "matches": [],
}


def _line(line_id: str, name: str | None = None) -> dict[str, Any]:
    return {
        "$type": IDENTIFIER_TYPE,
        "id": line_id,
        "name": name or line_id,
        "uri": f"/Line/{line_id}",
        "type": "Line",
        "crowding": {"$type": f"{_ENTITIES}.Crowding, {_ENTITIES}"},
        "routeType": "Unknown",
        "status": "Unknown",
    }


def _property(key: str, value: str, source: str = "Naptan490") -> dict[str, Any]:
    return {
        "$type": PROPERTY_TYPE,
        "category": "Direction",
        "key": key,
        "sourceSystemKey": source,
        "value": value,
    }


def _node(
    ident: str,
    name: str,
    stop_type: str,
    modes: list[str],
    lines: list[str],
    children: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A StopPoint with every field TfL sends, in TfL's order (`extra` overrides any)."""
    return {
        "$type": STOP_POINT_TYPE,
        "naptanId": ident,
        "modes": modes,
        "icsCode": "1000254",
        "stopType": stop_type,
        "stationNaptan": ident,
        "lines": [_line(line.lower(), line) for line in lines],
        "lineGroup": [],
        "lineModeGroups": [
            {
                "$type": f"{_ENTITIES}.LineModeGroup, {_ENTITIES}",
                "modeName": modes[0],
                "lineIdentifier": [line.lower() for line in lines],
            }
        ],
        "status": True,
        "id": ident,
        "commonName": name,
        "placeType": "StopPoint",
        "additionalProperties": [],
        "children": children or [],
        "lat": 51.50322,
        "lon": -0.11328,
        **extra,
    }


def _bus_stop(
    ident: str,
    name: str,
    group: str,
    letter: str | None,
    lines: list[str],
    properties: list[dict[str, Any]],
    indicator: str | None = None,
) -> dict[str, Any]:
    node = _node(
        ident,
        name,
        "NaptanPublicBusCoachTram",
        ["bus"],
        lines,
        indicator=indicator or f"Stop {letter}",
        stationNaptan=group,
        smsCode="5" + ident[4:8],
        lineGroup=[
            {
                "$type": f"{_ENTITIES}.LineGroup, {_ENTITIES}",
                "naptanIdReference": ident,
                "stationAtcoCode": group,
                "lineIdentifier": [line.lower() for line in lines],
            }
        ],
        additionalProperties=properties,
    )
    if letter is not None:
        node["stopLetter"] = letter
    return node


LEE_GREEN_ID = "490G00009043"
LEE_GREEN: dict[str, Any] = _node(
    LEE_GREEN_ID,
    "Lee Green",
    "NaptanOnstreetBusCoachStopCluster",
    ["bus"],
    ["21", "178", "261", "321", "N21"],
    [
        _bus_stop("490009043N", "Lee Green", LEE_GREEN_ID, "N", ["21", "178", "261", "321", "N21"],
                  [_property("CompassPoint", "W"), _property("Towards", "Lewisham", "CountDown")]),
        _bus_stop("490009043SB", "Lee Green", LEE_GREEN_ID, "SB", ["21", "321", "N21"],
                  [_property("CompassPoint", "E"), _property("Towards", "Eltham", "CountDown")]),
        # A stand: TfL gives it a compass point but no Towards.
        _bus_stop("490009043T", "Lee Green", LEE_GREEN_ID, "T", ["261"],
                  [_property("CompassPoint", "S")]),
        # No stopLetter at all: only the indicator names it.
        _bus_stop("490009043K", "Lee Green / Burnt Ash Road", LEE_GREEN_ID, None, ["261"],
                  [_property("Towards", "Grove Park", "CountDown")], indicator="Stop K"),
    ],
)  # fmt: skip

YORK_ROAD: dict[str, Any] = _node(
    "490G00000254",
    "Waterloo Station / York Road",
    "NaptanOnstreetBusCoachStopPair",
    ["bus"],
    ["26", "77", "139", "211", "381", "507", "N381"],
    [
        _bus_stop("490000254W", "Waterloo Station / York Road", "490G00000254", "W",
                  ["77", "211", "381", "507", "139", "26", "N381"],
                  [_property("CompassPoint", "SW"), _property("Towards", "Vauxhall", "CountDown")]),
        _bus_stop("490000254X", "Waterloo Station / York Road", "490G00000254", "X",
                  ["26", "76", "139"],
                  [_property("CompassPoint", "NE"), _property("Towards", "Aldwych", "CountDown")]),
    ],
)  # fmt: skip

WATERLOO_ROAD: dict[str, Any] = _node(
    "490G00000255",
    "Waterloo Station / Waterloo Road",
    "NaptanOnstreetBusCoachStopPair",
    ["bus"],
    ["1", "68", "168", "188"],
    [
        _bus_stop("490000255L", "Waterloo Station / Waterloo Road", "490G00000255", "L",
                  ["1", "68", "168", "188"],
                  [_property("Towards", "Elephant & Castle", "CountDown")]),
        _bus_stop("490000255M", "Waterloo Station / Waterloo Road", "490G00000255", "M",
                  ["1", "68", "168", "188"], [_property("Towards", "Aldwych", "CountDown")]),
    ],
)  # fmt: skip

HUB_WATERLOO: dict[str, Any] = _node(
    "HUBWAT",
    "Waterloo",
    "TransportInterchange",
    ["bus", "national-rail", "tube"],
    ["1", "26", "77", "bakerloo", "south-western-railway"],
    [
        YORK_ROAD,
        WATERLOO_ROAD,
        # Rail and tube stations, whose children (digits first, like bus stops) are no stops.
        _node("910GWATRLMN", "London Waterloo Rail Station", "NaptanRailStation",
              ["national-rail"], ["south-western-railway"],
              [_node("9100WATRLMN", "London Waterloo Rail Station", "NaptanRailAccessArea",
                     ["national-rail"], ["south-western-railway"])]),
        _node("940GZZLUWLO", "Waterloo Underground Station", "NaptanMetroStation", ["tube"],
              ["bakerloo", "jubilee", "northern", "waterloo-city"],
              [_node("9400ZZLUWLO1", "Waterloo Underground Station", "NaptanMetroPlatform",
                     ["tube"], ["bakerloo"])]),
    ],
    hubNaptanCode="WAT",
)  # fmt: skip

NOT_FOUND: dict[str, Any] = {
    "$type": API_ERROR_TYPE,
    "timestampUtc": "2026-11-25T15:31:02.7713545Z",
    "exceptionType": "EntityNotFoundException",
    "httpStatusCode": 404,
    "httpStatus": "NotFound",
    "relativeUri": "/StopPoint/490G99999999",
    "message": "The following stop point is not recognised: 490G99999999",
}
