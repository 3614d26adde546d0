"""`tfl-tui stops` and `--stop NAME`, run as a user would, against a local TfL stand-in that
answers search and stop detail in TfL's shapes, and the session's real broker."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.test_pipeline import assert_clean_failure
from tests.stop_shapes import SEARCH_WATERLOO, YORK_ROAD
from tests.support import Cli
from tests.tfl_standin import SEARCH, STOP_POINTS, Answer, TflStandIn
from tfl_tui.core.errors import ExitCode
from tfl_tui.tfl import stop_catalogue
from tfl_tui.tfl.simulator import DemoSource


@pytest.fixture
def tfl() -> Iterator[TflStandIn]:
    """A stand-in of the test's own: the stop ids here are real ones, shared between tests."""
    server = TflStandIn()
    yield server
    server.close()


@pytest.fixture
def catalogue(tfl: TflStandIn) -> TflStandIn:
    """The stand-in answering searches and stop details from the demo's catalogue."""
    tfl.serve_catalogue(stop_catalogue.search_response, stop_catalogue.stop_point_response)
    return tfl


def stops_file() -> Path:
    return Path(os.environ["XDG_CONFIG_HOME"]) / "tfl-tui" / "stops.toml"


def stops(cli: Cli, tfl: TflStandIn, *words: str) -> tuple[int, str, str]:
    done = cli.run("stops", "--tfl-url", tfl.url, "--http-timeout", "2", *words)
    return done.returncode, done.stdout, done.stderr


def test_search_lists_bus_stops_of_every_place_found(catalogue: TflStandIn, cli: Cli) -> None:
    code, out, err = stops(cli, catalogue, "waterloo")
    assert code == ExitCode.OK, err
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["490000254W", "W"]
    assert "→ Vauxhall" in lines[0] and "N381" in lines[0]
    assert not any(line.startswith(("910", "940", "HUB", "490G")) for line in lines)
    assert 'tfl-tui --stop "Waterloo Station / York Road"' in err


def test_search_as_json_gives_the_fields_scripts_need(catalogue: TflStandIn, cli: Cli) -> None:
    code, out, err = stops(cli, catalogue, "york road", "--json")
    assert code == ExitCode.OK, err
    found = json.loads(out)
    assert {tuple(sorted(item)) for item in found} == {
        ("group", "id", "letter", "lines", "name", "towards")
    }
    assert {item["id"] for item in found} >= {"490000254W"}
    assert all(item["group"].startswith("490G") for item in found)


def test_search_reads_tfl_shapes_rail_tube_and_total_aside(tfl: TflStandIn, cli: Cli) -> None:
    tfl.script_search("waterloo", Answer.json(SEARCH_WATERLOO))
    tfl.serve_catalogue(detail=lambda ids: YORK_ROAD if len(ids) == 1 else [YORK_ROAD])
    code, _, err = stops(cli, tfl, "waterloo")
    assert code == ExitCode.OK, err
    asked = [r.ids for r in tfl.requests_of(STOP_POINTS)]
    assert asked and not any(i.startswith(("910", "940")) for ids in asked for i in ids)


def test_no_match_says_so_and_exits_1(catalogue: TflStandIn, cli: Cli) -> None:
    code, out, err = stops(cli, catalogue, "nowhere at all")
    assert code == ExitCode.FAILURE
    assert out == ""
    assert "no bus stop matches 'nowhere at all'" in err
    assert_clean_failure(err)


def test_a_tfl_error_is_one_clear_line(tfl: TflStandIn, cli: Cli) -> None:
    tfl.script_search("waterloo", Answer.api_error(403, "ApiKeyException", "Invalid app_key"))
    code, _, err = stops(cli, tfl, "waterloo")
    assert code == ExitCode.TFL
    assert "Invalid app_key" in err and "hint:" in err
    assert_clean_failure(err)


def test_a_day_of_cache_means_the_second_search_asks_nothing(
    catalogue: TflStandIn, cli: Cli
) -> None:
    assert stops(cli, catalogue, "elephant")[0] == ExitCode.OK
    asked = len(catalogue.requests)
    code, out, _ = stops(cli, catalogue, "Elephant")
    assert code == ExitCode.OK and "490007081" in out
    assert len(catalogue.requests) == asked


