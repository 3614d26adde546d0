"""The board widget on its own: what it draws is the view's rows at the scroll position, keys and
clicks move and choose, the cursor keeps its row, and a redraw asks for one screenful of rows
whatever the size of the board."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from tests.support import run_app, until
from tfl_tui.core.board import BoardFilter, Row
from tfl_tui.core.board_layout import CELL_PADDING
from tfl_tui.core.board_view import RowsView
from tfl_tui.widgets.board_table import HEADER_HEIGHT, BoardTable, columns

NOW = datetime(2026, 11, 25, 8, 30, tzinfo=UTC)
SIZE = (80, 24)
PAGE = SIZE[1] - HEADER_HEIGHT  # rows under the header when the board fills the screen
TAG = 5  # every test row's destination starts with its number, this many digits


class Host(App[None]):
    CSS = "BoardTable { height: 1fr; }"

    def __init__(self) -> None:
        super().__init__()
        self.chosen: list[Row] = []

    def compose(self) -> ComposeResult:
        yield BoardTable(id="board")

    def on_mount(self) -> None:
        self.query_one(BoardTable).focus()

    def on_board_table_row_chosen(self, event: BoardTable.RowChosen) -> None:
        self.chosen.append(event.row)


def make_row(
    number: int,
    *,
    line: str = "77",
    name: str = "Victoria",
    stop: str = "Waterloo (W)",
    etas: Sequence[int] | None = None,
    stale: bool = False,
) -> Row:
    destination = f"{number:0{TAG}d} {name}"
    return Row(
        key=(f"4900{number}", line, destination),
        line=line,
        destination=destination,
        stop=stop,
        etas=tuple(etas) if etas is not None else (60 * number,),
        updated=NOW - timedelta(seconds=12),
        stale=stale,
        entry_ids=(),
    )


def rows_of(count: int) -> list[Row]:
    return [make_row(number) for number in range(count)]


def number_of(row: Row) -> str:
    return row.destination[:TAG]


def drawn_numbers(table: BoardTable) -> list[str]:
    """The number at the start of the destination cell of each line drawn under the header,
    read from the rendered strips; "" for a blank line."""
    layout = table.column_layout
    assert layout is not None
    x = 0
    for key, _label, width in columns(layout):
        if key == "destination":
            break
        x += width + 2 * CELL_PADDING
    x += CELL_PADDING
    header = HEADER_HEIGHT if table.show_header else 0
    numbers = []
    for y in range(header, table.scrollable_content_region.height):
        strip = table.render_line(y)
        numbers.append(strip.crop(x, x + TAG).text.strip() if strip.text.strip() else "")
    return numbers


def assert_draws(table: BoardTable, view: RowsView) -> None:
    """The lines under the header are exactly the view's rows from the first one on screen."""
    header = HEADER_HEIGHT if table.show_header else 0
    page = table.scrollable_content_region.height - header
    first = table.scroll_offset.y
    expected = view.rows(first, first + page)
    assert first <= max(0, len(view) - page)  # never scrolled past the last row
    assert table.visible_rows() == expected
    drawn = drawn_numbers(table)
    assert drawn == [number_of(row) for row in expected] + [""] * (page - len(expected))
    if header:
        assert table.render_line(0).text.startswith(" Line ")


# -- what is drawn -------------------------------------------------------------------------------

NAMES = ("Victoria", "Peckham", "Hackney Wick", "Tooting Station", "Canada Water")
hostile = st.text(max_size=12)  # control characters, markup, wide and combining characters
# Line names are short (a line's column never shrinks: with these the destinations' numbers
# are on screen down to 30 columns), but not always tame.
LINES = ("1", "77", "N381", "[b]", "\x1b", "漢", "ﾀ", "e\u0301")


