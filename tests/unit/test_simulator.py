"""The demo simulator: TfL's schema, a believable temporal model, and determinism."""

from __future__ import annotations

import ast
import re
import string
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tfl_tui.tfl import simulator
from tfl_tui.tfl.prediction import (
    PREDICTION_TYPE,
    decode_prediction,
    format_tfl_time,
    parse_tfl_time,
)
from tfl_tui.tfl.simulator import DemoSource, demo_stop

WATERLOO = "490000254W"
START = datetime(2026, 11, 25, 15, 30, 0, 123456, tzinfo=UTC)
KEYS = [
    "$type", "id", "operationType", "vehicleId", "naptanId", "stationName", "lineId",
    "lineName", "platformName", "direction", "bearing", "destinationNaptanId",
    "destinationName", "timestamp", "timeToStation", "currentLocation", "towards",
    "expectedArrival", "timeToLive", "modeName", "timing",
]  # fmt: skip
# Explicit, so hypothesis needs no Unicode tables (keeps a cold run fast); still odd ids.
STOP_ALPHABET = string.ascii_letters + string.digits + " -_./%?é£漢\u00a0"
TIMING_KEYS = ["$type", "countdownServerAdjustment", "source", "insert", "read", "sent", "received"]


class FakeClock:
    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def make(seed: int = 42, start: datetime = START) -> tuple[DemoSource, FakeClock]:
    clock = FakeClock(start)
    return DemoSource(seed=seed, clock=clock), clock


def polls(
    source: DemoSource, clock: FakeClock, stop: str, count: int, every: float = 30
) -> Iterator[list[dict[str, Any]]]:
    """`count` fetches of `stop`, `every` seconds apart (the first at the current time)."""
    for index in range(count):
        if index:
            clock.advance(every)
        yield source.fetch(stop)


def check_item(item: dict[str, Any], stop: str, now: datetime) -> None:
    assert list(item) == KEYS
    decoded = decode_prediction(item)
    assert item["$type"] == PREDICTION_TYPE
    assert re.fullmatch(r"-?\d+", item["id"])
    assert item["operationType"] == 1
    assert re.fullmatch(r"[A-Z]{2}\d{2}[A-HJ-PR-Z]{3}", item["vehicleId"])
    assert item["naptanId"] == stop
    assert item["lineId"] == item["lineName"].lower()
    assert item["direction"] in ("inbound", "outbound")
    assert item["bearing"].isdigit() and 0 <= int(item["bearing"]) < 360
    assert re.fullmatch(r"490\d{6}[A-Z]{1,2}", item["destinationNaptanId"])
    assert item["destinationName"] and item["towards"] and item["stationName"]
    assert item["currentLocation"] == ""
    assert item["modeName"] == "bus"
    # Timestamps: the poll time with 7 fraction digits; arrivals in whole seconds.
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z", item["timestamp"])
    assert item["timestamp"] == format_tfl_time(now)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", item["expectedArrival"])
    tts = item["timeToStation"]
    assert isinstance(tts, int) and 0 <= tts <= 30 * 60
    expected = parse_tfl_time(item["expectedArrival"])
    assert expected == (now + timedelta(seconds=tts)).replace(microsecond=0)
    assert parse_tfl_time(item["timeToLive"]) == expected + timedelta(seconds=30)
    assert decoded.expected_arrival == expected
    timing = item["timing"]
    assert list(timing) == TIMING_KEYS
    assert "PredictionTiming" in timing["$type"]
    assert timing["received"] == "0001-01-01T00:00:00Z"
    stamps = [parse_tfl_time(timing[k]) for k in ("source", "insert", "read", "sent")]
    assert stamps == sorted(stamps) and stamps[-1] <= now


def test_every_item_has_tfl_schema_and_decodes() -> None:
    source, clock = make()
    for answer in polls(source, clock, WATERLOO, 20, every=45):
        assert answer
        for item in answer:
            check_item(item, WATERLOO, clock.now)


