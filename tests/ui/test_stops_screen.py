"""The Stops screen on its own: searching as you type (debounced, in a thread, the latest query
only), watching and unwatching stops and whole places, the watched list, and outside text drawn
as text. `search` is a plain function over a few places: no network."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from textual.app import App
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input, OptionList

import tfl_tui
from tests.support import run_app, until
from tfl_tui.core.errors import TflError
from tfl_tui.core.stops import BusStop, Place, normalise
from tfl_tui.widgets.stops_screen import StopsScreen

NARROW = (80, 24)
WIDE = (160, 40)
NOTE = "Changes are saved in ~/.config/tfl-tui/stops.toml"
HOSTILE_NAME = "\x1b]0;pwned\x07[red]markup[/]"


def _stop(
    letter: str, towards: str, *lines: str, name: str = "Waterloo Station / York Road"
) -> BusStop:
    return BusStop(f"490000254{letter}", name, letter, towards, lines, "490G00254")


W = _stop("W", "Vauxhall", "77", "211", "381")
S = _stop("S", "Elephant & Castle", "68", "168")
X = _stop("X", "Trafalgar Square", "59")
WATERLOO = Place("490G00254", "Waterloo Station / York Road", (W, S, X))
MUSEUM = Place(
    "490G00100",
    "Natural History Museum",
    (BusStop("490000100A", "Natural History Museum", "A", "Kensington", ("14",)),),
)
HOSTILE = Place(
    "490G00666",
    HOSTILE_NAME,
    (BusStop("490000666Z", HOSTILE_NAME, "Z", "[b]Nowhere[/b]\x1b[2J", ("[i]1",)),),
)
PLACES = (WATERLOO, MUSEUM, HOSTILE)


class Recorder:
    """`search` over PLACES, noting every query it is called with (from the worker thread)."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, query: str) -> list[Place]:
        self.calls.append(query)
        return [place for place in PLACES if normalise(query) in normalise(place.name)]


class Host(App[None]):
    CSS_PATH = Path(tfl_tui.__file__).parent / "app.tcss"  # the app's own look

    def __init__(
        self,
        search: Callable[[str], list[Place]] | None = None,
        watched: Sequence[BusStop] = (),
        *,
        offer_save: bool = False,
    ) -> None:
        super().__init__()
        self.search = search or Recorder()
        self.initial = tuple(watched)
        self.offer_save = offer_save
        self.changes: list[StopsScreen.Changed] = []
        self.saves = 0

    def on_mount(self) -> None:
        screen = StopsScreen(self.initial, self.search, note=NOTE, offer_save=self.offer_save)
        self.push_screen(screen)

    @property
    def stops(self) -> StopsScreen:
        assert isinstance(self.screen, StopsScreen)
        return self.screen

    def on_stops_screen_changed(self, event: StopsScreen.Changed) -> None:
        self.changes.append(event)

    def on_stops_screen_save_requested(self, _event: StopsScreen.SaveRequested) -> None:
        self.saves += 1


def drawn(widget: Widget) -> list[str]:
    """The lines the widget draws, as text, without the blanks around them."""
    return [
        widget.render_line(y).text.strip() for y in range(widget.scrollable_content_region.height)
    ]


def focused(app: Host) -> Widget | None:
    return app.stops.focused


def watching(app: Host) -> tuple[BusStop, ...]:
    return app.stops.watched


def results(app: Host) -> OptionList:
    return app.stops.query_one("#stops-results", OptionList)


def watched_list(app: Host) -> OptionList:
    return app.stops.query_one("#stops-watched", OptionList)


def status(app: Host) -> str:
    widget = app.stops.query_one("#stops-status", Widget)
    return "\n".join(drawn(widget)).strip() if widget.display else ""


async def opened(pilot: Pilot[Any], app: Host) -> None:
    await until(pilot, lambda: isinstance(app.screen, StopsScreen), "the Stops screen", 5)
    await pilot.pause()


async def search_now(pilot: Pilot[Any], app: Host, text: str) -> None:
    """Puts `text` in the search box and presses Enter (which searches without waiting for the
    pause), then waits for the answer; the results have the focus then. (Typing is tested on
    its own: Pilot takes ~60 ms a key.)"""
    box = app.stops.query_one(Input)
    box.focus()
    box.value = text
    await pilot.press("enter")
    await until(pilot, lambda: "searching" not in status(app), f"the answer for {text!r}", 5)
    await pilot.pause()


def ticked(app: Host) -> list[str]:
    """The stop lines of the results that carry a ✓."""
    return [line for line in drawn(results(app)) if line.startswith("✓")]


# -- searching -------------------------------------------------------------------------------


