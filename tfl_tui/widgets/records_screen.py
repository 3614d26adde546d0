"""`Enter` on a board row: the raw records behind it, in full."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group
from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from tfl_tui.core.board import Entry, Row, format_etas
from tfl_tui.core.records import london_time
from tfl_tui.core.text import safe_text
from tfl_tui.widgets.raw_panel import json_view


class RecordsScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,enter", "dismiss", "Close")]

    def __init__(self, row: Row, entries: list[Entry]) -> None:
        super().__init__()
        self._row = row
        self._entries = entries

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="records"):
            yield Static(render_entries(self._row, self._entries))
        yield Footer()  # this screen's keys, not the board's


def render_entries(row: Row, entries: list[Entry]) -> Group:
    """The row's heading, then each record behind it: where it is on the topic, and its JSON."""
    title = Text(
        safe_text(f"{row.line} → {row.destination} at {row.stop} · {format_etas(row.etas)}"),
        style="bold",
    )
    parts: list[Text | Syntax] = [title]
    for entry in entries:
        when = london_time(entry.ref.timestamp_ms, with_date=True)
        where = f"partition {entry.ref.partition} · offset {entry.ref.offset}"
        parts.append(Text(f"\n{where} · {when}" if when else f"\n{where}", style="bold cyan"))
        parts.append(json_view(_pretty(entry.ref.text)))
    if not entries:
        parts.append(Text("These predictions have just expired."))
    return Group(*parts)


def _pretty(text: str) -> str:
    import json

    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text
