"""The saved stops (stops.toml), the day's look-up cache, and which stops a run watches."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from tfl_tui.core import saved_stops
from tfl_tui.core.errors import ConfigError
from tfl_tui.core.stop_choice import DEFAULT_BUS_STOP, Origin, choose_stops
from tfl_tui.core.stops import BusStop, Match, Place, StopLookup
from tfl_tui.tfl.stop_cache import MAX_AGE_S, CachedLookup

YORK_W = BusStop(
    "490000254W", "Waterloo Station / York Road", "W", "Vauxhall", ("77",), "490G00000254"
)
YORK_X = BusStop(
    "490000254X", "Waterloo Station / York Road", "X", "Aldwych", ("26",), "490G00000254"
)
HOSTILE = BusStop("490000001A", 'Quote " back\\slash \x1b]0;x\x07 ñ 🚌', "SB", "", (), "")


class Counting:
    """A StopLookup over one place that counts what it is asked."""

    def __init__(self) -> None:
        self.searches: list[str] = []
        self.detail: list[list[str]] = []

    def search_stops(self, query: str) -> list[Match]:
        self.searches.append(query)
        return [Match("490G00000254", "Waterloo Station / York Road")]

    def places(self, ids: Sequence[str]) -> list[Place]:
        self.detail.append(list(ids))
        york = Place("490G00000254", "Waterloo Station / York Road", (YORK_W, YORK_X))
        return [york] if "490G00000254" in ids else []


def test_saved_stops_round_trip_whatever_their_names_hold(tmp_path: Path) -> None:
    path = tmp_path / "tfl-tui" / "stops.toml"
    assert saved_stops.load(path) == []
    saved_stops.save([YORK_W, HOSTILE], path)
    assert saved_stops.load(path) == [YORK_W, HOSTILE]
    assert [p.name for p in path.parent.iterdir()] == ["stops.toml"]  # no temporary left


def test_a_broken_file_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "stops.toml"
    path.write_text('[[stop]]\nid = "490000254W"\n\n[[stop]\nid = "x"\n')
    with pytest.raises(ConfigError, match=r"line 4") as raised:
        saved_stops.load(path)
    assert str(path) in raised.value.message
    assert "will not write over" in (raised.value.hint or "")


@pytest.mark.parametrize(
    "text", ['[[stop]]\nname = "no id"\n', '[[stop]]\nid = "not an id"\n', "stop = 3\n"]
)
def test_a_file_without_valid_ids_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "stops.toml"
    path.write_text(text)
    with pytest.raises(ConfigError):
        saved_stops.load(path)


def test_the_files_live_where_xdg_says(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "c"))
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/is/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert saved_stops.saved_stops_path() == tmp_path / "c" / "tfl-tui" / "stops.toml"
    assert saved_stops.cache_dir() == tmp_path / "home" / ".cache" / "tfl-tui"


def test_a_look_up_is_asked_once_a_day(tmp_path: Path) -> None:
    inner, now = Counting(), [1_000_000.0]
    path = tmp_path / "stops.json"

    def cached() -> CachedLookup:
        return CachedLookup(inner, "http://tfl", path, clock=lambda: now[0])

    assert cached().search_stops("York  Road") == cached().search_stops("york road")
    assert cached().places(["490G00000254"]) == cached().places(["490g00000254"])
    assert (inner.searches, inner.detail) == (["York  Road"], [["490G00000254"]])
    assert CachedLookup(inner, "http://elsewhere", path).search_stops("york road")
    assert len(inner.searches) == 2  # another TfL address: its own answers
    now[0] += MAX_AGE_S + 1
    cached().search_stops("york road")
    assert len(inner.searches) == 3  # a day old: asked again


def test_a_cache_that_does_not_read_is_started_afresh(tmp_path: Path) -> None:
    path = tmp_path / "stops.json"
    path.write_text("{not json")
    inner = Counting()
    assert CachedLookup(inner, "x", path).search_stops("york")
    assert inner.searches == ["york"]


def test_ids_and_saved_stops_need_no_look_up(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_lookup() -> StopLookup:
        raise AssertionError("looked up")

    chosen = choose_stops(["490000254w", "490000254W"], no_lookup)
    assert (chosen.ids, chosen.origin) == (["490000254W"], Origin.FLAGS)
    assert choose_stops(None, no_lookup).stops == (DEFAULT_BUS_STOP,)
    saved_stops.save([YORK_X])
    chosen = choose_stops(None, no_lookup)
    assert (chosen.stops, chosen.origin) == ((YORK_X,), Origin.SAVED)


def test_names_are_looked_up_and_each_stop_comes_once() -> None:
    chosen = choose_stops(["waterloo station / york road", "490000254X"], Counting)
    assert chosen.ids == ["490000254W", "490000254X"]
