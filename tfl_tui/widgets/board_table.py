"""The arrivals board: a line-API widget that draws only the rows on screen.

It draws from a `BoardView` (tfl_tui.core.board_view): each redraw asks the view for the rows
in the window being shown, never for the rest, so a redraw costs the same at 20 rows and at
20,000. Columns follow the terminal's width and the names over the whole view
(tfl_tui.core.board_layout), so they do not change width as the user scrolls. Rendered lines
are cached by what they show: scrolling back, or a redraw where nothing changed, renders
nothing again.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tfl_tui.core.board import Row, format_eta, format_updated
from tfl_tui.core.board_layout import CELL_PADDING, Layout, board_layout
from tfl_tui.core.board_view import BoardView, RowsView
from tfl_tui.core.text import fit_keeping_tail, safe_text

SCROLLBAR = 2  # the vertical scrollbar's width, kept free so that nothing moves when it shows
HEADER_HEIGHT = 1
LINE_CACHE_SIZE = 1024  # rendered lines kept: a few screens' worth, whatever the board's size
COLUMN_KEYS = ("line", "next", "destination", "stop", "updated")


def _etas(row: Row, count: int) -> Text:
    text = Text()
    for index, seconds in enumerate(row.etas[:count]):
        if index:
            text.append(" · ", style="dim")
        eta = format_eta(seconds)
        if row.stale:  # not refreshed for two polls: shown, but not as fact
            text.append(eta, style="dim italic")
        else:
            text.append(eta, style="bold green" if eta == "Due" else "")
    return text


def _updated(row: Row, now: datetime) -> Text:
    return Text(format_updated(row, now), style="red" if row.stale else "dim")


def columns(layout: Layout) -> list[tuple[str, str, int]]:
    """(key, label, width) of each column shown, left to right."""
    next_label = "Next buses" if layout.next_width >= len("Next buses") else "Next"
    shown = [
        ("line", "Line", layout.line),
        ("next", next_label, layout.next_width),
        ("destination", "Destination", layout.destination),
    ]
    if layout.stop:
        shown.append(("stop", "Stop", layout.stop))
    if layout.updated:
        shown.append(("updated", "Updated", layout.updated))
    return shown


def render_cells(row: Row, now: datetime, layout: Layout) -> tuple[Text, ...]:
    """The row's cells in the order of `columns(layout)`."""
    # Without the Updated column, a stale row still looks it: its line is red, its times dim.
    line_style = "bold red" if row.stale and not layout.updated else "bold"
    cells = [Text(safe_text(row.line), style=line_style), _etas(row, layout.etas)]
    cells.append(Text(safe_text(row.destination)))
    if layout.stop:
        cells.append(Text(fit_keeping_tail(safe_text(row.stop), layout.stop), style="dim"))
    if layout.updated:
        cells.append(_updated(row, now))
    return tuple(cells)


def table_width(layout: Layout) -> int:
    """Cells of the columns shown, padding included."""
    return sum(width + 2 * CELL_PADDING for _key, _label, width in columns(layout))


# Each cell's segments carry their column: cells stay segments of their own, never merged with
# their neighbours' (screenshots place each at its column, whatever the font's glyph widths).
_COLUMN_META = {key: Style.from_meta({"column": key}) for key in COLUMN_KEYS}


def _segments(
    cells: tuple[Text, ...], layout: Layout, style: Style, console: Console
) -> list[Segment]:
    """One line of the table: each cell clipped (with an ellipsis) or padded to its column,
    its own styles over the line's `style`."""
    segments: list[Segment] = []
    padding = " " * CELL_PADDING
    for cell, (key, _label, width) in zip(cells, columns(layout), strict=True):
        cell.truncate(width, overflow="ellipsis", pad=True)
        padded = Text(padding, end="")
        padded.append_text(cell)
        padded.append(padding)
        segments.extend(Segment.apply_style(padded.render(console), style + _COLUMN_META[key]))
    return segments


