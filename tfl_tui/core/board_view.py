"""What the board widget draws from: a window onto the board's rows, in display order.

A widget asks only for the rows it shows (`rows(start, stop)`), so a redraw costs the same at 20
rows and at 20,000. `Board.view()` gives one over its kept-sorted model; `RowsView` is one over
a plain list (tests, small boards). Pure module.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from tfl_tui.core.board import Row, format_updated
from tfl_tui.core.board_layout import Content
from tfl_tui.core.text import safe_text


class BoardView(Protocol):
    """The board at `now`, filtered, as a widget sees it."""

    @property
    def now(self) -> datetime: ...

    @property
    def content(self) -> Content:
        """The widest text of each column over every row of the view, not only those drawn
        (columns must not change width as the user scrolls)."""
        ...

    def __len__(self) -> int: ...

    def rows(self, start: int, stop: int) -> list[Row]:
        """Rows `start` to `stop` (exclusive) in display order, soonest first."""
        ...

    def index_of(self, key: tuple[str, str, str]) -> int | None:
        """Where the row with this key is now (None: not on the view)."""
        ...


def content_of(rows: Iterable[Row], now: datetime) -> Content:
    """The widest text of each column, its label included (the countdowns have a width of
    their own). Walks every row: for lists, not for the board's own view."""
    line = destination = stop = updated = 0
    stops: set[str] = set()
    for row in rows:
        line = max(line, len(safe_text(row.line)))
        destination = max(destination, len(safe_text(row.destination)))
        stop = max(stop, len(safe_text(row.stop)))
        updated = max(updated, len(format_updated(row, now)))
        stops.add(row.key[0])
    return Content(
        line=max(line, len("Line")),
        destination=max(destination, len("Destination")),
        stop=max(stop, len("Stop")),
        updated=max(updated, len("Updated")),
        stops=len(stops),
    )


class RowsView:
    """A BoardView over a list of rows already in display order."""

    def __init__(self, rows: Sequence[Row], now: datetime) -> None:
        self._rows = list(rows)
        self._now = now
        self._index = {row.key: i for i, row in enumerate(self._rows)}
        self._content = content_of(self._rows, now)

    @property
    def now(self) -> datetime:
        return self._now

    @property
    def content(self) -> Content:
        return self._content

    def __len__(self) -> int:
        return len(self._rows)

    def rows(self, start: int, stop: int) -> list[Row]:
        return self._rows[max(start, 0) : max(stop, 0)]

    def index_of(self, key: tuple[str, str, str]) -> int | None:
        return self._index.get(key)