def test_default_stop_is_waterloo_york_road() -> None:
    source, _ = make()
    answer = source.fetch(WATERLOO)
    assert {i["stationName"] for i in answer} == {"Waterloo Station / York Road"}
    assert {i["platformName"] for i in answer} == {"W"}
    stop = demo_stop(WATERLOO)
    assert 6 <= len(stop.lines) <= 8
    assert {"77", "211", "381", "507", "N381"} <= {line.name for line in stop.lines}
    assert all(4 <= line.headway_min <= 15 for line in stop.lines)


def test_same_seed_same_output_including_interleaved_stops() -> None:
    runs = []
    for _ in range(2):
        source, clock = make(seed=7)
        out = []
        for step in (0, 30, 30, 0, 95, 600, 1, 7200):
            clock.advance(step)
            out.append(source.fetch(WATERLOO))
            out.append(source.fetch("490008660N"))
        runs.append(out)
    assert runs[0] == runs[1]


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**64),
    steps=st.lists(st.floats(min_value=0, max_value=4000), min_size=1, max_size=6),
)
def test_determinism_property(seed: int, steps: list[float]) -> None:
    def run() -> list[list[dict[str, Any]]]:
        source, clock = make(seed=seed)
        out = []
        for step in steps:
            clock.advance(step)
            out.append(source.fetch(WATERLOO))
        return out

    assert run() == run()


def test_different_seeds_differ() -> None:
    first = make(seed=1)[0].fetch(WATERLOO)
    second = make(seed=2)[0].fetch(WATERLOO)
    assert first != second
    assert {i["id"] for i in first}.isdisjoint({i["id"] for i in second})


def test_stops_have_independent_streams() -> None:
    alone, _ = make()
    mixed, _ = make()
    mixed.fetch("SOMEWHERE")
    assert alone.fetch(WATERLOO) == mixed.fetch(WATERLOO)


def test_vehicles_keep_ids_and_count_down() -> None:
    source, clock = make()
    previous: dict[str, dict[str, Any]] = {}
    followed = 0
    for answer in polls(source, clock, WATERLOO, 40):
        current = {i["id"]: i for i in answer}
        assert len(current) == len(answer)  # ids are unique within an answer
        for vid, item in current.items():
            if vid in previous:
                old = previous[vid]
                followed += 1
                assert item["vehicleId"] == old["vehicleId"]
                assert item["lineName"] == old["lineName"]
                assert item["destinationName"] == old["destinationName"]
                fall = old["timeToStation"] - item["timeToStation"]
                assert 0 < fall <= 30 + 20 + 1  # always closer, within the jitter
        previous = current
    assert followed > 100


def test_countdowns_jitter() -> None:
    source, clock = make()
    falls = set()
    previous: dict[str, int] = {}
    for answer in polls(source, clock, WATERLOO, 10):
        current = {i["id"]: i["timeToStation"] for i in answer}
        falls |= {previous[k] - v for k, v in current.items() if k in previous}
        previous = current
    assert len(falls) > 5  # not a clock ticking down in lockstep


def test_arrived_buses_vanish_for_good() -> None:
    source, clock = make()
    first = source.fetch(WATERLOO)
    soonest = min(first, key=lambda i: i["timeToStation"])
    due = parse_tfl_time(soonest["expectedArrival"])
    seen_after = False
    for answer in polls(source, clock, WATERLOO, 30, every=20):
        ids = {i["id"] for i in answer}
        if clock.now > due + timedelta(seconds=60):  # beyond any drift
            seen_after = seen_after or soonest["id"] in ids
    assert not seen_after
    assert all(i["timeToStation"] >= 0 for i in source.fetch(WATERLOO))


