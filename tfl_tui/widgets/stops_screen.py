"""`s`: find bus stops by name and choose the ones to watch.

The screen only proposes: every toggle posts `StopsScreen.Changed` for the app to apply (and
save), and shows the change at once; `set_watched` puts the app's truth back when applying
failed. Searching blocks (HTTP, or the offline catalogue), so it runs in a thread worker and
only the latest query's answer is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState, get_current_worker

from tfl_tui.core.errors import TflTuiError
from tfl_tui.core.stops import BusStop, Place, normalise
from tfl_tui.core.text import safe_text

DEBOUNCE_S = 0.4  # quiet time after the last key before searching: one request per pause
MIN_QUERY = 2  # TfL's search finds little useful in one character, and answers slowly
CHECK = "✓"


def _key(stop: BusStop) -> str:
    return stop.id.upper()  # ids typed in a config file may differ in case from TfL's


@dataclass(frozen=True, slots=True)
class _Row:
    """What one option of the results stands for: a place's header, or one of its stops."""

    place: Place
    stop: BusStop | None = None


class _SearchInput(Input):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "screen.focus_results", "Results", show=False),
    ]


class _ResultsList(OptionList):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "Watch / unwatch"),
        Binding("up", "up_or_search", "Up", show=False),
    ]

    def action_up_or_search(self) -> None:
        """Up from the first result goes back to the search box, where typing works."""
        if not self.highlighted:
            self.screen.query_one("#stops-search").focus()
        else:
            self.action_cursor_up()


class _WatchedList(OptionList):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,delete", "select", "Remove"),
    ]