@st.composite
def boards(draw: st.DrawFn) -> list[Row]:
    count = draw(st.integers(0, 120))
    rows = []
    for number in range(count):
        etas = sorted(draw(st.lists(st.integers(0, 3600), min_size=1, max_size=3)))
        rows.append(
            make_row(
                number,
                line=draw(st.sampled_from(LINES)),
                name=draw(st.sampled_from(NAMES)) + draw(hostile),
                stop=draw(hostile),
                etas=etas,
                stale=draw(st.booleans()),
            )
        )
    rows.sort(key=lambda row: row.etas[0])  # soonest first, as the board orders them
    return rows


sizes = st.tuples(st.integers(30, 200), st.integers(4, 50))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=boards(),
    size=sizes,
    resized=sizes,
    scroll=st.floats(0, 1),
    typed=st.sampled_from(["vict", "peck", "line:77", "<10", "wick <30", "nothing"]),
)
def test_the_lines_drawn_are_the_views_rows_from_the_scroll_position(
    rows: list[Row], size: tuple[int, int], resized: tuple[int, int], scroll: float, typed: str
) -> None:
    everything = RowsView(rows, NOW)
    board_filter = BoardFilter.parse(typed)
    filtered = RowsView([row for row in rows if board_filter.matches(row)], NOW)
    app = Host()

    async def scroll_and_check(pilot: Pilot[Any], table: BoardTable, view: RowsView) -> None:
        target = round(scroll * table.max_scroll_y)
        table.scroll_to(y=target, animate=False)
        await until(pilot, lambda: table.scroll_offset.y == target, "the scroll")
        await pilot.pause()
        assert_draws(table, view)

    async def scenario(pilot: Pilot[Any]) -> None:
        table = app.query_one(BoardTable)
        table.show(everything)
        await pilot.pause()
        await scroll_and_check(pilot, table, everything)
        await pilot.resize_terminal(*resized)
        await until(pilot, lambda: tuple(app.size) == resized, "the resize")
        await pilot.pause()
        assert_draws(table, everything)  # the rows still start where they did (or fit)
        table.show(filtered)  # as typing a filter does
        await pilot.pause()
        await scroll_and_check(pilot, table, filtered)

    run_app(app, scenario, size=size)


def test_outside_text_is_drawn_as_text() -> None:
    row = make_row(1, line="\x1b[2J", name="[red]Victoria[/red]\x1b]0;owned\x07", stop="[b]W")
    app = Host()

    async def scenario(pilot: Pilot[Any]) -> None:
        table = app.query_one(BoardTable)
        table.show(RowsView([row, make_row(2)], NOW))  # two stops: the Stop column shows
        await pilot.pause()
        line = table.render_line(1).text
        assert "\x1b" not in line and "\x07" not in line
        assert "\\x1b[2J" in line
        assert "[red]Victoria[/red]\\x1b]0;owned\\x07" in line
        assert "[b]W" in line

    run_app(app, scenario, size=(200, 10))


def test_names_are_clipped_with_an_ellipsis() -> None:
    row = make_row(1, name="Very Long Destination Name " * 4)
    app = Host()

    async def scenario(pilot: Pilot[Any]) -> None:
        table = app.query_one(BoardTable)
        table.show(RowsView([row], NOW))
        await pilot.pause()
        line = table.render_line(1).text
        assert "…" in line
        assert len(line) == table.size.width

    run_app(app, scenario, size=(60, 10))


# -- keys, clicks and the cursor --------------------------------------------------------------


def test_keys_move_the_cursor_and_enter_chooses_the_row() -> None:
    rows = rows_of(100)
    app = Host()

    async def scenario(pilot: Pilot[Any]) -> None:
        table = app.query_one(BoardTable)
        table.show(RowsView(rows, NOW))
        await pilot.pause()
        assert table.cursor_row == 0 and table.selected_row == rows[0]

        await pilot.press("end")
        assert table.cursor_row == 99
        await until(pilot, lambda: table.visible_rows()[-1] == rows[99], "the last row in view")
        await pilot.press("home")
        assert table.cursor_row == 0
        await until(pilot, lambda: table.scroll_offset.y == 0, "the first row in view")

        await pilot.press("down", "down", "down")
        assert table.cursor_row == 3
        await pilot.press("pagedown")
        assert table.cursor_row == 3 + PAGE
        await until(pilot, lambda: rows[3 + PAGE] in table.visible_rows(), "the cursor in view")
        await pilot.press("pageup")
        assert table.cursor_row == 3
        await pilot.press("up")
        assert table.cursor_row == 2

        await pilot.press("enter")
        await until(pilot, lambda: app.chosen, "the row chosen")
        assert app.chosen == [rows[2]]

    run_app(app, scenario, size=SIZE)


