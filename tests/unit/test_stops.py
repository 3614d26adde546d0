"""Finding bus stops by name: TfL's answers read into places, and what a `--stop` value means."""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests import stop_shapes as shapes
from tfl_tui.core.stops import (
    AmbiguousStop,
    BusStop,
    Match,
    Place,
    StopNotFound,
    Watchlist,
    names_stop,
    parse_places,
    parse_search,
    resolve,
    resolve_all,
    search_places,
)
from tfl_tui.tfl import simulator, stop_catalogue
from tfl_tui.tfl.simulator import DemoSource, demo_stop

# -- parse_search ---------------------------------------------------------------------------


def test_search_keeps_bus_places_and_drops_stations() -> None:
    found = parse_search(shapes.SEARCH_WATERLOO)
    assert [m.id for m in found] == ["HUBWAT", "490G00000254", "490G00000288", "490000257K"]
    assert found[0] == Match("HUBWAT", "Waterloo")
    assert found[-1] == Match("490000257K", "Waterloo Road / The Cut", "Elephant & Castle")
    assert shapes.SEARCH_WATERLOO["total"] != len(shapes.SEARCH_WATERLOO["matches"])


def test_search_total_is_not_trusted() -> None:
    for total in (0, 1, 999, None, "many"):
        body = {**shapes.SEARCH_WATERLOO, "total": total}
        assert len(parse_search(body)) == 4
    assert parse_search({**shapes.SEARCH_NOTHING, "total": 5}) == []


def test_empty_search() -> None:
    assert parse_search(shapes.SEARCH_NOTHING) == []


@pytest.mark.parametrize(
    "body", [None, [], "matches", 42, {}, {"matches": None}, {"matches": {"id": "HUBWAT"}}]
)
def test_search_answers_that_are_not_one(body: Any) -> None:
    assert parse_search(body) == []


def test_search_skips_hostile_matches() -> None:
    good = shapes.SEARCH_WATERLOO["matches"][4]
    body = {
        "matches": [
            None,
            "490G00000254",
            7,
            [good],
            {**good, "id": 490},
            {**good, "id": "not an id"},
            {**good, "name": None},
            {**good, "name": ["Waterloo"]},
            {**good, "name": "   "},
            {**good, "towards": {"x": 1}},  # kept, its towards dropped
            good,  # a repeat
            {**good, "id": "490G00000288", "name": "  Waterloo\tBridge  ", "modes": None},
        ]
    }
    assert parse_search(body) == [
        Match("490G00000254", "Waterloo Station / York Road"),
        Match("490G00000288", "Waterloo Bridge"),
    ]


# -- parse_places ---------------------------------------------------------------------------


def test_a_group_as_one_object() -> None:
    (place,) = parse_places(shapes.LEE_GREEN, [shapes.LEE_GREEN_ID])
    assert (place.id, place.name) == (shapes.LEE_GREEN_ID, "Lee Green")
    by_id = {stop.id: stop for stop in place.stops}
    assert list(by_id) == ["490009043N", "490009043SB", "490009043T", "490009043K"]
    assert by_id["490009043N"] == BusStop(
        "490009043N", "Lee Green", "N", "Lewisham", ("21", "178", "261", "321", "N21"),
        shapes.LEE_GREEN_ID,
    )  # fmt: skip
    assert by_id["490009043SB"].letter == "SB"
    assert by_id["490009043SB"].towards == "Eltham"  # not the CompassPoint before it
    assert by_id["490009043T"].towards == ""
    assert by_id["490009043K"].letter == "K"  # from the indicator
    assert by_id["490009043K"].name == "Lee Green / Burnt Ash Road"
    assert place.letters() == "N, SB, T, K"
    assert place.describe() == "Lee Green: N → Lewisham, SB → Eltham, T, K → Grove Park"


