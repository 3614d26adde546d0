"""The arrivals board as a DataTable whose columns follow the terminal's width and the names on
it (tfl_tui.core.board_layout), and that changes only the cells that changed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.events import Resize
from textual.widgets import DataTable

from tfl_tui.core.board import Row, format_age, format_eta
from tfl_tui.core.board_layout import Content, Layout, board_layout
from tfl_tui.core.text import safe_text
from tfl_tui.widgets.cells import Cell

SCROLLBAR = 2  # the vertical scrollbar's width, kept free so that nothing moves when it shows


def row_key(row: Row) -> str:
    return "\x1f".join(row.key)


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


def _updated_label(row: Row, now: datetime) -> str:
    age = format_age((now - row.updated).total_seconds())
    return f"stale · {age}" if row.stale else age


def _updated(row: Row, now: datetime) -> Text:
    return Text(_updated_label(row, now), style="red" if row.stale else "dim")


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
        cells.append(Text(safe_text(row.stop), style="dim"))
    if layout.updated:
        cells.append(_updated(row, now))
    return tuple(cells)


def content_of(rows: list[Row], now: datetime) -> Content:
    """The widest text of each column, its label included (the countdowns have a width of
    their own)."""

    def widest(label: str, texts: Iterable[str]) -> int:
        return max(len(label), max(map(len, texts), default=0))

    return Content(
        line=widest("Line", (safe_text(r.line) for r in rows)),
        destination=widest("Destination", (safe_text(r.destination) for r in rows)),
        stop=widest("Stop", (safe_text(r.stop) for r in rows)),
        updated=widest("Updated", (_updated_label(r, now) for r in rows)),
        stops=len({r.key[0] for r in rows}),
    )


class BoardTable(DataTable[Cell]):
    """Rows keyed by (stop, line, destination); a changed order, set or layout rebuilds,
    otherwise only changed cells are updated (each update redraws the table, so fewer is
    faster)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home", "first_row", "First", show=False),
        Binding("end", "last_row", "Last", show=False),
    ]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        # The selected row keeps its colours (a green "Due", a red "stale").
        self.cursor_foreground_priority = "renderable"
        self._keys: list[str] = []
        self._cells: dict[str, tuple[Text, ...]] = {}
        self._layout: Layout | None = None
        self._rows: list[Row] = []
        self._now: datetime | None = None
        self.rows_by_key: dict[str, Row] = {}

    @property
    def column_layout(self) -> Layout | None:
        return self._layout

    def _fit(self, rows: list[Row], now: datetime) -> Layout:
        width = max(0, self.size.width - SCROLLBAR)
        return board_layout(width, content_of(rows, now))

    def show(self, rows: list[Row], now: datetime) -> None:
        self._rows, self._now = rows, now
        layout = self._fit(rows, now)
        keys = [row_key(row) for row in rows]
        cells = {key: render_cells(row, now, layout) for key, row in zip(keys, rows, strict=True)}
        self.rows_by_key = dict(zip(keys, rows, strict=True))
        if layout != self._layout:
            self._layout = layout
            self._rebuild(keys, cells, with_columns=True)
        elif keys != self._keys:
            self._rebuild(keys, cells)
        else:
            names = [key for key, _label, _width in columns(layout)]
            for key in keys:
                old = self._cells.get(key)
                for column, value, before in zip(
                    names, cells[key], old or (None,) * len(names), strict=True
                ):
                    if before is None or value.plain != before.plain or value.style != before.style:
                        self.update_cell(key, column, Cell(value))
        self._keys, self._cells = keys, cells

    def _rebuild(
        self, keys: list[str], cells: dict[str, tuple[Text, ...]], with_columns: bool = False
    ) -> None:
        # A row the user moved to stays selected as the board reorders; left at the top, the
        # cursor stays at the top, where the soonest buses are (it must not drag the view down
        # after a row whose bus has come).
        row = self.cursor_row
        selected = self._keys[row] if 0 < row < len(self._keys) else None
        self.clear(columns=with_columns)
        if with_columns and self._layout is not None:
            for key, label, width in columns(self._layout):
                self.add_column(label, key=key, width=width)
        for key in keys:
            self.add_row(*map(Cell, cells[key]), key=key)
        if selected in keys:
            self.move_cursor(row=keys.index(selected), animate=False)

    def on_resize(self, event: Resize) -> None:
        if self._now is not None:
            self.show(self._rows, self._now)

    def action_first_row(self) -> None:
        self.move_cursor(row=0)

    def action_last_row(self) -> None:
        self.move_cursor(row=max(0, self.row_count - 1))