def test_a_click_selects_a_row_and_a_second_click_chooses_it() -> None:
    rows = rows_of(10)
    app = Host()

    async def scenario(pilot: Pilot[Any]) -> None:
        table = app.query_one(BoardTable)
        table.show(RowsView(rows, NOW))
        await pilot.pause()
        await pilot.click(BoardTable, offset=(10, HEADER_HEIGHT + 5))
        assert table.cursor_row == 5
        assert not app.chosen
        await pilot.click(BoardTable, offset=(10, HEADER_HEIGHT + 5))
        await until(pilot, lambda: app.chosen, "the row chosen")
        assert app.chosen == [rows[5]]
        await pilot.click(BoardTable, offset=(10, 0))  # the header chooses nothing
        await pilot.click(BoardTable, offset=(10, HEADER_HEIGHT + 15))  # nor below the rows
        assert table.cursor_row == 5 and app.chosen == [rows[5]]

    run_app(app, scenario, size=SIZE)


def test_the_cursor_at_the_top_stays_at_the_top() -> None:
    rows = rows_of(50)
    sooner = make_row(999, etas=[0])
    app = Host()

    async def scenario(pilot: Pilot[Any]) -> None:
        table = app.query_one(BoardTable)
        table.show(RowsView(rows, NOW))
        await pilot.pause()
        table.show(RowsView([sooner, *rows], NOW))
        await pilot.pause()
        assert table.cursor_row == 0
        assert table.selected_row == sooner
        assert table.scroll_offset.y == 0

    run_app(app, scenario, size=SIZE)


def test_a_selected_row_is_followed_as_the_board_reorders() -> None:
    rows = rows_of(100)
    app = Host()

    async def scenario(pilot: Pilot[Any]) -> None:
        table = app.query_one(BoardTable)
        table.show(RowsView(rows, NOW))
        await pilot.pause()
        await pilot.press("down", "down", "down", "down", "down")
        chosen = rows[5]
        assert table.selected_row == chosen

        # Its bus is late now: the row moves down the board, off screen; the cursor goes with it.
        moved = [row for row in rows if row != chosen]
        moved.insert(60, chosen)
        table.show(RowsView(moved, NOW))
        await pilot.pause()
        assert table.cursor_row == 60 and table.selected_row == chosen
        await until(pilot, lambda: chosen in table.visible_rows(), "the row in view")

        # Gone (its bus has come): the cursor stays where it was, on the row now there.
        gone = [row for row in moved if row != chosen]
        table.show(RowsView(gone, NOW))
        await pilot.pause()
        assert table.cursor_row == 60 and table.selected_row == gone[60]

        # Fewer rows than that (a filter): the cursor is on the last one.
        table.show(RowsView(gone[:10], NOW))
        await pilot.pause()
        assert table.cursor_row == 9 and table.selected_row == gone[9]
        assert table.visible_rows() == gone[:10]

    run_app(app, scenario, size=SIZE)


class LiveView(RowsView):
    """Like the board's own view, whose rows are read from the board when asked: once the
    board has moved on, an old view no longer has the rows it had."""

    def __init__(self, rows: Sequence[Row], now: datetime) -> None:
        super().__init__(rows, now)
        self.outdated = False

    def rows(self, start: int, stop: int) -> list[Row]:
        return [] if self.outdated else super().rows(start, stop)