def test_several_ids_as_a_list_in_the_order_asked() -> None:
    body = [shapes.YORK_ROAD, shapes.LEE_GREEN]
    places = parse_places(body, [shapes.LEE_GREEN_ID, "490G00000254"])
    assert [p.id for p in places] == [shapes.LEE_GREEN_ID, "490G00000254"]
    assert [s.letter for s in places[1].stops] == ["W", "X"]
    # The same object under a list of one reads the same.
    assert parse_places([shapes.LEE_GREEN], [shapes.LEE_GREEN_ID]) == places[:1]


def test_a_stop_id_gives_only_that_stop_of_its_parent_group() -> None:
    (place,) = parse_places(shapes.LEE_GREEN, ["490009043SB"])
    assert place.id == "490009043SB"
    assert place.stops == (
        BusStop("490009043SB", "Lee Green", "SB", "Eltham", ("21", "321", "N21"), "490G00009043"),
    )
    # Case aside, as TfL.
    assert parse_places(shapes.LEE_GREEN, ["490009043sb"]) == [place]


def test_a_hub_expands_to_its_bus_stops_only() -> None:
    (place,) = parse_places(shapes.HUB_WATERLOO, ["HUBWAT"])
    assert (place.id, place.name) == ("HUBWAT", "Waterloo")
    assert [(s.id, s.group) for s in place.stops] == [
        ("490000254W", "490G00000254"),
        ("490000254X", "490G00000254"),
        ("490000255L", "490G00000255"),
        ("490000255M", "490G00000255"),
    ]
    # Lines in their natural order: by number, lettered ones after.
    assert place.stops[0].lines == ("26", "77", "139", "211", "381", "507", "N381")


def test_a_station_has_no_bus_stops() -> None:
    (place,) = parse_places(shapes.HUB_WATERLOO, ["910GWATRLMN"])
    assert place.stops == ()
    assert place.describe() == "London Waterloo Rail Station: no bus stops"


def test_a_stop_asked_with_its_hub_keeps_its_group() -> None:
    body = [shapes.HUB_WATERLOO, shapes.YORK_ROAD]
    hub, stop = parse_places(body, ["HUBWAT", "490000254W"])
    assert [s.id for s in stop.stops] == ["490000254W"]
    assert stop.stops[0].group == "490G00000254"
    assert hub.stops[0] == stop.stops[0]


def test_unknown_ids_are_left_out() -> None:
    body = [shapes.YORK_ROAD, shapes.LEE_GREEN]
    ids = ["490G99999999", "490G00000254", "HUBNOPE", "490000254Z"]
    assert [p.id for p in parse_places(body, ids)] == ["490G00000254"]
    assert parse_places(shapes.NOT_FOUND, ["490G99999999"]) == []
    assert parse_places(None, ["490G00000254"]) == []
    assert parse_places([], ["490G00000254"]) == []


def test_hostile_values_are_skipped() -> None:
    group = copy.deepcopy(shapes.LEE_GREEN)
    children = group["children"]
    children[0]["commonName"] = {"text": "Lee Green"}  # falls back to the group's name
    children[0]["lines"] = 5
    children[0]["additionalProperties"] = 7
    children[1]["stopLetter"] = ["S", "B"]  # not text: the indicator says it
    children[1]["lines"] = ["21", None, {"id": 321}, {"name": "  N21 "}, {"id": "N21"}]
    children[2]["naptanId"] = 9043  # no usable id: no stop
    children[2]["id"] = None
    children[3]["additionalProperties"] = [
        "Towards",
        None,
        {"category": "Direction", "key": "Towards", "value": ["Grove Park"]},
    ]
    children.insert(0, "a stop")
    children.append(None)
    (place,) = parse_places(["junk", 3, None, group], [shapes.LEE_GREEN_ID])
    assert place.stops == (
        BusStop("490009043N", "Lee Green", "N", "", (), shapes.LEE_GREEN_ID),
        BusStop("490009043SB", "Lee Green", "SB", "Eltham", ("N21",), shapes.LEE_GREEN_ID),
        BusStop("490009043K", "Lee Green / Burnt Ash Road", "K", "", ("261",),
                shapes.LEE_GREEN_ID),
    )  # fmt: skip