def test_new_buses_appear_over_an_hour_and_state_stays_bounded() -> None:
    source, clock = make()
    initial = {i["id"] for i in source.fetch(WATERLOO)}
    seen: set[str] = set()
    lines: set[str] = set()
    counts = []
    for answer in polls(source, clock, WATERLOO, 121):
        seen |= {i["id"] for i in answer}
        lines |= {i["lineName"] for i in answer}
        counts.append(len(answer))
    assert lines == {line.name for line in demo_stop(WATERLOO).lines}
    assert len(seen - initial) > 30
    assert initial.isdisjoint(i["id"] for i in source.fetch(WATERLOO))
    assert min(counts) >= 5 and max(counts) <= 60
    # Internal state holds only what is due soon, never the history.
    assert len(source._stops[WATERLOO].vehicles) <= 80


def test_output_is_not_sorted() -> None:
    source, clock = make()
    orders = [[i["timeToStation"] for i in answer] for answer in polls(source, clock, WATERLOO, 5)]
    assert any(order != sorted(order) for order in orders)


def test_same_time_twice_gives_same_answer() -> None:
    source, clock = make()
    source.fetch(WATERLOO)
    clock.advance(30)
    assert source.fetch(WATERLOO) == source.fetch(WATERLOO)


def test_clock_stepping_back_is_harmless() -> None:
    source, clock = make()
    source.fetch(WATERLOO)
    clock.advance(-300)
    for item in source.fetch(WATERLOO):
        check_item(item, WATERLOO, clock.now)


@pytest.mark.parametrize("jump", [timedelta(hours=2), timedelta(days=3650)])
def test_large_clock_jump_fast_forwards(jump: timedelta) -> None:
    source, clock = make()
    before = {i["id"] for i in source.fetch(WATERLOO)}
    clock.now += jump
    answer = source.fetch(WATERLOO)
    assert len(answer) >= 5
    assert before.isdisjoint(i["id"] for i in answer)
    for item in answer:
        check_item(item, WATERLOO, clock.now)
    # And it carries on normally afterwards.
    clock.advance(30)
    assert {i["id"] for i in answer} & {i["id"] for i in source.fetch(WATERLOO)}


def test_unknown_stop_is_derived_stably_from_its_id() -> None:
    one = make(seed=1)[0].fetch("490008660N")
    two = make(seed=2)[0].fetch("490008660N")
    for item in one:
        check_item(item, "490008660N", START)
    assert {i["platformName"] for i in one} == {"N"}
    assert {i["stationName"] for i in one} == {i["stationName"] for i in two}
    assert demo_stop("490008660N") == demo_stop("490008660N")
    assert 4 <= len(demo_stop("490008660N").lines) <= 8
    assert demo_stop("490008660N").name != demo_stop("490008660S").name or (
        demo_stop("490008660N").lines != demo_stop("490008660S").lines
    )


@settings(max_examples=25, deadline=None)
# A blank stop id is refused before it reaches a source (a prediction needs a naptanId).
@given(stop=st.text(alphabet=STOP_ALPHABET, min_size=1, max_size=30).filter(str.strip))
def test_any_stop_id_works(stop: str) -> None:
    layout = demo_stop(stop)
    assert len({line.name for line in layout.lines}) == len(layout.lines)
    assert len(layout.letter) in (1, 2)
    source, _ = make()
    for item in source.fetch(stop):
        decode_prediction(item)
        assert item["naptanId"] == stop
        assert item["lineId"] == item["lineName"].lower()


def test_unknown_stop_serves_every_line_within_an_hour() -> None:
    source, clock = make(seed=3)
    lines: set[str] = set()
    for answer in polls(source, clock, "HELLO", 60, every=60):
        lines |= {i["lineName"] for i in answer}
    assert lines == {line.name for line in demo_stop("HELLO").lines}


def test_describe_and_random_seed() -> None:
    assert make(seed=42)[0].describe() == "demo simulator (seed 42)"
    source = DemoSource()
    assert isinstance(source.seed, int)
    assert str(source.seed) in source.describe()
    for item in source.fetch(WATERLOO):  # the real clock works too
        decode_prediction(item)


def test_module_imports_only_stdlib() -> None:
    tree = ast.parse(Path(simulator.__file__).read_text())
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            roots.add(node.module.split(".")[0])
    assert roots - {"tfl_tui"} <= set(sys.stdlib_module_names) | {"__future__"}
