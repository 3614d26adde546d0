"""The Stops screen changing what the running dashboard watches: real workers, the session's
broker, and a TfL stand-in of the test's own answering search, stop detail and Arrivals."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from tests.support import KafkaUnderTest, run_app, until
from tests.tfl_standin import ARRIVALS, Answer, TflStandIn
from tfl_tui.app import TflTuiApp
from tfl_tui.core import saved_stops
from tfl_tui.core.dashboard_options import DashboardOptions
from tfl_tui.core.stop_choice import DEFAULT_BUS_STOP, Origin
from tfl_tui.core.stops import BusStop
from tfl_tui.tfl import stop_catalogue
from tfl_tui.tfl.simulator import DemoSource
from tfl_tui.widgets.board_table import BoardTable
from tfl_tui.widgets.stops_screen import StopsScreen

pytestmark = pytest.mark.integration

ELEPHANT_E = "490007080E"
YORK_W = DEFAULT_BUS_STOP.id


@pytest.fixture
def tfl() -> Iterator[TflStandIn]:
    server = TflStandIn()
    server.serve_catalogue(stop_catalogue.search_response, stop_catalogue.stop_point_response)
    source = DemoSource(seed=8)
    for stop_id in (YORK_W, ELEPHANT_E):
        server.script(stop_id, Answer.json(source.fetch(stop_id)))
    yield server
    server.close()


def stops_on_board(app: TflTuiApp) -> set[str]:
    view = app.query_one(BoardTable).view
    return {row.key[0] for row in view.rows(0, len(view))}


def polled(tfl: TflStandIn, stop_id: str) -> int:
    return sum(1 for r in tfl.requests_of(ARRIVALS) if r.stop_id == stop_id)


def dashboard(broker: KafkaUnderTest, topic: str, tfl: TflStandIn, origin: Origin) -> TflTuiApp:
    return TflTuiApp(
        DashboardOptions(
            target=broker.target(),
            topic=topic,
            tfl_url=tfl.url,
            interval=600.0,  # only the first poll of each stop, unless a stop is added
            flush_timeout=10.0,
            stops=[YORK_W],
            watched=[BusStop(YORK_W)],
            stops_origin=origin,
        )
    )


async def search(pilot: Pilot[Any], app: TflTuiApp, query: str) -> OptionList:
    await pilot.press("s")
    await until(pilot, lambda: isinstance(app.screen, StopsScreen), "the Stops screen")
    await pilot.press(*query, "enter")
    results = app.screen.query_one("#stops-results", OptionList)
    await until(pilot, lambda: results.option_count > 0, "search results")
    return results


def test_a_stop_added_is_polled_at_once_and_a_stop_removed_leaves_the_board(
    broker: KafkaUnderTest, topic: str, tfl: TflStandIn
) -> None:
    app = dashboard(broker, topic, tfl, Origin.DEFAULT)

    async def scenario(pilot: Pilot[Any]) -> None:
        await until(pilot, lambda: stops_on_board(app) == {YORK_W}, "York Road's buses")
        results = await search(pilot, app, "elephant castle")
        # The cursor is on the place's name; E is its first stop.
        await pilot.press("down", "enter")
        await until(pilot, lambda: ELEPHANT_E in app.watched, "E watched")
        assert results.has_focus
        await pilot.press("escape")
        await until(pilot, lambda: polled(tfl, ELEPHANT_E) == 1, "E polled (not in 600 s)")
        await until(pilot, lambda: ELEPHANT_E in stops_on_board(app), "E's buses on the board")
        assert [s.id for s in saved_stops.load()] == [YORK_W, ELEPHANT_E]  # kept for next time

        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, StopsScreen), "the Stops screen")
        watched = app.screen.query_one("#stops-watched", OptionList)
        watched.focus()
        watched.highlighted = 0  # York Road
        await pilot.press("delete")
        await pilot.press("escape")
        await until(pilot, lambda: stops_on_board(app) == {ELEPHANT_E}, "York Road to leave")
        assert [s.id for s in saved_stops.load()] == [ELEPHANT_E]
        assert app.options.stops == [ELEPHANT_E]

    run_app(app, scenario)


def test_stops_from_the_command_line_are_saved_only_when_asked(
    broker: KafkaUnderTest, topic: str, tfl: TflStandIn
) -> None:
    app = dashboard(broker, topic, tfl, Origin.FLAGS)
    saved_stops.save([BusStop("490000288R")])  # a saved list this run's stops would replace
    path = saved_stops.saved_stops_path()

    def note() -> str:
        return str(app.screen.query_one("#stops-note", Static).render())

    async def scenario(pilot: Pilot[Any]) -> None:
        await search(pilot, app, "elephant castle")
        assert "Ctrl+S makes them your saved stops, in place of the 1 stop saved now" in note()
        await pilot.press("down", "enter")
        await until(pilot, lambda: ELEPHANT_E in app.watched, "E watched")
        assert [s.id for s in saved_stops.load()] == ["490000288R"]  # not yet
        await pilot.press("ctrl+s")
        await until(pilot, lambda: len(saved_stops.load()) == 2, "the stops saved")
        assert [s.id for s in saved_stops.load()] == [YORK_W, ELEPHANT_E]
        await until(pilot, lambda: "Changes are saved in" in note(), "the note to say so")
        await pilot.press("enter")  # from now on, each change is kept
        await until(pilot, lambda: len(saved_stops.load()) == 1, "the change saved")
        assert path.exists()

    run_app(app, scenario)


def test_a_saved_file_broken_meanwhile_is_not_written_over(
    broker: KafkaUnderTest, topic: str, tfl: TflStandIn
) -> None:
    app = dashboard(broker, topic, tfl, Origin.SAVED)
    path = saved_stops.saved_stops_path()
    path.parent.mkdir(parents=True)
    path.write_text("[[stop]\n")  # the user's edit, half done

    async def scenario(pilot: Pilot[Any]) -> None:
        await search(pilot, app, "elephant castle")
        await pilot.press("down", "enter")
        await until(pilot, lambda: ELEPHANT_E in app.watched, "E watched")
        await until(
            pilot,
            lambda: any("Stops not saved" in (n.title or "") for n in app._notifications),
            "the refusal said",
        )
        assert path.read_text() == "[[stop]\n"

    run_app(app, scenario)