class StopsScreen(ModalScreen[None]):
    """Search stops by name; Enter watches or unwatches a stop, or a whole place."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close"),
        Binding("ctrl+s", "save", "Save stops"),
    ]
    # Results and watched list side by side only where both have room for a stop's line.
    # (Not ClassVar: Textual declares it `ClassVar[...] | None`, which mypy reads as an
    # instance variable, so a ClassVar here would be an override error.)
    HORIZONTAL_BREAKPOINTS = [  # noqa: RUF012
        (0, "-narrow"),
        (90, "-wide"),
    ]

    class Changed(Message):
        """The user watched `added` and stopped watching `removed` (either may be empty)."""

        def __init__(self, added: tuple[BusStop, ...], removed: tuple[BusStop, ...]) -> None:
            super().__init__()
            self.added = added
            self.removed = removed

    class SaveRequested(Message):
        """`ctrl+s`: the user asks for the watched stops to be saved (only when offered)."""

    def __init__(
        self,
        watched: Sequence[BusStop],
        search: Callable[[str], list[Place]],
        *,
        note: str,
        offer_save: bool = False,
    ) -> None:
        super().__init__()
        self._watched: tuple[BusStop, ...] = tuple(watched)
        self._search = search
        self._note = note
        self._offer_save = offer_save
        self._rows: list[_Row] = []
        # What each option stands for, keyed by the option itself rather than its index: an
        # Enter still on its way when new results replace the options finds nothing, never
        # the wrong stop.
        self._row_of: dict[Option, _Row] = {}
        self._stop_of: dict[Option, BusStop] = {}
        self._debounce: Timer | None = None
        # Bumped by every new query: an answer carrying an older number is dropped.
        self._generation = 0
        self._latest: Worker[None] | None = None

    @property
    def watched(self) -> tuple[BusStop, ...]:
        return self._watched

    def compose(self) -> ComposeResult:
        with Vertical(id="stops"):
            yield _SearchInput(
                placeholder="search stops by name: street, place, station, or a stop id…",
                id="stops-search",
                select_on_focus=False,  # back from the results, typing goes on from the end
            )
            with Horizontal(id="stops-panes"):
                with Vertical(id="stops-results-pane"):
                    yield Static(id="stops-status")
                    yield _ResultsList(id="stops-results", markup=False)
                with Vertical(id="stops-watched-pane"):
                    yield Static(Text("No stops watched yet."), id="stops-none")
                    yield _WatchedList(id="stops-watched", markup=False)
            yield Static(Text(safe_text(self._note)), id="stops-note")
        yield Footer()  # this screen's keys, not the board's

    def on_mount(self) -> None:
        self.query_one("#stops-results-pane").border_title = "Found"
        self._show_status(Text(f"Type a stop's name (at least {MIN_QUERY} characters)."))
        self._draw_watched()

    def on_unmount(self) -> None:
        # A search still running answers into nothing.
        self._generation += 1
        if self._debounce is not None:
            self._debounce.stop()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "save":
            return self._offer_save  # False also hides it from the Footer
        return True

    # -- public ------------------------------------------------------------------------------

    def set_watched(self, stops: Sequence[BusStop]) -> None:
        """The app's own list (e.g. after a save failed): marks and list redrawn, nothing
        posted."""
        self._watched = tuple(stops)
        if self.is_mounted:
            self._draw_watched()
            self._draw_marks()

    # -- actions -----------------------------------------------------------------------------

    def action_save(self) -> None:
        if self._offer_save:
            self.post_message(self.SaveRequested())

    def action_focus_results(self) -> None:
        results = self.query_one(_ResultsList)
        results.focus()
        if results.highlighted is None and results.option_count:
            results.highlighted = self._first_stop_index()

    # -- searching ---------------------------------------------------------------------------

    @on(Input.Changed, "#stops-search")
    def _typed(self, event: Input.Changed) -> None:
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None
        query = " ".join(event.value.split())
        if len(query) < MIN_QUERY:
            self._generation += 1  # any answer still coming is for a query no longer there
            self._set_results([])
            self._show_status(Text(f"Type at least {MIN_QUERY} characters to search."))
            return
        self._debounce = self.set_timer(DEBOUNCE_S, lambda: self._start_search(query))

    @on(Input.Submitted, "#stops-search")
    def _submitted(self) -> None:
        # Enter: no need to wait for the pause; then straight to the results.
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None
            query = " ".join(self.query_one(_SearchInput).value.split())
            self._start_search(query)
        self.action_focus_results()

    def _start_search(self, query: str) -> None:
        self._debounce = None
        self._generation += 1
        self._show_status(Text("searching…", style="italic"))
        self._latest = self._run_search(query, self._generation)

    @work(thread=True, exclusive=True, exit_on_error=False, group="stop-search")
    def _run_search(self, query: str, generation: int) -> None:
        outcome: list[Place] | TflTuiError
        try:
            outcome = self._search(query)
        except TflTuiError as error:
            outcome = error
        if not get_current_worker().is_cancelled:  # replaced by a newer query, or closed
            self.app.call_from_thread(self._answered, generation, query, outcome)

    def _answered(self, generation: int, query: str, outcome: list[Place] | TflTuiError) -> None:
        if generation != self._generation:
            return  # a newer query was typed meanwhile
        if isinstance(outcome, TflTuiError):
            self._set_results([])
            message = Text(safe_text(outcome.message), style="bold")
            if outcome.hint:
                message.append("\n" + safe_text(outcome.hint), style="dim")
            self._show_status(message)
            return
        places = [place for place in outcome if place.stops]
        if not places:
            self._set_results([])
            self._show_status(Text(f"No bus stop matches '{safe_text(query)}'."))
            return
        self._show_status(None)
        self._set_results(places)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Anything but a TflTuiError is a bug in `search`: say so rather than search forever.
        if event.worker is self._latest and event.state == WorkerState.ERROR:
            self._set_results([])
            self._show_status(Text(safe_text(f"The search failed: {event.worker.error!r}")))

    # -- toggling ----------------------------------------------------------------------------

    @on(OptionList.OptionSelected, "#stops-results")
    def _result_chosen(self, event: OptionList.OptionSelected) -> None:
        row = self._row_of.get(event.option)
        if row is None:
            return
        if row.stop is not None:
            if _key(row.stop) in self._watched_keys():
                self._change((), (row.stop,))
            else:
                self._change((row.stop,), ())
            return
        watched = self._watched_keys()
        stops = list({_key(stop): stop for stop in row.place.stops}.values())
        if all(_key(stop) in watched for stop in stops):
            self._change((), tuple(stops))
        else:
            self._change(tuple(stop for stop in stops if _key(stop) not in watched), ())

    @on(OptionList.OptionSelected, "#stops-watched")
    def _watched_chosen(self, event: OptionList.OptionSelected) -> None:
        stop = self._stop_of.get(event.option)
        if stop is not None:
            self._change((), (stop,))

    def _change(self, added: tuple[BusStop, ...], removed: tuple[BusStop, ...]) -> None:
        """Shown at once (the app is expected to agree), and told to the app."""
        if not added and not removed:
            return
        gone = {_key(stop) for stop in removed}
        self._watched = (
            *(stop for stop in self._watched if _key(stop) not in gone),
            *added,
        )
        self._draw_watched()
        self._draw_marks()
        self.post_message(self.Changed(added, removed))

    # -- drawing -----------------------------------------------------------------------------

    def _watched_keys(self) -> set[str]:
        return {_key(stop) for stop in self._watched}

    def _show_status(self, text: Text | None) -> None:
        status = self.query_one("#stops-status", Static)
        status.update(text or "")
        status.display = text is not None

    def _set_results(self, places: Sequence[Place]) -> None:
        self._rows = [
            row for place in places for row in (_Row(place), *(_Row(place, s) for s in place.stops))
        ]
        watched = self._watched_keys()
        options = [Option(_row_prompt(row, watched)) for row in self._rows]
        self._row_of = dict(zip(options, self._rows, strict=True))
        results = self.query_one(_ResultsList)
        results.set_options(options)
        if self._rows:
            results.highlighted = self._first_stop_index()
        pane = self.query_one("#stops-results-pane")
        pane.border_title = f"Found {len(places)}" if places else "Found"

    def _first_stop_index(self) -> int:
        return 0  # the first place's header: Enter there takes the whole place

    def set_note(self, note: str, *, offer_save: bool) -> None:
        """Say how changes are kept (after Ctrl+S saved them, say so)."""
        self._note = note
        self._offer_save = offer_save
        self.query_one("#stops-note", Static).update(Text(safe_text(note)))
        self.refresh_bindings()

    def _draw_marks(self) -> None:
        results = self.query_one(_ResultsList)
        watched = self._watched_keys()
        for index, row in enumerate(self._rows):
            if row.stop is not None:
                results.replace_option_prompt_at_index(index, _row_prompt(row, watched))

    def _draw_watched(self) -> None:
        listing = self.query_one(_WatchedList)
        highlighted = listing.highlighted
        options = [Option(_watched_prompt(stop)) for stop in self._watched]
        self._stop_of = dict(zip(options, self._watched, strict=True))
        listing.set_options(options)
        if self._watched:
            # Where the cursor was: after a removal, on the stop that took its place.
            listing.highlighted = min(highlighted or 0, len(self._watched) - 1)
        self.query_one("#stops-none").display = not self._watched
        self.query_one("#stops-watched-pane").border_title = f"Watching {len(self._watched)}"


def _row_prompt(row: _Row, watched: set[str]) -> Text:
    """`Waterloo Station / York Road  W, S` for a place; `✓ W  → Vauxhall  77 211` for a stop."""
    place = row.place
    if row.stop is None:
        return Text.assemble(
            (safe_text(place.name), "bold"), "  ", (safe_text(place.letters()), "dim")
        )
    stop = row.stop
    width = max((len(s.letter) for s in place.stops), default=1) or 1
    text = Text("  ")
    text.append(CHECK if _key(stop) in watched else " ", style="bold green")
    text.append(" ")
    text.append(safe_text(stop.letter or "-").ljust(width), style="bold")
    # A hub's stops may stand on streets of other names: then the name tells them apart.
    if stop.name and normalise(stop.name) != normalise(place.name):
        text.append("  " + safe_text(stop.name))
    if stop.towards:
        text.append("  → " + safe_text(stop.towards))
    if stop.lines:
        text.append("  " + " ".join(safe_text(line) for line in stop.lines), style="cyan")
    return text


def _watched_prompt(stop: BusStop) -> Text:
    text = Text(safe_text(stop.label()))
    if stop.name:  # without a name the label is the id already
        text.append("  " + safe_text(stop.id), style="dim")
    return text
