"""`?`: the keys and the filter grammar."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# tfl-tui — keys

| key | does |
|---|---|
| `/` | filter the board (live, as you type) |
| `Esc` | clear the filter (or close this screen) |
| `r` | replay the topic from the earliest offset and rebuild the board |
| `p` | pause / resume the display (records keep being read) |
| `Enter` | on a board row: the raw records behind it |
| `Tab` | move between the board and the raw messages |
| `d` | switch to the offline demo feed (offered when TfL cannot be reached) |
| `Ctrl+P` | command palette |
| `q` / `Ctrl+C` | quit: the producer flushes, undelivered records are reported |

## Filter

Words match the destination or the stop's name, or are the line, case-insensitively
(`north green`, `museum`, `55`, `n38`). `line:ID` keeps one line (`line:507`);
`<N` shows only the buses due within N minutes.
They combine: `victoria <10` is "buses to Victoria within 10 minutes".

## The board

One row per line and destination at each stop, soonest first, counting down every second
from TfL's `expectedArrival`. A prediction leaves when its bus has arrived (`timeToLive`), when
TfL deletes it, or when a newer poll of the stop no longer has it. Rows not refreshed for two
poll intervals are marked *stale*.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Markdown(HELP)