@pytest.mark.parametrize("children", [None, 5, "children", {"a": 1}])
def test_a_group_without_usable_children_has_no_stops(children: Any) -> None:
    group = {**shapes.LEE_GREEN, "children": children}
    assert parse_places(group, [shapes.LEE_GREEN_ID]) == [
        Place(shapes.LEE_GREEN_ID, "Lee Green", ())
    ]


@pytest.mark.parametrize("letter", ["->W", "Stop W", "W!", "WXYZ", "   "])
def test_odd_letters(letter: str) -> None:
    group = copy.deepcopy(shapes.YORK_ROAD)
    group["children"][0]["stopLetter"] = letter
    group["children"][0]["indicator"] = "opp Waterloo"
    (place,) = parse_places(group, ["490000254W"])
    assert place.stops[0].letter == ("W" if letter == "->W" else "")


# -- resolve --------------------------------------------------------------------------------


def _place(ident: str, name: str, *letters: str) -> Place:
    group = ident if ident.startswith("490G") else ""
    stops = tuple(BusStop(f"490{ident[-6:]}{x}", name, x, "", (), group) for x in letters)
    return Place(ident, name, stops)


class FakeLookup:
    """Answers from a few places, recording each look-up."""

    def __init__(self, *places: Place) -> None:
        self._places = {place.id: place for place in places}
        self.calls: list[tuple[str, Any]] = []

    def search_stops(self, query: str) -> list[Match]:
        self.calls.append(("search", query))
        words = query.casefold().split()
        return [
            Match(p.id, p.name)
            for p in self._places.values()
            if all(w in p.name.casefold() for w in words)
        ]

    def places(self, ids: Sequence[str]) -> list[Place]:
        self.calls.append(("places", list(ids)))
        return [self._places[i] for i in ids if i in self._places]


ELEPHANT = _place("490G00007080", "Elephant & Castle", "E", "H")
NEW_KENT = _place("490G00007081", "Elephant & Castle / New Kent Road", "S", "T")
BRIXTON = _place("490G00004133", "Brixton Station", "SB", "J")
EMPTY = _place("490G00000999", "Brixton Bus Garage")  # no bus stops of its own


def lookup() -> FakeLookup:
    return FakeLookup(ELEPHANT, NEW_KENT, BRIXTON, EMPTY)


@pytest.mark.parametrize("spec", ["490000254W", " 490000254w ", "490008660SB"])
def test_a_stop_id_is_used_as_it_is_without_a_look_up(spec: str) -> None:
    fake = lookup()
    assert resolve(fake, spec) == [BusStop(spec.strip().upper())]
    assert fake.calls == []


@pytest.mark.parametrize("spec", ["490G00007080", "490g00007080"])
def test_a_group_id_means_all_its_stops(spec: str) -> None:
    fake = lookup()
    assert resolve(fake, spec) == list(ELEPHANT.stops)
    assert fake.calls == [("places", ["490G00007080"])]


def test_a_group_without_stops_or_unknown_is_not_found() -> None:
    for spec in ("490G00000999", "490G12345678", "HUBNOPE"):
        with pytest.raises(StopNotFound):
            resolve(lookup(), spec)


@pytest.mark.parametrize(
    "spec", ["Elephant & Castle", "  elephant   &  CASTLE ", "ELEPHANT & castle"]
)
def test_an_exact_name_means_that_place_even_when_others_contain_it(spec: str) -> None:
    assert resolve(lookup(), spec) == list(ELEPHANT.stops)


def test_a_name_finding_one_place_means_it() -> None:
    assert resolve(lookup(), "new kent") == list(NEW_KENT.stops)
    # A place without bus stops does not count: "brixton" finds only the station.
    assert resolve(lookup(), "brixton") == list(BRIXTON.stops)


