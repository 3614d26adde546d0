"""Cells for tables whose columns have fixed widths.

Textual's DataTable measures every cell of every new row to size auto-width columns, and each
measurement asks the terminal for its size: ~0.2 ms a cell, ~100 ms to refill a board of 440
rows, long enough to delay a key press. Columns of fixed width need no measurement, and a cell
that offers none (no `__rich_measure__`) is not measured.
"""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text


class Cell:
    __slots__ = ("text",)

    def __init__(self, text: Text) -> None:
        text.no_wrap = True
        text.overflow = "ellipsis"
        self.text = text

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.text

    def __str__(self) -> str:
        return self.text.plain
