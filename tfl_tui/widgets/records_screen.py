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
from textual.widgets import Static

from tfl_tui.board import Entry, Row, format_etas


class RecordsScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,enter", "dismiss", "Close")]

    def __init__(self, row: Row, entries: list[Entry]) -> None:
        super().__init__()
        self._row = row
        self._entries = entries

    def compose(self) -> ComposeResult:
        row = self._row
        title = Text(
            f"{row.line} → {row.destination} at {row.stop} · {format_etas(row.etas)}", style="bold"
        )
        parts: list[Text | Syntax] = [title]
        for entry in self._entries:
            parts.append(
                Text(
                    f"\npartition {entry.ref.partition} · offset {entry.ref.offset}",
                    style="bold cyan",
                )
            )
            parts.append(Syntax(_pretty(entry.ref.text), "json", word_wrap=True, theme="ansi_dark"))
        if not self._entries:
            parts.append(Text("These predictions have just expired."))
        with VerticalScroll(id="records"):
            yield Static(Group(*parts))


def _pretty(text: str) -> str:
    import json

    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text
