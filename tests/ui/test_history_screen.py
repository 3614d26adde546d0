"""The history screen (`h` on a board row) on its own: what it says of known buses, where it
draws them, the waits as bars, reading in a thread, failures, hostile text and its keys."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Static

import tfl_tui
from tests.support import run_app, until
from tfl_tui.core.arrivals import Arrival, Said
from tfl_tui.core.errors import KafkaError
from tfl_tui.widgets.history_screen import (
    BARS,
    CAME,
    LOADING,
    TICK,
    VANISHED,
    HistoryAxis,
    HistoryScreen,
    WaitChart,
)

SINCE = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # November: London time is UTC
NOW = SINCE + timedelta(hours=3)
TITLE = "77 → Waterloo at York Road (W)"
NARROW, WIDE = (80, 24), (160, 45)


def came(minute: float, gap: float | None, vehicle: str = "LX12ABC") -> Arrival:
    """A bus that came `minute` minutes after SINCE, as said 10 minutes before."""
    at = SINCE + timedelta(minutes=minute)
    return Arrival(
        "490000254W",
        "York Road (W)",
        "77",
        "Waterloo",
        vehicle,
        said=[Said(at - timedelta(minutes=10), at)],
        gone_at=at + timedelta(seconds=20),
        gap=None if gap is None else timedelta(minutes=gap),
    )


def vanished(minute: float) -> Arrival:
    arrival = came(minute, None, vehicle="VANISH1")
    arrival.gone_at = arrival.said[-1].at + timedelta(seconds=30)  # long before it was due
    return arrival


def expected(minute: float) -> Arrival:
    arrival = came(minute, None, vehicle="COMING1")
    arrival.gone_at = None
    return arrival


# Nine buses; the waits 12 15 1 24 10 1.5 18.5 15 15: median 15, longest 24 (before 12:50),
# two under 2 minutes.
MINUTES = [(10, 12), (25, 15), (26, 1), (50, 24), (60, 10), (61.5, 1.5), (80, 18.5), (95, 15)]
BUSES = [
    *(came(minute, gap, vehicle=f"BUS{i}") for i, (minute, gap) in enumerate(MINUTES)),
    came(110, 15, vehicle="BUS8"),
    vanished(100),
    expected(190),
]
GAPS = [12, 15, 1, 24, 10, 1.5, 18.5, 15, 15]


class Host(App[None]):
    CSS_PATH = Path(tfl_tui.__file__).parent / "app.tcss"  # the app's own look

    def __init__(self, load: Callable[[], list[Arrival]], title: str = TITLE) -> None:
        super().__init__()
        self._load = load
        self._title = title

    def on_mount(self) -> None:
        self.push_screen(HistoryScreen(self._title, SINCE, NOW, self._load))


def lines(widget: Widget) -> list[str]:
    return [widget.render_line(y).text for y in range(widget.size.height)]


def summary_of(app: App[Any]) -> str:
    """The summary as one line (it wraps on a narrow screen)."""
    shown = lines(app.screen.query_one("#history-summary", Static))
    return " ".join(line.strip() for line in shown if line.strip())


async def loaded(pilot: Pilot[Any], app: App[Any]) -> None:
    await until(pilot, lambda: isinstance(app.screen, HistoryScreen), "the screen")
    await until(pilot, lambda: LOADING not in summary_of(app), "the topic read")
    await pilot.pause()


@pytest.mark.parametrize("size", [NARROW, WIDE])
def test_the_summary_axis_waits_and_buses_of_known_arrivals(size: tuple[int, int]) -> None:
    app = Host(lambda: list(reversed(BUSES)))  # any order

    async def scenario(pilot: Pilot[Any]) -> None:
        await loaded(pilot, app)
        screen = app.screen
        assert summary_of(app) == (
            "9 came · usual wait 15 min · longest 24 min (before 12:50) · 2 bunched"
            " · 1 vanished · 1 still expected"
        )
        title = lines(screen.query_one("#history-title", Static))[0]
        assert title.startswith(TITLE) and "12:00 to 15:00 London time" in title

        # Every part fits on screen, the list with room for several buses.
        for part in ("#history-axis", "#history-waits", "#history-list"):
            region = screen.query_one(part).region
            assert region.height > 0 and region.bottom <= size[1] - 1, part  # above the Footer
        assert screen.query_one("#history-list").region.height >= 5

        # One bar per wait, in order: the tallest for the longest, the bunched ones lowest.
        chart = screen.query_one(WaitChart)
        rows = lines(chart)
        bottom = rows[-1]
        starts = [
            x for x, ch in enumerate(bottom) if ch != " " and (x == 0 or bottom[x - 1] == " ")
        ]
        assert len(starts) == len(GAPS)

        def level(x: int) -> int:
            return sum(
                8 if row[x] == "█" else BARS.index(row[x]) + 1 for row in rows if row[x] != " "
            )

        levels = [level(x) for x in starts]
        assert levels.index(max(levels)) == GAPS.index(max(GAPS))
        assert levels.count(max(levels)) == 1
        assert sorted(levels)[:2] == sorted([levels[2], levels[5]])  # the bunched waits

        # The buses, soonest first, each with how its prediction held.
        buses = [line for line in lines(screen.query_one("#history-buses", Static)) if line.strip()]
        assert len(buses) == len(BUSES)
        assert buses[0].startswith("12:10  came") and "BUS0" in buses[0]
        assert "said 10 min at 12:00, came 12:10: as said" in buses[0]
        assert "24 min" in buses[3]
        assert "vanished" in buses[8] and "VANISH1" in buses[8]  # due 13:40, before BUS8
        assert buses[-1].startswith("15:10  expected") and "COMING1" in buses[-1]

    run_app(app, scenario, size=size)


def test_buses_are_marked_on_the_axis_where_they_came() -> None:
    # Since (12:00), the middle (13:30), now (15:00); one vanished a quarter in (12:45).
    buses = [came(0, None), came(90, 90), came(180, 90), vanished(45)]
    app = Host(lambda: buses)

    async def scenario(pilot: Pilot[Any]) -> None:
        await loaded(pilot, app)
        axis = app.screen.query_one(HistoryAxis)
        width = axis.size.width
        marks, times = lines(axis)
        assert len(marks) == width
        assert [x for x, ch in enumerate(marks) if ch == CAME] == [
            0,
            round((width - 1) / 2),
            width - 1,
        ]
        assert [x for x, ch in enumerate(marks) if ch == VANISHED] == [round((width - 1) / 4)]
        # Ticks labelled in London time under their column; the last label ends at the edge.
        for minute, label in ((30, "12:30"), (60, "13:00"), (120, "14:00")):
            x = round((width - 1) * minute / 180)
            assert times[x : x + 5] == label
            assert marks[x] == TICK
        assert times.rstrip().endswith("15:00")

    run_app(app, scenario, size=NARROW)


def test_nothing_on_the_topic_says_so() -> None:
    app = Host(list)

    async def scenario(pilot: Pilot[Any]) -> None:
        await loaded(pilot, app)
        assert "No bus of this line came here in the last 3 hours on the topic." in summary_of(app)
        assert not app.screen.query_one(HistoryAxis).display
        assert not app.screen.query_one("#history-list").display

    run_app(app, scenario, size=NARROW)


def test_the_topic_is_read_in_a_thread_while_the_screen_says_so() -> None:
    release = threading.Event()

    def load() -> list[Arrival]:
        release.wait(30)
        return [came(30, None), came(40, 10)]

    app = Host(load)

    async def scenario(pilot: Pilot[Any]) -> None:
        try:
            await until(pilot, lambda: isinstance(app.screen, HistoryScreen), "the screen")
            await until(pilot, lambda: LOADING in summary_of(app), "the reading line")
            await pilot.press("down")  # the screen answers keys meanwhile
            assert LOADING in summary_of(app)
        finally:
            release.set()
        await until(pilot, lambda: "2 came" in summary_of(app), "the answer")

    run_app(app, scenario, size=NARROW)


def test_closing_while_the_topic_is_read_drops_the_answer() -> None:
    release = threading.Event()
    answered = threading.Event()

    def load() -> list[Arrival]:
        release.wait(30)
        answered.set()
        return BUSES

    app = Host(load)

    async def scenario(pilot: Pilot[Any]) -> None:
        try:
            await until(pilot, lambda: isinstance(app.screen, HistoryScreen), "the screen")
            await until(pilot, lambda: LOADING in summary_of(app), "the reading line")
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, HistoryScreen), "closed")
        finally:
            release.set()
        await until(pilot, answered.is_set, "the read to end")
        await pilot.pause()
        assert not isinstance(app.screen, HistoryScreen)

    run_app(app, scenario, size=NARROW)


def test_a_failure_shows_its_message_and_hint_as_text() -> None:
    def load() -> list[Arrival]:
        raise KafkaError("Kafka: topic [b]tfl[/b] missing", hint="start a producer\x1b[2J")

    app = Host(load)

    async def scenario(pilot: Pilot[Any]) -> None:
        await loaded(pilot, app)
        shown = summary_of(app)
        assert "Kafka: topic [b]tfl[/b] missing" in shown
        assert "start a producer\\x1b[2J" in shown and "\x1b" not in shown

    run_app(app, scenario, size=NARROW)


def test_outside_text_is_shown_escaped_and_literal() -> None:
    destination = "Waterloo \x1b]0;pwned\x07 [red]x[/]"
    bus = came(30, None, vehicle="[b]LX\x1b")
    bus.destination = destination
    app = Host(lambda: [bus], title=f"77 → {destination} at York Road (W)")

    async def scenario(pilot: Pilot[Any]) -> None:
        await loaded(pilot, app)
        title = lines(app.screen.query_one("#history-title", Static))[0]
        assert "Waterloo \\x1b]0;pwned\\x07 [red]x[/]" in title
        buses = "\n".join(lines(app.screen.query_one("#history-buses", Static)))
        assert "[b]LX\\x1b" in buses
        assert "\x1b" not in title + buses and "\x07" not in title

    run_app(app, scenario, size=WIDE)


@pytest.mark.parametrize("key", ["escape", "q", "h"])
def test_keys_close_it(key: str) -> None:
    app = Host(lambda: BUSES)

    async def scenario(pilot: Pilot[Any]) -> None:
        await loaded(pilot, app)
        await pilot.press(key)
        await until(pilot, lambda: not isinstance(app.screen, HistoryScreen), "the screen closed")

    run_app(app, scenario, size=NARROW)


def test_the_list_scrolls_with_the_keys() -> None:
    many = [came(minute, 1) for minute in range(0, 180, 2)]
    app = Host(lambda: many)

    async def scenario(pilot: Pilot[Any]) -> None:
        await loaded(pilot, app)
        scroll = app.screen.query_one("#history-list")
        assert scroll.max_scroll_y > 0
        await pilot.press("pagedown")
        await until(pilot, lambda: scroll.scroll_offset.y > 0, "a page down")
        await pilot.press("end")
        await until(pilot, lambda: scroll.scroll_offset.y == scroll.max_scroll_y, "the end")
        await pilot.press("up")
        await until(pilot, lambda: scroll.scroll_offset.y < scroll.max_scroll_y, "a line up")

    run_app(app, scenario, size=NARROW)
