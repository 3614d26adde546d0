"""`t`: the timeline strip of time travel: records per minute over the whole topic, a cursor.

It only shows and moves the cursor; the app shows the board at the cursor's moment.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widget import Widget

from tfl_tui.core.time_index import MINUTE, TimeIndex, floor_minute
from tfl_tui.core.timespec import LONDON

BARS = " ▁▂▃▄▅▆▇█"


def _hh_mm(moment: datetime) -> str:
    return moment.astimezone(LONDON).strftime("%H:%M")


def strip(index: TimeIndex, width: int) -> tuple[str, datetime, timedelta]:
    """The records-per-minute bars across `width` columns (a column may show a minute, or
    sum several), the first column's time and how long each column covers."""
    start, end = index.start, index.end
    if start is None or end is None or width <= 0:
        return "", datetime.min, MINUTE
    per_column = (end + MINUTE - start) / width
    columns = []
    for column in range(width):
        first = floor_minute(start + column * per_column)
        last = start + (column + 1) * per_column
        total, minute = 0, first
        while minute < last:
            total += index.counts.get(minute, 0)
            minute += MINUTE
        columns.append(total)
    top = max(columns) or 1
    bars = "".join(BARS[0 if c == 0 else max(1, round(c / top * 8))] for c in columns)
    return bars, start, per_column


class Timeline(Widget, can_focus=True):
    """Three lines: the bars, the cursor, the times at both ends and at the cursor."""

    DEFAULT_CSS = """
    Timeline { height: 3; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "move(-1)", "-1 min"),
        Binding("right", "move(1)", "+1 min"),
        Binding("shift+left", "move(-10)", "-10 min"),
        Binding("shift+right", "move(10)", "+10 min"),
        Binding("home", "to_start", "Start", show=False),
        Binding("end", "to_end", "End", show=False),
        Binding("escape,t", "leave", "Live"),
        # The rows stay in reach: `h` and Enter act on the board's highlighted row.
        Binding("up", "app.board_cursor('up')", "Row up", show=False),
        Binding("down", "app.board_cursor('down')", "Row down", show=False),
        Binding("pageup", "app.board_cursor('page_up')", show=False),
        Binding("pagedown", "app.board_cursor('page_down')", show=False),
        Binding("enter", "app.board_cursor('choose')", show=False),
    ]

    class Moved(Message):
        def __init__(self, moment: datetime) -> None:
            super().__init__()
            self.moment = moment

    class Left(Message):
        """`t` or Esc: back to live."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.index: TimeIndex | None = None
        self.cursor: datetime | None = None
        self.note = "reading the topic…"

    def show_index(self, index: TimeIndex) -> None:
        self.index = index
        self.cursor = index.moments[-1] if index.moments else None
        self.refresh()
        if self.cursor is not None:
            self.post_message(self.Moved(self.cursor))

    def show_note(self, note: str) -> None:
        self.note = note
        self.refresh()

    def render(self) -> Text:
        width = self.size.width
        index, cursor = self.index, self.cursor
        if index is None or cursor is None or index.start is None or index.end is None:
            return Text(self.note, style="italic")
        bars, start, per_column = strip(index, width)
        column = max(0, min(width - 1, int((cursor - start) / per_column)))
        marker = " " * column + "▲"
        left, right = _hh_mm(index.start), _hh_mm(index.end + MINUTE)
        at = _hh_mm(cursor)
        labels = left + " " * max(1, width - len(left) - len(right)) + right
        middle = max(len(left) + 2, min(column - len(at) // 2, width - len(right) - len(at) - 2))
        if at not in (left, right) and middle + len(at) < width - len(right) - 1:
            labels = labels[:middle] + at + labels[middle + len(at) :]
        text = Text(bars, style="cyan")
        text.append("\n" + marker[:-1])
        text.append(marker[-1], style="bold yellow")
        text.append("\n" + labels[:width], style="dim")
        return text

    def _move_to(self, moment: datetime) -> None:
        """Within the checkpoints: nothing before the topic's first, nothing after now."""
        index = self.index
        if index is None or not index.moments:
            return
        moment = max(index.moments[0], min(moment, index.moments[-1]))
        found = index.at(moment)  # the checkpoint shown is where the cursor is
        if found is not None:
            moment = found[0]
        self.cursor = moment
        self.refresh()
        self.post_message(self.Moved(moment))

    def action_move(self, minutes: int) -> None:
        if self.cursor is not None:
            self._move_to(self.cursor + minutes * MINUTE)

    def action_to_start(self) -> None:
        if self.index is not None and self.index.moments:
            self._move_to(self.index.moments[0])

    def action_to_end(self) -> None:
        if self.index is not None and self.index.moments:
            self._move_to(self.index.moments[-1])

    def action_leave(self) -> None:
        self.post_message(self.Left())