def test_a_name_finding_several_places_is_ambiguous() -> None:
    with pytest.raises(AmbiguousStop) as caught:
        resolve(lookup(), "castle")
    assert caught.value.places == (ELEPHANT, NEW_KENT)
    assert "Elephant & Castle: E, H" in caught.value.message
    assert "Elephant & Castle / New Kent Road: S, T" in caught.value.message
    assert caught.value.hint and '(e.g. "Elephant & Castle")' in caught.value.hint


def test_a_name_finding_nothing_is_not_found() -> None:
    with pytest.raises(StopNotFound, match="zzz"):
        resolve(lookup(), "zzz")


def test_resolve_all_keeps_each_stop_once_in_order() -> None:
    stops = resolve_all(lookup(), ["new kent", "490000254W", "490G00007081", "490000254w"])
    assert [s.id for s in stops] == ["490007081S", "490007081T", "490000254W"]


# -- Watchlist ------------------------------------------------------------------------------


def test_watchlist_add_and_remove() -> None:
    watched = Watchlist()
    assert watched.add(ELEPHANT.stops) == list(ELEPHANT.stops)
    assert watched.add([ELEPHANT.stops[1], *NEW_KENT.stops[:1]]) == [NEW_KENT.stops[0]]
    assert watched.ids == ["490007080E", "490007080H", "490007081S"]
    assert "490007080H" in watched and "490007081T" not in watched
    assert watched.remove(["490007080h", "490000254W"]) == [ELEPHANT.stops[1]]
    assert watched.ids == ["490007080E", "490007081S"]
    assert watched.remove([]) == []


# -- the demo catalogue ---------------------------------------------------------------------

START = datetime(2026, 11, 25, 15, 30, tzinfo=UTC)


def test_catalogue_is_well_formed() -> None:
    groups = stop_catalogue.GROUPS
    assert 15 <= len(groups) <= 20
    ids = [g.id for g in groups] + [c.id for g in groups for c in g.stops]
    assert len(ids) == len(set(ids))
    for group in groups:
        assert re.fullmatch(r"490G\d{8}", group.id)
        assert 2 <= len(group.stops) <= 4
        for child in group.stops:
            assert re.fullmatch(r"490\d{6}[A-Z]{1,2}", child.id)
            assert child.lines and len(set(child.lines)) == len(child.lines)
    children = [c for g in groups for c in g.stops]
    assert any(len(c.letter) == 2 for c in children)
    assert any(not c.towards for c in children)


def test_catalogue_waterloo_is_the_simulators() -> None:
    found = stop_catalogue.find_stop("490000254w")
    assert found is not None
    group, child = found
    assert group.name == simulator.WATERLOO.name == "Waterloo Station / York Road"
    assert (child.letter, child.towards) == ("W", "Vauxhall")
    assert child.lines == tuple(line.name for line in simulator.WATERLOO.lines)
    assert demo_stop("490000254W") is simulator.WATERLOO


def test_catalogue_answers_in_tfls_shapes() -> None:
    search = stop_catalogue.search_response("Waterloo")
    assert list(search) == ["$type", "query", "total", "matches"]
    assert search["total"] > len(search["matches"])
    assert {m["id"][:3] for m in search["matches"]} == {"HUB", "490", "910", "940"}
    for match in search["matches"]:
        assert list(match)[:8] == list(shapes.SEARCH_WATERLOO["matches"][0])
    single = stop_catalogue.stop_point_response(["490000254W"])
    assert isinstance(single, dict) and single["naptanId"] == "490G00000254"  # its group
    several = stop_catalogue.stop_point_response(["490G00000254", "NOPE", "HUBWAT"])
    assert [o["naptanId"] for o in several] == ["490G00000254", "HUBWAT"]
    assert stop_catalogue.stop_point_response(["NOPE"]) is None
    child = single["children"][0]
    assert set(shapes.YORK_ROAD["children"][0]) - {"smsCode"} <= set(child)