class BoardTable(ScrollView, can_focus=True):
    """The board's rows from a `BoardView`, a header of column labels, a row cursor.

    `show(view)` is all a redraw does: it keeps the view, fits the columns and refreshes; the
    rows themselves are asked for as lines are drawn, one screenful at a time.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("pageup", "cursor_page_up", "Page up", show=False),
        Binding("pagedown", "cursor_page_down", "Page down", show=False),
        Binding("home", "first_row", "First", show=False),
        Binding("end", "last_row", "Last", show=False),
        Binding("enter", "choose", "Records", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "board--header",
        "board--cursor",
        "board--even-row",
        "board--odd-row",
    }

    # As Textual's DataTable looks, so the board looks as it always has.
    DEFAULT_CSS = """
    BoardTable {
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: auto;
        &:focus {
            background-tint: $foreground 5%;
            & > .board--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .board--header {
                background-tint: $foreground 5%;
            }
        }
        &:dark > .board--even-row {
            background: $surface-darken-1 40%;
        }
        & > .board--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        &:ansi > .board--header {
            background: ansi_bright_blue;
            color: ansi_default;
        }
        & > .board--even-row {
            background: $surface-lighten-1 50%;
        }
        & > .board--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """

    show_header: reactive[bool] = reactive(True)

    class RowChosen(Message):
        """Enter on a row, or a click on the selected one: show what is behind it."""

        def __init__(self, table: BoardTable, row: Row) -> None:
            super().__init__()
            self.table = table
            self.row = row

        @property
        def control(self) -> BoardTable:
            return self.table

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._view: BoardView = RowsView([], datetime.min)
        self._layout: Layout | None = None
        self._cursor = 0
        # The key of the row under the cursor as last drawn (None: not drawn since it moved).
        self._selected_key: tuple[str, str, str] | None = None
        # The rows drawn last: (view, first, count, rows). Asked of the view once per window.
        self._window: tuple[BoardView, int, int, list[Row]] | None = None
        self._lines: LRUCache[tuple[object, ...], Strip] = LRUCache(LINE_CACHE_SIZE)

    # -- what the app and the tests read ---------------------------------------------------

    @property
    def view(self) -> BoardView:
        return self._view

    @property
    def row_count(self) -> int:
        return len(self._view)

    @property
    def column_layout(self) -> Layout | None:
        return self._layout

    @property
    def cursor_row(self) -> int:
        return self._cursor

    def column_keys(self) -> list[str]:
        return [] if self._layout is None else [key for key, _l, _w in columns(self._layout)]

    def visible_rows(self) -> list[Row]:
        """The rows drawn now, top to bottom."""
        return list(self._rows_shown()[1])

    @property
    def selected_row(self) -> Row | None:
        first, rows = self._rows_shown()
        if first <= self._cursor < first + len(rows):
            return rows[self._cursor - first]
        found = self._view.rows(self._cursor, self._cursor + 1)
        return found[0] if found else None

    # -- redraws -----------------------------------------------------------------------------

    def show(self, view: BoardView) -> None:
        """Draw `view` from now on: fit the columns, keep the cursor's row, refresh."""
        cursor, key = self._cursor, None
        # Left at the top, the cursor stays there, where the soonest buses are (it must not
        # drag the view down after a row whose bus has come); a row the user moved to stays
        # selected as the board reorders, and when it has gone the cursor stays where it was.
        if cursor > 0:
            key = self._selected_key
            if key is None:  # moved since the last redraw
                selected = self._view.rows(cursor, cursor + 1)
                key = selected[0].key if selected else None
            found = None if key is None else view.index_of(key)
            if found is None:
                key = None
            else:
                cursor = found
        self._view = view
        self._window = None
        self._fit()
        cursor = max(0, min(cursor, len(view) - 1))
        self._move_cursor(cursor, follow=cursor != self._cursor)
        self._selected_key = key
        if self.scroll_y > self.max_scroll_y:  # fewer rows than before (a filter)
            self.scroll_to(y=self.max_scroll_y, animate=False)
        self.refresh()

    def _fit(self) -> None:
        width = max(0, self.size.width - SCROLLBAR)
        self._layout = board_layout(width, self._view.content)
        header = HEADER_HEIGHT if self.show_header else 0
        self.virtual_size = Size(table_width(self._layout), header + len(self._view))

    def on_resize(self, event: events.Resize) -> None:
        self._window = None
        self._fit()
        self._scroll_to_cursor()
        self.refresh()

    def watch_show_header(self) -> None:
        self._window = None
        self._fit()
        self.refresh()

    # -- the cursor ----------------------------------------------------------------------------

    def _page(self) -> int:
        """How many rows fit on screen under the header."""
        header = HEADER_HEIGHT if self.show_header else 0
        return max(1, self.scrollable_content_region.height - header)

    def _move_cursor(self, row: int, *, follow: bool = True) -> None:
        row = max(0, min(row, len(self._view) - 1))
        if row != self._cursor:
            self._cursor = row
            self._selected_key = None
            self.refresh()
        if follow:
            self._scroll_to_cursor()

    def _scroll_to_cursor(self) -> None:
        top, page = self.scroll_offset.y, self._page()
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False)
        elif self._cursor >= top + page:
            self.scroll_to(y=self._cursor - page + 1, animate=False)

    def action_cursor_up(self) -> None:
        self._move_cursor(self._cursor - 1)

    def action_cursor_down(self) -> None:
        self._move_cursor(self._cursor + 1)

    def action_cursor_page_up(self) -> None:
        self._move_cursor(self._cursor - self._page())

    def action_cursor_page_down(self) -> None:
        self._move_cursor(self._cursor + self._page())

    def action_first_row(self) -> None:
        self._move_cursor(0)

    def action_last_row(self) -> None:
        self._move_cursor(len(self._view) - 1)

    def action_choose(self) -> None:
        row = self.selected_row
        if row is not None:
            self.post_message(self.RowChosen(self, row))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        header = HEADER_HEIGHT if self.show_header else 0
        if offset is None or offset.y < header:
            return
        index = self.scroll_offset.y + offset.y - header
        if index >= len(self._view):
            return
        if index == self._cursor:
            self.action_choose()
        else:
            self._move_cursor(index)

    # -- drawing -------------------------------------------------------------------------------

    def _rows_shown(self) -> tuple[int, list[Row]]:
        """The first row on screen and the rows shown from there: one request to the view per
        window drawn, whatever the size of the board."""
        first, count = self.scroll_offset.y, self._page()
        window = self._window
        if window is None or window[0] is not self._view or window[1:3] != (first, count):
            window = (self._view, first, count, self._view.rows(first, first + count))
            self._window = window
        rows = window[3]
        if first <= self._cursor < first + len(rows):
            self._selected_key = rows[self._cursor - first].key
        return first, rows

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        layout = self._layout
        if layout is None:
            return Strip.blank(width, self.rich_style)
        if self.show_header:
            if y < HEADER_HEIGHT:
                return self._header_strip(layout, width)
            y -= HEADER_HEIGHT
        first, rows = self._rows_shown()
        if y >= len(rows):
            return Strip.blank(width, self.rich_style)
        index = first + y
        return self._row_strip(rows[y], index, layout, width)

    def _header_strip(self, layout: Layout, width: int) -> Strip:
        style = self.get_component_rich_style("board--header")
        key = ("header", layout, width, style)
        strip = self._lines.get(key)
        if strip is None:
            labels = tuple(Text(label) for _key, label, _width in columns(layout))
            strip = self._strip(labels, layout, width, style)
            self._lines[key] = strip
        return strip

    def _row_style(self, index: int) -> Style:
        style = self.get_component_rich_style("board--odd-row" if index % 2 else "board--even-row")
        if index == self._cursor:
            # Under the cell's own style: a "Due" stays green, a stale row red.
            style += self.get_component_rich_style("board--cursor")
        return style

    def _row_strip(self, row: Row, index: int, layout: Layout, width: int) -> Strip:
        style = self._row_style(index)
        now = self._view.now
        # What the line shows, not the Row itself: a countdown changes the row every second,
        # the line only every minute.
        etas = tuple(format_eta(seconds) for seconds in row.etas[: layout.etas])
        updated = format_updated(row, now) if layout.updated else ""
        key = (row.line, row.destination, row.stop, row.stale, etas, updated, layout, width, style)
        strip = self._lines.get(key)
        if strip is None:
            strip = self._strip(render_cells(row, now, layout), layout, width, style)
            self._lines[key] = strip
        return strip

    def _strip(self, cells: tuple[Text, ...], layout: Layout, width: int, style: Style) -> Strip:
        segments = _segments(cells, layout, style, self.app.console)
        # The rest of the width (the scrollbar's room included) takes the line's background.
        return Strip(segments).adjust_cell_length(width, style)