def test_typing_quickly_searches_once_for_the_final_text_and_escape_closes() -> None:
    search = Recorder()
    app = Host(search)

    async def scenario(pilot: Pilot[Any]) -> None:
        await opened(pilot, app)
        assert focused(app) is app.stops.query_one(Input)
        await pilot.press(*"water")
        await until(pilot, lambda: search.calls, "a search", 5)
        await until(pilot, lambda: results(app).option_count, "the results", 5)
        assert search.calls == ["water"]  # none for w, wa, wat, wate
        assert drawn(results(app))[:4] == [
            "Waterloo Station / York Road  W, S, X",
            "W  → Vauxhall  77 211 381",
            "S  → Elephant & Castle  68 168",
            "X  → Trafalgar Square  59",
        ]
        await pilot.press("down")  # from the search box to the results
        assert focused(app) is results(app)
        await pilot.press("shift+tab")
        assert focused(app) is app.stops.query_one(Input)

        # Under two characters: no search, the results go at once, a hint says why.
        await pilot.press("ctrl+u", "m")
        assert results(app).option_count == 0
        assert "at least 2 characters" in status(app)
        await pilot.pause()
        assert search.calls == ["water"]

        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, StopsScreen), "the close", 5)

    run_app(app, scenario, size=NARROW)


def test_a_slow_search_keeps_typing_responsive_and_only_the_latest_answer_shows() -> None:
    release = threading.Event()
    slow_returned = threading.Event()
    calls: list[str] = []

    def search(query: str) -> list[Place]:
        calls.append(query)
        if query == "slow":
            release.wait(10)  # as TfL might take its time
            slow_returned.set()
            return [MUSEUM]
        return [WATERLOO]

    app = Host(search)

    async def scenario(pilot: Pilot[Any]) -> None:
        try:
            await opened(pilot, app)
            app.stops.query_one(Input).value = "slow"  # as if typed
            await until(pilot, lambda: calls == ["slow"], "the slow search", 5)
            await until(pilot, lambda: status(app) == "searching…", "searching…", 5)

            # The search blocks its thread, not the screen: typing goes on, the next query runs.
            started = time.monotonic()
            await pilot.press("ctrl+u", *"water")
            assert app.stops.query_one(Input).value == "water"
            assert time.monotonic() - started < 5
            await until(pilot, lambda: calls == ["slow", "water"], "the second search", 5)
            await until(pilot, lambda: results(app).option_count, "the latest answer", 5)
            assert drawn(results(app))[0] == "Waterloo Station / York Road  W, S, X"

            # The slow answer comes last, for a query no longer typed: dropped.
            release.set()
            await until(pilot, slow_returned.is_set, "the slow answer", 5)
            for _ in range(5):
                await pilot.pause()
            assert drawn(results(app))[0] == "Waterloo Station / York Road  W, S, X"
            assert not any("Museum" in line for line in drawn(results(app)))
            assert status(app) == ""
        finally:
            release.set()  # never leave a worker thread waiting: the test run would hang

    run_app(app, scenario, size=NARROW)


def test_a_failed_search_says_why_and_one_finding_nothing_says_so() -> None:
    def search(query: str) -> list[Place]:
        if query == "fail":
            raise TflError("TfL did not answer [b]in time[/b]\x1b[2J", hint="try [i]again[/i]")
        if query == "bug":
            raise ValueError("not a TflTuiError")
        return []

    app = Host(search)

    async def scenario(pilot: Pilot[Any]) -> None:
        await opened(pilot, app)
        await search_now(pilot, app, "fail")
        assert status(app) == "TfL did not answer [b]in time[/b]\\x1b[2J\ntry [i]again[/i]"
        assert results(app).option_count == 0

        await search_now(pilot, app, "bug")  # a bug in `search`: said, not searching forever
        assert status(app) == "The search failed: ValueError('not a TflTuiError')"

        await search_now(pilot, app, "xyz")
        assert status(app) == "No bus stop matches 'xyz'."
        assert results(app).option_count == 0

    run_app(app, scenario, size=NARROW)


def test_outside_text_is_drawn_as_text() -> None:
    app = Host(watched=HOSTILE.stops)

    async def scenario(pilot: Pilot[Any]) -> None:
        await opened(pilot, app)
        await search_now(pilot, app, "pwned")
        lines = drawn(results(app))
        assert lines[0] == "\\x1b]0;pwned\\x07[red]markup[/]  Z"
        assert lines[1] == "✓ Z  → [b]Nowhere[/b]\\x1b[2J  [i]1"
        watched = drawn(watched_list(app))[0]
        assert watched.startswith("\\x1b]0;pwned\\x07[red]markup[/] (Z) → [b]Nowhere[/b]")
        assert not any("\x1b" in line or "\x07" in line for line in [*lines, watched])

    run_app(app, scenario, size=WIDE)


# -- watching ----------------------------------------------------------------------------------