def test_demo_search_goes_through_tfls_parser() -> None:
    source = DemoSource(seed=1)
    matches = source.search_stops("waterloo")
    assert [m.id for m in matches] == [
        "HUBWAT", "490G00000254", "490G00000255", "490G00000288",
    ]  # fmt: skip
    assert source.search_stops("nowhere at all") == []
    hub, york, road, bridge = source.places([m.id for m in matches])
    assert [s.id for s in hub.stops] == [s.id for s in york.stops + road.stops]
    assert york.stops[0] == BusStop(
        "490000254W", "Waterloo Station / York Road", "W", "Vauxhall",
        ("26", "77", "139", "211", "381", "507", "N381"), "490G00000254",
    )  # fmt: skip
    assert bridge.name == "Waterloo Bridge / South Bank"
    # Single stops found by name, unknown ids, and more ids than one request takes.
    oval = source.search_stops("oval")
    assert [m.towards for m in oval] == ["Kennington", "Brixton"]
    every = [c.id for g in stop_catalogue.GROUPS for c in g.stops]
    places = source.places([*every, "490G99999999"])
    assert len(every) > 20 and [p.id for p in places] == every


def test_demo_resolves_names_on_the_catalogue() -> None:
    source = DemoSource(seed=1)
    assert [s.letter for s in resolve(source, "Elephant & Castle")] == ["E", "H", "K"]
    # The hub "Waterloo" shares its stops out to their places: three of them match.
    with pytest.raises(AmbiguousStop, match="matches 3 places"):
        resolve(source, "Waterloo")
    with pytest.raises(AmbiguousStop, match="matches 2 places"):
        resolve(source, "waterloo station")
    # Two stops found one by one, both of one group: one place, both stops.
    oval = resolve(source, "oval")
    assert len(oval) == 2 and len({stop.group for stop in oval}) == 1 and oval[0].group


def test_search_gives_each_stop_once_under_its_own_place() -> None:
    source = DemoSource(seed=1)
    places = search_places(source, "waterloo")
    assert [p.id for p in places] == ["490G00000254", "490G00000255", "490G00000288"]
    stops = [s.id for p in places for s in p.stops]
    assert len(stops) == len(set(stops)) == 6
    assert [p.name for p in search_places(source, "oval")] == ["Oval Station"]
    # An id is looked up as it is, not searched for as words.
    (by_id,) = search_places(source, " 490000255l ")
    assert [s.id for s in by_id.stops] == ["490000255L"]


@pytest.mark.parametrize("stop_id", ["490004133SB", "490009333K", "490007081T"])
def test_demo_predictions_agree_with_the_catalogue(stop_id: str) -> None:
    found = stop_catalogue.find_stop(stop_id)
    assert found is not None
    group, child = found
    assert demo_stop(stop_id) == demo_stop(stop_id)
    assert [line.name for line in demo_stop(stop_id).lines] == list(child.lines)
    now = START
    source = DemoSource(seed=3, clock=lambda: now)
    lines: set[str] = set()
    for _ in range(60):
        answer = source.fetch(stop_id)
        assert {i["stationName"] for i in answer} <= {group.name}
        assert {i["platformName"] for i in answer} <= {child.letter}
        assert {i["naptanId"] for i in answer} <= {stop_id}
        assert all(i["towards"] for i in answer)
        lines |= {i["lineName"] for i in answer}
        now += timedelta(minutes=1)
    assert lines == set(child.lines)


def test_a_stop_is_named_by_its_ids_or_words_of_its_name() -> None:
    label = "Elephant & Castle / New Kent Road (S) → Old Kent Road"
    ids = ["490007081S", "490G00007081"]
    assert names_stop("490007081s", ids, label) and names_stop("490G00007081", ids, label)
    assert names_stop("elephant", ids, label) and names_stop("  NEW   kent ", ids, label)
    assert not names_stop("490000254W", ids, label)
    assert not names_stop("york road", ids, label)
