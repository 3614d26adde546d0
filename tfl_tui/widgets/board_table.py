"""The arrivals board as a DataTable that changes only the cells that changed."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import DataTable

from tfl_tui.core.board import Row, format_age, format_eta
from tfl_tui.core.text import safe_text
from tfl_tui.widgets.cells import Cell

COLUMNS = (  # key, label, width (fixed: see widgets/cells.py)
    ("line", "Line", 5),
    ("destination", "Destination", 26),
    ("stop", "Stop", 34),
    ("next", "Next buses", 26),  # "12 min · 27 min · 42 min"
    ("updated", "Updated", 16),
)


def row_key(row: Row) -> str:
    return "\x1f".join(row.key)


def _etas(row: Row) -> Text:
    text = Text()
    for index, seconds in enumerate(row.etas):
        if index:
            text.append(" · ", style="dim")
        eta = format_eta(seconds)
        text.append(eta, style="bold green" if eta == "Due" else "")
    return text


def render_cells(row: Row, now: datetime) -> tuple[Text, ...]:
    age = format_age((now - row.updated).total_seconds())
    updated = Text(f"stale · {age}", style="red") if row.stale else Text(age, style="dim")
    return (
        Text(safe_text(row.line), style="bold"),
        Text(safe_text(row.destination)),
        Text(safe_text(row.stop), style="dim"),
        _etas(row),
        updated,
    )


class BoardTable(DataTable[Cell]):
    """Rows keyed by (stop, line, destination); a changed order or set rebuilds, otherwise
    only changed cells are updated (each update redraws the table, so fewer is faster)."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self._keys: list[str] = []
        self._cells: dict[str, tuple[Text, ...]] = {}
        self.rows_by_key: dict[str, Row] = {}

    def on_mount(self) -> None:
        for key, label, width in COLUMNS:
            self.add_column(label, key=key, width=width)

    def show(self, rows: list[Row], now: datetime) -> None:
        keys = [row_key(row) for row in rows]
        cells = {key: render_cells(row, now) for key, row in zip(keys, rows, strict=True)}
        self.rows_by_key = dict(zip(keys, rows, strict=True))
        if keys != self._keys:
            self._rebuild(keys, cells)
        else:
            for key in keys:
                old = self._cells.get(key)
                for (column, _label, _width), value, before in zip(
                    COLUMNS, cells[key], old or (None,) * len(COLUMNS), strict=True
                ):
                    if before is None or value.plain != before.plain or value.style != before.style:
                        self.update_cell(key, column, Cell(value))
        self._keys, self._cells = keys, cells

    def _rebuild(self, keys: list[str], cells: dict[str, tuple[Text, ...]]) -> None:
        selected = self._keys[self.cursor_row] if 0 <= self.cursor_row < len(self._keys) else None
        self.clear()
        for key in keys:
            self.add_row(*map(Cell, cells[key]), key=key)
        if selected in keys:
            self.move_cursor(row=keys.index(selected), animate=False)
