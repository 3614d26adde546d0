"""The dashboard: a live arrivals board, raw records with offsets, status, keys.

The app renders and dispatches. Kafka and TfL work happens in worker threads (tfl_tui.workers),
which hand events over through one thread-safe message; the board is folded by the pure
`Board`. Startup never waits on the network: the first frame comes before any connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.events import Resize
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Input, ProgressBar, Static

from tfl_tui.core import saved_stops
from tfl_tui.core.arrivals import Arrival
from tfl_tui.core.board import Board, BoardFilter
from tfl_tui.core.board_message import Watching, empty_board_message
from tfl_tui.core.board_view import BoardView, RowsView
from tfl_tui.core.dashboard_options import DashboardOptions
from tfl_tui.core.errors import TflTuiError
from tfl_tui.core.events import (
    Failure,
    Notice,
    PollOutcome,
    ProducerStopped,
    RecordsBatch,
    ReplayStarted,
)
from tfl_tui.core.polling import utc_now
from tfl_tui.core.status import Status
from tfl_tui.core.stop_choice import Origin
from tfl_tui.core.stops import BusStop, Place, Watchlist
from tfl_tui.core.text import counted, safe_text
from tfl_tui.core.timespec import describe_moment
from tfl_tui.tuning import RuntimeTuning
from tfl_tui.widgets.board_table import BoardTable
from tfl_tui.widgets.help_screen import HelpScreen
from tfl_tui.widgets.history_screen import HistoryScreen
from tfl_tui.widgets.raw_panel import RawPanel
from tfl_tui.widgets.records_screen import RecordsScreen
from tfl_tui.widgets.status_bar import StatusBar
from tfl_tui.widgets.stops_screen import StopsScreen
from tfl_tui.widgets.timeline import Timeline

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
BOARD_TITLE = "Arrivals · soonest first"
BOARD_TITLE_BY_STOP = "Arrivals · by stop, soonest first"
MESSAGES_MIN_HEIGHT = 30  # rows a terminal needs before the raw messages show by default
COMPACT_FOOTER_BELOW = 100  # columns: the footer's keys fit closer together below it
HISTORY_SPAN = timedelta(hours=3)  # how far back `h` looks
RENDER_INTERVAL_S = 0.1  # the board redraws at most 10 times a second, plus the 1 s countdown


def _home_relative(path: Path) -> str:
    """`~/.config/tfl-tui/stops.toml`: the path as a user would type it."""
    try:
        return f"~/{path.relative_to(Path.home())}"
    except ValueError:
        return str(path)


@dataclass
class Outcome:
    """What the app reports after it exits (printed by the CLI)."""

    stopped: ProducerStopped | None = None
    failure: str | None = None


class WorkerEvent(Message):
    """Carries one event from a worker thread; posting it is thread-safe."""

    def __init__(self, event: object) -> None:
        super().__init__()
        self.event = event


class TflTuiApp(App[Outcome]):
    CSS_PATH = "app.tcss"
    TITLE = "tfl-tui"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
        Binding("r", "replay", "Replay"),
        # One key, two labels: the footer says what `p` will do.
        Binding("p", "pause", "Pause"),
        Binding("p", "resume", "Resume"),
        Binding("m", "toggle_messages", "Messages"),
        Binding("s", "stops", "Stops"),
        Binding("g", "group_by_stop", "Group", show=False),
        Binding("h", "history", "History", show=False),
        Binding("t", "time_travel", "Time travel", show=False),
        Binding("i", "toggle_status_detail", "Info"),
        Binding("d", "use_demo", "Demo feed"),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(
        self,
        options: DashboardOptions,
        *,
        clock: Callable[[], datetime] = utc_now,
        start_workers: bool = True,
    ) -> None:
        super().__init__()
        self.options = options
        self.clock = clock
        self.board = Board(stale_after=timedelta(seconds=2 * options.interval))
        self.status = Status(topic=options.topic, producing=options.produce)
        self.board_filter = BoardFilter()
        self.by_stop = False  # `g`: each stop's rows together
        self.paused = False
        self.outcome = Outcome()
        self._start_workers = start_workers
        self._generation = 0
        self.records_seen = 0  # records handed over since the start or the last replay
        # (generation, time.perf_counter()) of the latest board drawn caught up, once it is on
        # screen: the benchmarks stop their stopwatch there.
        self.painted: tuple[int, float] | None = None
        # time.perf_counter() once the board at time travel's cursor is on screen (benchmarks).
        self.travel_painted: float | None = None
        self._dirty = True
        self._render_scheduled = False
        self._last_render = 0.0
        self._offer_demo = False
        self._on_demo = options.demo
        self._quitting = False
        self._closing = False
        self._background: Any = None  # tfl_tui.workers.supervisor.Workers, loaded lazily
        self._messages_chosen: bool | None = None  # the raw panel, once the user has chosen
        self.watched = Watchlist(list(options.watched))
        # Stops given with --stop are this run's: the Stops screen offers to save them. Saved
        # (or default) stops are saved again at every change.
        self._autosave = options.stops_origin is not Origin.FLAGS
        self._untouched_stops = True  # no change made on the Stops screen yet
        self._finder: Any = None  # tfl_tui.workers.stop_finder.StopFinder, made when needed
        self._reading_stop = threading.Event()  # set on quit: a read of the past gives up
        self._travel_at: datetime | None = None  # time travel's moment (None: live)
        self._traveling = False
        self.tuning = RuntimeTuning()  # process-wide GC and GIL settings while mounted

    # -- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="title")
        yield Static(id="banner")
        yield Timeline(id="timeline")
        with Vertical(id="board-box"):
            yield Input(
                placeholder="filter: words (destination, stop, line), line:ID, <N minutes",
                id="filter",
            )
            yield Static(id="board-empty")
            yield ProgressBar(id="replay-progress", show_eta=False)
            yield BoardTable(id="board")
        yield RawPanel(limit=self.options.raw_limit, id="raw")
        yield RawPanel(limit=self.options.raw_limit, id="raw-past")  # time travel's
        with VerticalScroll(id="status-box"):
            yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#filter", Input).display = False
        self.query_one("#banner", Static).display = False
        self.query_one(Timeline).display = False
        self.query_one("#raw-past", RawPanel).display = False
        self._show_board_title()
        raw = self.query_one("#raw", RawPanel)
        raw.border_title = "Raw messages · partition · offset"
        raw.display = self._messages_shown(self.size.height)
        self._fit_footer(self.size.width)
        self.query_one(BoardTable).focus()
        self._render_title()
        self.render_all()
        self.tuning.enter()  # put back on unmount
        self.board.describe_stops({s.id: s.towards for s in self.watched.stops if s.towards})
        if self.options.produce and any(not s.name for s in self.watched.stops):
            self._look_up_stops()  # ids alone (`--stop 490000254W`): find where buses go
        self._show_stops_hint()
        self.set_interval(1.0, self._tick)
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            # SIGTERM and SIGINT (`kill -INT`; Ctrl+C itself arrives as a key) quit like `q`:
            # flush, report, restore the terminal.
            loop = asyncio.get_running_loop()
            for number in STOP_SIGNALS:
                loop.add_signal_handler(number, self._on_stop_signal)
        if self._start_workers:
            self._launch()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand(
            "Filter", "Filter the board by destination, stop, line or minutes", self.action_filter
        )
        yield SystemCommand(
            "Replay from earliest", "Rebuild the board from the whole topic", self.action_replay
        )
        yield SystemCommand(
            "Pause / resume", "Freeze or resume the display", self.action_toggle_pause
        )
        yield SystemCommand("Keys and filter help", "Show the help screen", self.action_help)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "use_demo":
            return self._offer_demo
        if action == "pause":
            return not self.paused
        if action == "resume":
            return self.paused
        return True

    # -- workers --------------------------------------------------------------------------

    @work(thread=True, exit_on_error=False, name="start-workers")
    def _launch(self) -> None:
        # Imported here: confluent-kafka and requests are not needed for the first frame.
        from tfl_tui.workers.supervisor import Workers

        workers = Workers(self.options, self.post_event)
        self._background = workers
        workers.start()
        self.tuning.freeze()  # what the workers loaded lives as long as the app, too
        if self._closing:  # the app ended while the workers were starting
            workers.stop()

    @property
    def generation(self) -> int:
        """Bumps at each replay (the benchmarks wait on it)."""
        return self._generation

    def post_event(self, event: object) -> None:
        """The sink the workers call, from their own threads."""
        self.post_message(WorkerEvent(event))

    def on_worker_event(self, message: WorkerEvent) -> None:
        self.handle_event(message.event)

    def handle_event(self, event: object) -> None:
        match event:
            case RecordsBatch(records=records, generation=generation):
                try:
                    if generation != self._generation:
                        return  # read before the replay that has since started
                    self.records_seen += event.read
                    self.board.apply_all(records)
                    # Queued only; shown at the next render (on resume when paused: no gap).
                    self.query_one("#raw", RawPanel).add(event.recent)
                    self._invalidate()
                finally:
                    event.done()
                return
            case ReplayStarted(generation=generation):
                self._generation = generation
                self.records_seen = 0
                self.board.clear()
                self._defer(self.render_all)  # say "replaying" at once, not at the next tick
                self.query_one("#raw", RawPanel).clear()
            case PollOutcome(tfl_unreachable=True) if not (self._offer_demo or self._on_demo):
                self._offer_demo = True
                self.refresh_bindings()
                self._show_banner(
                    f"Cannot reach the TfL API at {self.options.tfl_url} (no connection). "
                    "Press d to switch to the offline demo feed."
                )
            case PollOutcome(error=None) if self._offer_demo:
                self._offer_demo = False
                self.refresh_bindings()
                self._show_banner(None)
            case Failure(message=message, hint=hint, fatal=fatal):
                self.notify(
                    safe_text(f"{message}\n{hint or ''}".strip(), multiline=True),
                    title=event.source,
                    severity="error" if fatal else "warning",
                    timeout=8,
                    markup=False,
                )
            case Notice(source=source, message=message):
                self.notify(safe_text(message), title=source, severity="warning", markup=False)
            case ProducerStopped():
                self.outcome.stopped = event
        self.status.apply(event)
        self.tuning.replaying(not self.status.replay_done)
        self._invalidate()

    # -- rendering ------------------------------------------------------------------------

    def _render_title(self) -> None:
        pause = "  · PAUSED (p resumes)" if self.paused else ""
        self.query_one("#title", Static).update(
            Text.assemble(
                ("tfl-tui", "bold"),
                " · London bus arrivals · topic ",
                (safe_text(self.options.topic), "bold"),
                pause,
            )
        )

    def _show_banner(self, text: str | None) -> None:
        banner = self.query_one("#banner", Static)
        banner.display = text is not None
        banner.update(Text(safe_text(text or "")))

    def _tick(self) -> None:
        if not self.is_running:
            return  # shutting down: the app's timers outlive its widgets for a moment
        now = self.clock()
        self.board.prune(now)
        if not self.paused:
            self.render_all()
        else:  # the board and the raw messages hold still; the status goes on
            self.query_one(StatusBar).show(self.status, now, stops=len(self.options.stops))

    def _invalidate(self) -> None:
        """Something to show has changed: redraw at once when the last redraw is at least
        RENDER_INTERVAL_S old, else when it will be (so at most 10 redraws a second).

        While a replay catches up the board changes wholesale many times a second: only the
        countdown tick redraws it, once a second, and the CPU goes to the replay.
        """
        self._dirty = True
        if self._render_scheduled or self.paused or not self.status.replay_done:
            return
        self._render_scheduled = True
        delay = self._last_render + RENDER_INTERVAL_S - time.monotonic()
        if delay > 0:
            self.set_timer(delay, lambda: self._defer(self._scheduled_render))
        else:
            self._defer(self._scheduled_render)

    def _defer(self, callback: Callable[[], object]) -> None:
        """Run `callback` once the messages already queued are handled (a key press first),
        unless the app has ended meanwhile: its widgets are gone then."""

        def run() -> None:
            if self.is_running and not self._closing:
                callback()

        self.call_later(run)

    def _scheduled_render(self) -> None:
        self._render_scheduled = False
        if self._dirty and not self.paused:
            self.render_all()

    def render_all(self) -> None:
        self._dirty = False
        self._last_render = time.monotonic()
        now = self.render_board()
        raw = self.query_one("#raw", RawPanel)
        if not self.paused and self.status.replay_done and raw.display:
            # After the board, as a message of its own: a key pressed meanwhile goes first.
            self._defer(raw.sync)
        self.query_one(StatusBar).show(self.status, now, stops=len(self.options.stops))

    def render_board(self) -> datetime:
        """Redraw the board (and why it is empty); returns the time it was drawn for.

        While a replay catches up the board is only half built, and redrawing it would take
        the time the replay needs: it says so, and shows the rebuilt board once caught up.
        """
        now = self.clock()
        replaying = not self.status.replay_done
        if not replaying and not self.board.settle(now):
            # Caught up: the rebuilt board is put in order a slice at a time, each as a message
            # of its own, so that a key pressed meanwhile goes first.
            self._defer(self.render_board)
            return now
        view: BoardView
        if self._traveling:
            view = self._past_view()
        elif replaying:
            view = RowsView([], now)
        else:
            view = self.board.view(now, self.board_filter, by_stop=self.by_stop)
        table = self.query_one(BoardTable)
        table.show(view)
        table.show_header = len(view) > 0  # no header without rows: the message says why
        message = None
        if len(view) == 0:
            message = self._past_message() if self._traveling else self._empty_message()
        empty = self.query_one("#board-empty", Static)
        empty.display = message is not None
        empty.update(Text(safe_text(message or "")))
        if not replaying and not self._traveling:
            self.call_after_refresh(self._mark_painted, self._generation)
        bar = self.query_one("#replay-progress", ProgressBar)
        progress = self.status.replay_progress()
        bar.display = progress is not None
        if progress is not None:
            bar.update(progress=progress[0], total=max(progress[1], 1))
        return now

    def _mark_painted(self, generation: int) -> None:
        self.painted = (generation, time.perf_counter())

    def _empty_message(self) -> str:
        return empty_board_message(
            self.status,
            self.board,
            self.board_filter,
            Watching(self.options.topic, self.options.stops, self.options.produce),
            records_seen=self.records_seen,
            banner_up=self._offer_demo,
        )

    # -- actions --------------------------------------------------------------------------

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = ""
        box.display = False
        self.query_one(BoardTable).focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.board_filter = BoardFilter.parse(event.value)
        self.render_board()  # only what the filter changes: typing must stay instant

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        # Keep the filter visible while it is active; the board gets the keys again.
        if not event.value.strip():
            event.input.display = False
        self.query_one(BoardTable).focus()

    def action_replay(self) -> None:
        if self._background is None:
            self.notify("Not connected yet: nothing to replay.", severity="warning")
            return
        self._background.replay()
        self.notify("Replaying from the earliest offset…", timeout=3)

    def action_pause(self) -> None:
        self.action_toggle_pause()

    def action_resume(self) -> None:
        self.action_toggle_pause()

    def action_toggle_pause(self) -> None:
        self.paused = not self.paused
        self._render_title()
        self._show_board_title()
        self.refresh_bindings()  # the key reads Resume while paused
        if not self.paused:
            self.render_all()

    def _messages_shown(self, height: int) -> bool:
        """The board comes first: on a short terminal the raw messages wait for `m`."""
        if self._messages_chosen is not None:
            return self._messages_chosen
        return height >= MESSAGES_MIN_HEIGHT

    def on_resize(self, event: Resize) -> None:
        with contextlib.suppress(NoMatches):  # a resize before the widgets exist
            self.query_one("#raw", RawPanel).display = self._messages_shown(event.size.height)
            self._fit_footer(event.size.width)

    def _fit_footer(self, width: int) -> None:
        """Every key in the footer on a narrow terminal: closer together, the palette's last."""
        footer = self.query_one(Footer)
        footer.compact = width < COMPACT_FOOTER_BELOW
        footer.show_command_palette = width >= COMPACT_FOOTER_BELOW

    def action_toggle_messages(self) -> None:
        if self._traveling:  # the records of the moment shown, not the live ones
            past = self.query_one("#raw-past", RawPanel)
            past.display = not past.display
            self._messages_chosen = past.display
            self._show_past_records()
            return
        raw = self.query_one("#raw", RawPanel)
        self._messages_chosen = not raw.display  # kept for the session, whatever the size
        raw.display = self._messages_chosen
        if raw.display and not self.paused:
            raw.sync()

    def action_toggle_status_detail(self) -> None:
        """Kafka's detail (partitions, offsets, rates) and every stop's last poll, or not."""
        bar = self.query_one(StatusBar)
        bar.detail = not bar.detail
        box = self.query_one("#status-box", VerticalScroll)
        box.set_class(bar.detail, "detail")
        bar.set_class(bar.detail, "detail")
        bar.show(self.status, self.clock(), stops=len(self.options.stops))
        # The keys scroll the detail (every stop's last poll) until `s` or Tab moves on.
        (box if bar.detail else self.query_one(BoardTable)).focus()

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    # -- the past -------------------------------------------------------------------------

    def action_history(self) -> None:
        """`h` on a board row: the buses of its line and destination that came to its stop."""
        row = self.query_one(BoardTable).selected_row
        target = getattr(self._background, "target", None)
        if row is None or target is None:
            self.notify("Choose a row on the board first.", severity="warning", timeout=3)
            return
        now = self.clock()
        since = now - HISTORY_SPAN
        conf, topic, key = target.conf, self.options.topic, row.key
        timeout, stop = self.options.connect_timeout, self._reading_stop

        def load() -> list[Arrival]:
            from tfl_tui.workers.history_reader import read_arrivals

            return read_arrivals(conf, topic, key, since, timeout=timeout, stop=stop)

        title = f"{row.line} → {row.destination} at {row.stop}"
        self.push_screen(HistoryScreen(title, since, now, load))

    # -- stops ----------------------------------------------------------------------------

    def action_group_by_stop(self) -> None:
        self.by_stop = not self.by_stop
        self._show_board_title()
        self.render_board()

    def _show_board_title(self) -> None:
        title = BOARD_TITLE_BY_STOP if self.by_stop else BOARD_TITLE
        if self._traveling and self._travel_at is not None:
            title = f"Arrivals at {describe_moment(self._travel_at, self.clock())} · t: live"
        self.query_one("#board-box").border_title = title + (" · paused" if self.paused else "")

    # -- time travel ----------------------------------------------------------------------

    def action_time_travel(self) -> None:
        """`t`: the board at any moment of the topic; `t` or Esc again: live."""
        if self._traveling:
            self._leave_time_travel()
            return
        target = getattr(self._background, "target", None)
        if target is None:
            self.notify("Not connected yet: no topic to travel.", severity="warning")
            return
        self._traveling = True
        self._travel_at = None
        timeline = self.query_one(Timeline)
        timeline.index = None
        timeline.show_note("Time travel: reading the topic…")
        timeline.display = True
        timeline.focus()
        self._build_index(target.conf)
        self._show_board_title()
        self.render_board()

    @work(thread=True, exclusive=True, exit_on_error=False, name="time-index", group="past")
    def _build_index(self, conf: Any) -> None:
        from tfl_tui.workers.time_index_reader import build_index

        timeline = self.query_one(Timeline)

        def progress(read: int) -> None:
            note = f"Time travel: reading the topic… {read:,} records"
            self.call_from_thread(timeline.show_note, note)

        try:
            index = build_index(
                conf,
                self.options.topic,
                stale_after=self.board.stale_after,
                timeout=self.options.connect_timeout,
                stop=self._reading_stop,
                progress=progress,
            )
        except TflTuiError as error:
            self.call_from_thread(timeline.show_note, safe_text(f"Time travel: {error.message}"))
            return
        if self._traveling:
            self.call_from_thread(timeline.show_index, index)

    @on(Timeline.Moved)
    def _travelled(self, event: Timeline.Moved) -> None:
        if not self._traveling:
            return
        self._travel_at = event.moment
        raw, past = self.query_one("#raw", RawPanel), self.query_one("#raw-past", RawPanel)
        if raw.display:
            raw.display, past.display = False, True
        self._show_past_records()
        self._show_board_title()
        self.render_board()
        self.call_after_refresh(self._mark_travel_painted)

    def _mark_travel_painted(self) -> None:
        self.travel_painted = time.perf_counter()

    @on(Timeline.Left)
    def _leave_time_travel(self) -> None:
        self._traveling = False
        self._travel_at = None
        self.query_one(Timeline).display = False
        past = self.query_one("#raw-past", RawPanel)
        if past.display:
            past.display = False
            self.query_one("#raw", RawPanel).display = True
        self.query_one(BoardTable).focus()
        self._show_board_title()
        self.render_all()

    def _show_past_records(self) -> None:
        """The raw panel of time travel: records polled in the minute before the moment."""
        index, past = self.query_one(Timeline).index, self.query_one("#raw-past", RawPanel)
        if index is None or self._travel_at is None or not past.display:
            return
        past.clear()
        past.add(index.records_near(self._travel_at))
        past.sync()

    def action_board_cursor(self, move: str) -> None:
        """The board's row keys while the timeline has the others (time travel)."""
        table = self.query_one(BoardTable)
        if move == "choose":
            table.action_choose()
        else:
            getattr(table, f"action_cursor_{move}")()

    def _past_view(self) -> RowsView:
        timeline = self.query_one(Timeline)
        index, at = timeline.index, self._travel_at
        found = index.at(at) if index is not None and at is not None else None
        if found is None:
            return RowsView([], at or self.clock())
        moment, rows = found
        shown = [row for row in rows if self.board_filter.matches(row)]
        if self.by_stop:
            shown.sort(key=lambda row: row.stop)  # stable: soonest first within a stop
        return RowsView(shown, moment)

    def _past_message(self) -> str:
        index = self.query_one(Timeline).index
        if index is None:
            return "Reading the topic to travel in time…"
        if self.board_filter.active:
            return f"No buses matched “{self.board_filter.describe()}” then."
        return "No buses were due then."

    def _show_stops_hint(self) -> None:
        """On the board's frame, while the tutorial's stop is watched by default: how to
        choose yours (a notice would hide the status while it lasts)."""
        default = self.options.stops_origin is Origin.DEFAULT and self.options.produce
        hint = "the default stop · s finds yours" if default and self._untouched_stops else ""
        self.query_one("#board-box").border_subtitle = hint

    def _stops_note(self) -> str:
        if self._autosave:
            note = f"Changes are saved in {_home_relative(saved_stops.saved_stops_path())}"
        else:
            try:
                saved = len(saved_stops.load())
            except TflTuiError:
                saved = 0  # Ctrl+S will say why it cannot save
            instead = f", in place of the {counted(saved, 'stop')} saved now" if saved else ""
            note = f"These stops came from --stop: Ctrl+S makes them your saved stops{instead}"
        if not self.options.produce:
            note = "--no-produce: nothing is polled here; " + note[0].lower() + note[1:]
        return note

    def action_stops(self) -> None:
        self.push_screen(
            StopsScreen(
                self.watched.stops,
                self._search_stops,
                note=self._stops_note(),
                offer_save=not self._autosave,
            )
        )

    @work(thread=True, exit_on_error=False, name="stop-details", group="stop-search")
    def _look_up_stops(self) -> None:
        ids = [stop.id for stop in self.watched.stops if not stop.name]
        try:
            found = self._stop_finder().details(ids)
        except TflTuiError:
            return  # only a nicer label: the board works without it
        self.call_from_thread(self._stops_described, found)

    def _stops_described(self, found: list[BusStop]) -> None:
        self.watched.describe(found)
        self.options.watched = list(self.watched.stops)
        self.board.describe_stops({s.id: s.towards for s in found if s.towards})
        self._invalidate()

    def _search_stops(self, query: str) -> list[Place]:
        """Called from the Stops screen's search thread."""
        places: list[Place] = self._stop_finder().search(query)
        return places

    def _stop_finder(self) -> Any:
        if self._finder is None:
            from tfl_tui.workers.stop_finder import StopFinder

            self._finder = StopFinder(
                self.options,
                on_demo=lambda: self._on_demo,  # the catalogue once on the demo feed
                budget=lambda: getattr(self._background, "request_budget", None),
            )
        return self._finder

    @on(StopsScreen.Changed)
    def _stops_changed(self, event: StopsScreen.Changed) -> None:
        added = self.watched.add(event.added)
        removed = self.watched.remove(stop.id for stop in event.removed)
        if not added and not removed:
            return
        self.options.stops = self.watched.ids
        self.options.watched = list(self.watched.stops)
        self.board.show_stops(stop.id for stop in added)
        self.board.hide_stops(stop.id for stop in removed)
        self.board.describe_stops({s.id: s.towards for s in added if s.towards})
        self.status.forget_stops(stop.id for stop in removed)
        if self._background is not None:
            self._background.set_stops(self.watched.ids)
        if self._autosave:
            self._save_stops(quiet=True)
        # The Stops screen shows the change itself: no notice to cover it.
        self._untouched_stops = False
        self._show_stops_hint()
        self._invalidate()

    @on(StopsScreen.SaveRequested)
    def _save_requested(self, event: StopsScreen.SaveRequested) -> None:
        if self._save_stops(quiet=False):
            self._autosave = True  # saved once: later changes are kept too
            if isinstance(self.screen, StopsScreen):
                self.screen.set_note(self._stops_note(), offer_save=False)

    def _save_stops(self, *, quiet: bool) -> bool:
        """Write the watched stops, unless the saved file no longer reads: the user's file
        is never written over unseen."""
        try:
            saved_stops.load()
            path = saved_stops.save(self.watched.stops)
        except TflTuiError as error:
            self.notify(
                safe_text(f"{error.message}\n{error.hint or ''}".strip(), multiline=True),
                title="Stops not saved",
                severity="error",
                timeout=10,
                markup=False,
            )
            return False
        if not quiet:
            self.notify(safe_text(f"Saved in {path}"), title="Stops", markup=False)
        return True

    def action_use_demo(self) -> None:
        if self._background is not None and self._offer_demo:
            self._background.use_demo()
            self._offer_demo = False
            self._on_demo = True
            self.refresh_bindings()
            self._show_banner(None)
            self.notify("Switched to the offline demo feed.")

    @on(BoardTable.RowChosen, "#board")
    def _show_records(self, event: BoardTable.RowChosen) -> None:
        self.push_screen(RecordsScreen(event.row, self.board.entries_for(event.row)))

    def _on_stop_signal(self) -> None:
        self.run_worker(self.action_quit(), name="signal-quit")

    async def on_unmount(self) -> None:
        # However the app ends (tests, errors), the threads and the broker must not outlive it.
        self._closing = True
        self._reading_stop.set()
        self.tuning.restore()  # Python's own settings again, even mid-replay
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop = asyncio.get_running_loop()
            for number in STOP_SIGNALS:
                loop.remove_signal_handler(number)
        if self._finder is not None:
            self._finder.close()
        if self._background is not None:
            await asyncio.to_thread(self._background.stop)

    async def action_quit(self) -> None:
        if self._quitting:
            return
        self._quitting = True
        self._reading_stop.set()
        if self._finder is not None:
            self._finder.close()  # a stop search waiting on TfL gives up now
        if self._background is None:
            self.exit(self.outcome)
            return
        self.notify("Stopping: flushing the producer…", timeout=30)
        self._stop_workers_and_exit()

    @work(thread=True, exit_on_error=False, name="shutdown")
    def _stop_workers_and_exit(self) -> None:
        problem = self._background.stop()
        if problem:
            self.outcome.failure = problem
        self.call_from_thread(self.exit, self.outcome)