def test_enter_on_a_stop_watches_it_and_again_unwatches_it() -> None:
    app = Host()

    async def scenario(pilot: Pilot[Any]) -> None:
        await opened(pilot, app)
        await search_now(pilot, app, "water")
        assert focused(app) is results(app)
        assert results(app).highlighted == 0  # the first place's header: Enter takes it all
        assert ticked(app) == []

        await pilot.press("down", "enter")  # W, the place's first stop
        await until(pilot, lambda: app.changes, "the change", 5)
        assert (app.changes[0].added, app.changes[0].removed) == ((W,), ())
        assert watching(app) == (W,)
        assert ticked(app) == ["✓ W  → Vauxhall  77 211 381"]
        assert drawn(watched_list(app))[0] == (
            "Waterloo Station / York Road (W) → Vauxhall  490000254W"
        )

        await pilot.press("down", "enter")  # S as well
        await pilot.press("up", "enter")  # and W no longer
        await until(pilot, lambda: len(app.changes) == 3, "the changes", 5)
        assert [(c.added, c.removed) for c in app.changes[1:]] == [((S,), ()), ((), (W,))]
        assert watching(app) == (S,)
        assert [line[:3] for line in ticked(app)] == ["✓ S"]

    run_app(app, scenario, size=NARROW)


def test_enter_on_a_place_watches_the_rest_of_it_then_unwatches_it_all() -> None:
    app = Host(watched=[W])

    async def scenario(pilot: Pilot[Any]) -> None:
        await opened(pilot, app)
        await search_now(pilot, app, "water")
        await pilot.press("enter")  # on the header: S and X join W
        await until(pilot, lambda: app.changes, "the change", 5)
        assert (app.changes[0].added, app.changes[0].removed) == ((S, X), ())
        assert watching(app) == (W, S, X)
        assert [line[:3] for line in ticked(app)] == ["✓ W", "✓ S", "✓ X"]

        await pilot.press("enter")  # all watched: all go
        await until(pilot, lambda: len(app.changes) == 2, "the second change", 5)
        await pilot.press("up")  # from the first row, back to the search box: typing works
        assert focused(app) is app.screen.query_one("#stops-search")
        assert (app.changes[1].added, app.changes[1].removed) == ((), (W, S, X))
        assert watching(app) == ()
        assert ticked(app) == []

    run_app(app, scenario, size=WIDE)


def test_enter_or_delete_in_the_watched_list_removes_the_stop() -> None:
    app = Host(watched=[W, S, X])

    async def scenario(pilot: Pilot[Any]) -> None:
        await opened(pilot, app)
        await search_now(pilot, app, "water")
        assert len(ticked(app)) == 3
        await pilot.press("tab")  # results → watched list
        assert focused(app) is watched_list(app)
        await pilot.press("down", "delete")  # S
        await until(pilot, lambda: app.changes, "the change", 5)
        assert (app.changes[0].added, app.changes[0].removed) == ((), (S,))
        assert watched_list(app).option_count == 2
        assert [line[:3] for line in ticked(app)] == ["✓ W", "✓ X"]

        await pilot.press("enter")  # the cursor is on X now, where S was
        await until(pilot, lambda: len(app.changes) == 2, "the second change", 5)
        assert app.changes[1].removed == (X,)
        assert watching(app) == (W,)
        await pilot.press("shift+tab", "shift+tab")
        assert focused(app) is app.stops.query_one(Input)

    run_app(app, scenario, size=NARROW)


def test_set_watched_puts_the_apps_list_back_without_a_message() -> None:
    app = Host()

    async def scenario(pilot: Pilot[Any]) -> None:
        await opened(pilot, app)
        await search_now(pilot, app, "water")
        await pilot.press("enter")
        await until(pilot, lambda: app.changes, "the change", 5)
        app.stops.set_watched([X])  # say saving W failed; X was there already
        await pilot.pause()
        assert watching(app) == (X,)
        assert [line[:3] for line in ticked(app)] == ["✓ X"]
        assert drawn(watched_list(app))[0].startswith("Waterloo Station / York Road (X)")
        assert len(app.changes) == 1

    run_app(app, scenario, size=NARROW)


# -- keys and layout ---------------------------------------------------------------------------


def test_ctrl_s_asks_to_save_only_when_offered() -> None:
    for offered in (True, False):
        app = Host(offer_save=offered)

        async def scenario(pilot: Pilot[Any], app: Host = app, offered: bool = offered) -> None:
            await opened(pilot, app)
            # What the Footer shows: the screen's active bindings.
            shown = app.stops.active_bindings
            assert ("ctrl+s" in shown) is offered
            assert "escape" in shown
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert app.saves == (1 if offered else 0)

        run_app(app, scenario, size=NARROW)


def test_results_and_watched_list_are_side_by_side_when_wide_and_stacked_when_narrow() -> None:
    app = Host(watched=[W])

    async def scenario(pilot: Pilot[Any]) -> None:
        await opened(pilot, app)
        found = app.stops.query_one("#stops-results-pane", Widget)
        watched = app.stops.query_one("#stops-watched-pane", Widget)
        assert found.region.x == watched.region.x and found.region.bottom <= watched.region.y
        assert drawn(app.stops.query_one("#stops-note", Widget)) == [NOTE]
        await pilot.resize_terminal(*WIDE)
        await until(pilot, lambda: found.region.y == watched.region.y, "the wide layout", 5)
        assert found.region.right <= watched.region.x

    run_app(app, scenario, size=NARROW)