def test_the_row_followed_is_the_one_drawn_under_the_cursor() -> None:
    rows = rows_of(50)
    app = Host()

    async def scenario(pilot: Pilot[Any]) -> None:
        table = app.query_one(BoardTable)
        before = LiveView(rows, NOW)
        table.show(before)
        await pilot.pause()
        await pilot.press("down", "down")
        await until(pilot, lambda: table.selected_row == rows[2], "the cursor drawn")
        before.outdated = True
        table.show(RowsView([rows[10], *(row for row in rows if row != rows[10])], NOW))
        await pilot.pause()
        assert table.cursor_row == 3 and table.selected_row == rows[2]

    run_app(app, scenario, size=SIZE)


# -- cost --------------------------------------------------------------------------------------


class SpyView(RowsView):
    """A RowsView that notes every range of rows asked of it."""

    def __init__(self, rows: Sequence[Row], now: datetime) -> None:
        super().__init__(rows, now)
        self.asked: list[tuple[int, int]] = []

    def rows(self, start: int, stop: int) -> list[Row]:
        self.asked.append((start, stop))
        return super().rows(start, stop)

    @property
    def rows_asked(self) -> int:
        return sum(stop - start for start, stop in self.asked)


def test_a_redraw_asks_for_one_screenful_whatever_the_size_of_the_board() -> None:
    big = rows_of(20_000)
    small = big[:20]
    app = Host()

    async def redraw(pilot: Pilot[Any], table: BoardTable, rows: list[Row]) -> SpyView:
        view = SpyView(rows, NOW)
        table.show(view)
        await until(pilot, lambda: view.asked, "the redraw")
        await pilot.pause()
        return view

    async def scenario(pilot: Pilot[Any]) -> None:
        table = app.query_one(BoardTable)
        at_20 = await redraw(pilot, table, small)
        at_20_000 = await redraw(pilot, table, big)
        # The same request at 20 rows and at 20,000: the window on screen, once.
        assert at_20.asked == at_20_000.asked == [(0, PAGE)]

        # Scrolled to the middle: only the rows there.
        table.scroll_to(y=10_000, animate=False)
        await until(pilot, lambda: table.scroll_offset.y == 10_000, "the scroll")
        at_20_000.asked.clear()
        await until(pilot, lambda: at_20_000.asked, "the redraw")
        await pilot.pause()
        assert at_20_000.asked == [(10_000, 10_000 + PAGE)]

        # The next second's board, the cursor moved away from the top (it follows its row).
        await pilot.press("down")
        again = await redraw(pilot, table, big)
        assert again.rows_asked <= PAGE + 1  # the window, and the row under the cursor before

        # Nothing changed on screen: every line comes from the cache, not rendered again.
        before = [table.render_line(y) for y in range(SIZE[1])]
        await redraw(pilot, table, big)
        after = [table.render_line(y) for y in range(SIZE[1])]
        assert all(old is new for old, new in zip(before, after, strict=True))

    run_app(app, scenario, size=SIZE)


def test_column_keys_follow_the_layout() -> None:
    rows = [make_row(1, stop="Waterloo (W)"), make_row(2, stop="County Hall (A)")]
    rows[1] = Row(
        key=("4900other", *rows[1].key[1:]),
        line=rows[1].line,
        destination=rows[1].destination,
        stop=rows[1].stop,
        etas=rows[1].etas,
        updated=rows[1].updated,
        stale=False,
        entry_ids=(),
    )
    app = Host()

    async def scenario(pilot: Pilot[Any]) -> None:
        table = app.query_one(BoardTable)
        table.show(RowsView(rows, NOW))
        await pilot.pause()
        assert table.column_keys() == ["line", "next", "destination", "stop", "updated"]
        await pilot.resize_terminal(40, 10)
        await until(pilot, lambda: "updated" not in table.column_keys(), "the narrow layout")
        assert table.column_keys()[:3] == ["line", "next", "destination"]

    run_app(app, scenario, size=(200, 10))