def test_stop_by_name_polls_both_sides_of_the_road(
    catalogue: TflStandIn, cli: Cli, topic: str
) -> None:
    source = DemoSource(seed=4)
    for stop_id in ("490000254W", "490000254X"):
        catalogue.script(stop_id, Answer.json(source.fetch(stop_id)))

    done = cli.produce_once(catalogue.url, topic, "waterloo station / YORK road")

    assert done.returncode == ExitCode.OK, done.stderr
    assert len(catalogue.requests_for("490000254W")) == 1
    assert len(catalogue.requests_for("490000254X")) == 1
    records = cli.consume_json(topic, idle_timeout=3)
    assert {r["value"]["naptanId"] for r in records} == {"490000254W", "490000254X"}


def test_a_name_of_several_places_lists_them_and_exits_2(
    catalogue: TflStandIn, cli: Cli, topic: str
) -> None:
    done = cli.produce_once(catalogue.url, topic, "elephant")
    assert done.returncode == ExitCode.USAGE
    assert "'elephant' matches 2 places" in done.stderr
    assert "Elephant & Castle: E → Walworth" in done.stderr
    assert "Elephant & Castle / New Kent Road: S → Old Kent Road" in done.stderr
    assert "hint:" in done.stderr
    assert catalogue.requests_of("arrivals") == []
    assert_clean_failure(done.stderr)


def test_a_group_id_means_all_its_stops(catalogue: TflStandIn, cli: Cli, topic: str) -> None:
    group = stop_catalogue.find_stop("490000254W")
    assert group is not None
    for stop_id in ("490000254W", "490000254X"):
        catalogue.script(stop_id, Answer.json([]))
    done = cli.produce_once(catalogue.url, topic, group[0].id)
    assert done.returncode == ExitCode.OK, done.stderr
    assert catalogue.requests_of(SEARCH) == []
    assert {r.stop_id for r in catalogue.requests_of("arrivals")} == {"490000254W", "490000254X"}


def test_saved_stops_are_kept_listed_removed_and_used_by_produce(
    catalogue: TflStandIn, cli: Cli, topic: str
) -> None:
    code, _, err = stops(cli, catalogue, "add", "Elephant", "&", "Castle", "490000254W")
    assert code == ExitCode.OK, err
    code, out, _ = stops(cli, catalogue, "list")
    assert [line.split()[0] for line in out.splitlines()] == [
        "490007080E",
        "490007080H",
        "490007080K",
        "490000254W",
    ]
    assert stops(cli, catalogue, "remove", "490007080H")[0] == ExitCode.OK
    for stop_id in ("490007080E", "490007080K", "490000254W"):
        catalogue.script(stop_id, Answer.json([]))

    done = cli.produce_once(catalogue.url, topic)  # no --stop: the saved ones

    assert done.returncode == ExitCode.OK, done.stderr
    polled = {r.stop_id for r in catalogue.requests_of("arrivals")}
    assert polled == {"490007080E", "490007080K", "490000254W"}
    assert "(saved;" in done.stderr


def test_a_broken_stops_file_is_reported_with_its_line_and_kept(
    catalogue: TflStandIn, cli: Cli
) -> None:
    path = stops_file()
    path.parent.mkdir(parents=True)
    broken = '[[stop]]\nid = "490000254W"\nname = "unterminated\n'
    path.write_text(broken)

    code, _, err = stops(cli, catalogue, "add", "490000254X")

    assert code == ExitCode.CONFIG
    assert "line 3" in err and str(path) in err
    assert path.read_text() == broken
    assert_clean_failure(err)


def test_removing_a_stop_not_saved_changes_nothing(catalogue: TflStandIn, cli: Cli) -> None:
    assert stops(cli, catalogue, "add", "490000254W")[0] == ExitCode.OK
    before = stops_file().read_text()
    code, _, err = stops(cli, catalogue, "remove", "nowhere")
    assert code == ExitCode.FAILURE
    assert "not among the saved stops: 'nowhere'" in err
    assert stops_file().read_text() == before


def test_demo_finds_stops_offline(cli: Cli) -> None:
    done = cli.run("stops", "--demo", "elephant", "castle", "--json")
    assert done.returncode == ExitCode.OK, done.stderr
    letters = {item["letter"] for item in json.loads(done.stdout)}
    assert {"E", "H", "K"} <= letters


def test_a_name_that_matches_no_stop_is_refused_before_any_poll(
    catalogue: TflStandIn, cli: Cli, topic: str
) -> None:
    done = cli.produce_once(catalogue.url, topic, "No Such Place")
    assert done.returncode == ExitCode.USAGE
    assert_clean_failure(done.stderr)
    assert "no bus stop matches 'No Such Place'" in done.stderr
    assert [r.kind for r in catalogue.requests] == [SEARCH]  # nothing polled or produced
