"""`h` on a board row: the buses of its line and destination that came to its stop lately.

The buses come from the topic (core/arrivals.py says how they are told); reading it blocks, so
`load` runs in a thread worker and its answer comes back as the worker's result. Shown: how
many came and the waits between them, the buses on a time axis, the waits as bars (the longest
and the bunched stand out), and every bus with how its prediction held.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult, RenderResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Footer, Static
from textual.worker import Worker, WorkerState

from tfl_tui.core.arrivals import Arrival, said_line
from tfl_tui.core.errors import TflTuiError
from tfl_tui.core.text import safe_text
from tfl_tui.core.timespec import LONDON, format_duration

BUNCHED = timedelta(minutes=2)  # a bus this soon after the one before came bunched with it
CAME = "┃"
VANISHED = "\u00d7"  # the multiplication sign: a bus that never came
RULE = "─"
TICK = "┬"
BARS = "▁▂▃▄▅▆▇█"
LOADING = "reading the topic…"
_TICK_STEP = timedelta(minutes=30)
_LABEL = 5  # "13:30"


def _moment(arrival: Arrival) -> datetime:
    """When it came, or was last expected (vanished or still expected)."""
    return arrival.came_at or arrival.said[-1].expected


def _clock(moment: datetime) -> str:
    return moment.astimezone(LONDON).strftime("%H:%M")


def wait_text(span: timedelta) -> str:
    """`11 min`; a bunched wait in seconds (`90 s`), which rounded minutes would blur into
    the threshold ("2 min" for 90 s) or hide ("0 min")."""
    if span < BUNCHED:
        return f"{round(span.total_seconds())} s"
    return f"{round(span.total_seconds() / 60)} min"


def _window(since: datetime, now: datetime) -> str:
    span = now - since
    hours, rest = divmod(int(span.total_seconds()), 3600)
    if hours and not rest:
        return "hour" if hours == 1 else f"{hours} hours"
    return format_duration(span)


def came_in_order(arrivals: Sequence[Arrival]) -> list[Arrival]:
    return sorted(
        (a for a in arrivals if a.outcome == "came"), key=lambda a: a.came_at or a.said[-1].at
    )


def waits(came: Sequence[Arrival]) -> list[tuple[timedelta, datetime]]:
    """Each wait and when the bus that ended it came, in order. The first bus's wait counts
    too when the topic saw the bus before it (infer reads a little before `since`)."""
    return [(a.gap, a.came_at) for a in came if a.gap is not None and a.came_at is not None]


def summary(arrivals: Sequence[Arrival], since: datetime, now: datetime) -> str:
    """`9 came · usual wait 11 min · longest 23 min (before 14:18) · 2 bunched`."""
    came = came_in_order(arrivals)
    others = [
        f"{count} {label}"
        for label, count in (
            ("vanished", sum(a.outcome == "vanished" for a in arrivals)),
            ("still expected", sum(a.outcome == "expected" for a in arrivals)),
        )
        if count
    ]
    if not came:
        told = f"No bus of this line came here in the last {_window(since, now)} on the topic."
        return f"{told} ({', '.join(others)})" if others else told
    parts = [f"{len(came)} came"]
    gaps = waits(came)
    if gaps:
        usual = timedelta(seconds=statistics.median(g.total_seconds() for g, _ in gaps))
        longest, before = max(gaps, key=lambda pair: pair[0])
        parts += [
            f"usual wait {wait_text(usual)}",
            f"longest {wait_text(longest)} (before {_clock(before)})",
            f"{sum(g < BUNCHED for g, _ in gaps)} bunched",
        ]
    return " · ".join(parts + others)


# -- the time axis ------------------------------------------------------------------------------


def column(moment: datetime, since: datetime, now: datetime, width: int) -> int | None:
    """The column of `moment` on an axis `width` wide from `since` (first) to `now` (last);
    None outside it."""
    span = (now - since).total_seconds()
    if width < 1 or not since <= moment <= now:
        return None
    if span <= 0:
        return 0
    return round((moment - since).total_seconds() / span * (width - 1))


def _ticks(since: datetime, now: datetime) -> list[datetime]:
    # London's offset from UTC is whole hours: its half-hours are UTC's.
    step = _TICK_STEP.total_seconds()
    first = -(-since.timestamp() // step) * step
    moment = datetime.fromtimestamp(first, UTC)
    ticks = []
    while moment <= now:
        ticks.append(moment)
        moment += _TICK_STEP
    return ticks


def _labels(since: datetime, now: datetime, width: int) -> dict[int, str]:
    """Tick column → its London time, hours first, then half-hours where there is room."""
    placed: dict[int, str] = {}
    taken: list[tuple[int, int]] = []  # [start, end) of each label, a space kept around
    ticks = _ticks(since, now)
    for wanted in (True, False):
        for tick in ticks:
            if (tick.minute == 0) != wanted:
                continue
            at = column(tick, since, now, width)
            if at is None or width < _LABEL:
                continue
            start = min(at, width - _LABEL)  # the last label ends at the edge
            if all(start + _LABEL < a or start > b for a, b in taken):
                taken.append((start, start + _LABEL))
                placed[at] = _clock(tick)
    return placed


def axis(arrivals: Sequence[Arrival], since: datetime, now: datetime, width: int) -> Text:
    """Two lines `width` wide: a rule with a mark where each bus came (a digit where several
    share a column) or vanished, then the London times of its ticks."""
    if width < 1:
        return Text()
    labels = _labels(since, now, width)
    rule = [RULE] * width
    for at in labels:
        rule[at] = TICK
    vanished: set[int] = set()
    came: dict[int, int] = {}
    for arrival in arrivals:
        where = column(_moment(arrival), since, now, width)
        if where is None or arrival.outcome == "expected":
            continue
        if arrival.outcome == "came":
            came[where] = came.get(where, 0) + 1
        else:
            vanished.add(where)
    line = Text(no_wrap=True, overflow="crop")
    for at, char in enumerate(rule):
        if at in came:
            count = came[at]
            line.append(CAME if count == 1 else str(min(count, 9)), style="bold green")
        elif at in vanished:
            line.append(VANISHED, style="bold red")
        else:
            line.append(char, style="dim")
    times = [" "] * width
    for at, label in labels.items():
        start = min(at, width - _LABEL)
        times[start : start + _LABEL] = label
    line.append("\n" + "".join(times), style="dim")
    return line


class HistoryAxis(Widget):
    """The buses on a time axis from `since` to `now`, as wide as the widget."""

    DEFAULT_CSS = "HistoryAxis { height: 2; }"

    def __init__(self, since: datetime, now: datetime, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._since = since
        self._now = now
        self._arrivals: list[Arrival] = []

    def show(self, arrivals: Sequence[Arrival]) -> None:
        self._arrivals = list(arrivals)
        self.refresh()

    def render(self) -> RenderResult:
        return axis(self._arrivals, self._since, self._now, self.content_size.width)


# -- the waits as bars --------------------------------------------------------------------------


def bar_layout(count: int, width: int) -> tuple[int, int]:
    """(bar width, space after each bar) for `count` bars in `width` columns."""
    slot = max(1, min(4, width // max(count, 1)))
    return (slot - 1, 1) if slot > 1 else (1, 0)


def wait_bars(gaps: Sequence[timedelta], width: int, height: int) -> Text:
    """One bar per wait, in order, `height` lines tall at most, scaled to the longest wait
    (in eighths of a line, at least one: a bunched bus still shows). Past the width, the
    latest waits."""
    if not gaps or width < 1 or height < 1:
        return Text()
    shown = list(gaps[-width:])
    longest = max(shown)
    bar, space = bar_layout(len(shown), width)
    levels = [max(1, round(g / longest * height * 8)) if longest else 1 for g in shown]
    text = Text(no_wrap=True, overflow="crop")
    for row in range(height):
        floor = (height - 1 - row) * 8  # eighths below this line
        if row:
            text.append("\n")
        for gap, level in zip(shown, levels, strict=True):
            fill = min(8, level - floor)
            char = BARS[-1] if fill >= 8 else BARS[fill - 1] if fill > 0 else " "
            style = "red" if gap == longest else "yellow" if gap < BUNCHED else "cyan"
            text.append(char * bar, style=style)
            text.append(" " * space)
    return text


class WaitChart(Widget):
    """The waits between buses as bars, as tall and wide as the widget."""

    DEFAULT_CSS = "WaitChart { height: 3; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._gaps: list[timedelta] = []

    def show(self, gaps: Sequence[timedelta]) -> None:
        self._gaps = list(gaps)
        self.refresh()

    def render(self) -> RenderResult:
        size = self.content_size
        return wait_bars(self._gaps, size.width, size.height)


# -- the buses, one line each -------------------------------------------------------------------

_OUTCOME_STYLE = {"came": "green", "vanished": "red", "expected": "italic"}


def bus_line(arrival: Arrival) -> Text:
    """`13:12  came      11 min  LX12ABC   said 30 min at 12:40, came 13:12: 2 min late`."""
    outcome = arrival.outcome
    wait = wait_text(arrival.gap) if arrival.gap is not None and outcome == "came" else "—"
    line = Text(f"{_clock(_moment(arrival))}  ")
    line.append(outcome.ljust(8), style=_OUTCOME_STYLE.get(outcome, ""))
    line.append(f"  {wait.rjust(6)}  ")
    line.append(safe_text(arrival.vehicle).ljust(9), style="bold")
    line.append(safe_text(said_line(arrival)))
    return line


class _BusList(VerticalScroll):
    # The inherited scroll keys, shown in the Footer.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("pageup", "page_up", "Page up", key_display="PgUp"),
        Binding("pagedown", "page_down", "Page down", key_display="PgDn"),
    ]


# -- the screen ---------------------------------------------------------------------------------


class HistoryScreen(ModalScreen[None]):
    """The buses of one board row lately. `load` blocks and gives that row's arrivals since
    `since` (any order); it may raise TflTuiError, shown as its message and hint."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,h", "dismiss", "Close")]
    # Full screen where a border and margins would cost rows the axis and list need.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]  # noqa: RUF012 (see StopsScreen)
    VERTICAL_BREAKPOINTS = [(0, "-short"), (36, "-tall")]  # noqa: RUF012

    def __init__(
        self, title: str, since: datetime, now: datetime, load: Callable[[], list[Arrival]]
    ) -> None:
        super().__init__()
        self._title = title
        self._since = since
        self._now = now
        self._load = load
        self._reader: Worker[list[Arrival] | TflTuiError] | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="history"):
            yield Static(self._heading(), id="history-title")
            yield Static(Text(LOADING, style="italic"), id="history-summary")
            yield HistoryAxis(self._since, self._now, id="history-axis")
            yield Static(id="history-waits-label")
            yield WaitChart(id="history-waits")
            yield Static(id="history-list-label")
            with _BusList(id="history-list"):
                yield Static(id="history-buses")
        yield Footer()  # this screen's keys, not the board's

    def on_mount(self) -> None:
        self._show_parts(axis=False, waits=False, buses=False)
        self.query_one(_BusList).focus()
        self._reader = self._read()

    def _heading(self) -> Text:
        heading = Text(safe_text(self._title), style="bold")
        heading.append(
            f"  ·  last {_window(self._since, self._now)}, "
            f"{_clock(self._since)} to {_clock(self._now)} London time",
            style="dim",
        )
        return heading

    @work(thread=True, exclusive=True, exit_on_error=False, group="history")
    def _read(self) -> list[Arrival] | TflTuiError:
        try:
            return self._load()
        except TflTuiError as error:
            return error

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is not self._reader:
            return
        if event.state == WorkerState.SUCCESS:
            result = event.worker.result
            if isinstance(result, TflTuiError):
                self._failed(result)
            elif isinstance(result, list):
                self._loaded(result)
        elif event.state == WorkerState.ERROR:
            # Anything but a TflTuiError is a bug in `load`: say so rather than read forever.
            self._set_summary(Text(safe_text(f"Reading the topic failed: {event.worker.error!r}")))

    def _failed(self, error: TflTuiError) -> None:
        message = Text(safe_text(error.message), style="bold")
        if error.hint:
            message.append("\n" + safe_text(error.hint), style="dim")
        self._set_summary(message)

    def _loaded(self, arrivals: list[Arrival]) -> None:
        arrivals = sorted(arrivals, key=_moment)
        came = came_in_order(arrivals)
        gaps = [gap for gap, _ in waits(came)]
        self._set_summary(Text(summary(arrivals, self._since, self._now)))
        self.query_one(HistoryAxis).show(arrivals)
        self.query_one(WaitChart).show(gaps)
        if gaps:
            # Told in the colours of their bars.
            label = Text("Wait between buses, in order", style="bold")
            label.append(f"  ·  longest {wait_text(max(gaps))}", style="red")
            bunched = sum(gap < BUNCHED for gap in gaps)
            if bunched:
                label.append(f"  ·  {bunched} bunched (under 2 min)", style="yellow")
            self.query_one("#history-waits-label", Static).update(label)
        self.query_one("#history-list-label", Static).update(
            Text(f"{'time':5}  {'bus':8}  {'wait':>6}  {'vehicle':9}prediction", style="bold")
        )
        self.query_one("#history-buses", Static).update(
            Text("\n").join(bus_line(arrival) for arrival in arrivals)
        )
        self._show_parts(axis=bool(arrivals), waits=bool(gaps), buses=bool(arrivals))

    def _set_summary(self, text: Text) -> None:
        self.query_one("#history-summary", Static).update(text)

    def _show_parts(self, *, axis: bool, waits: bool, buses: bool) -> None:
        self.query_one(HistoryAxis).display = axis
        self.query_one("#history-waits-label").display = waits
        self.query_one(WaitChart).display = waits
        self.query_one("#history-list-label").display = buses
        self.query_one(_BusList).display = buses
