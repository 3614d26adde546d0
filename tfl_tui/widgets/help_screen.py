"""`?`: the keys and the filter grammar."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Markdown

HELP = """\
# tfl-tui — keys

| key | does |
|---|---|
| `/` | filter the board (live, as you type) |
| `Esc` | clear the filter (or close this screen) |
| `r` | replay the topic from the earliest offset and rebuild the board |
| `p` | pause / resume the display (records keep being read) |
| `m` | show / hide the raw messages (hidden at first on terminals under 30 rows) |
| `s` | Stops: find stops by name, choose which to watch (kept for the next start) |
| `h` | on a board row: the buses of its line that came in the last 3 hours, and the waits |
| `t` | time travel: the board at any minute (←/→, Shift: ten, Home/End); `t`/`Esc`: live |
| `g` | group the board by stop (each stop's rows together), or back to soonest first |
| `i` | the status in detail: Kafka's partitions and offsets, every stop's last poll |
| `Enter` | on a board row: the raw records behind it |
| `↑` `↓` `PgUp` `PgDn` `Home` `End` | move on the board |
| `Tab` | move between the board and the raw messages |
| `d` | switch to the offline demo feed (offered when TfL cannot be reached) |
| `Ctrl+P` | command palette |
| `q` / `Ctrl+C` | quit: the producer flushes, undelivered records are reported |

## Filter

Words match the destination or the stop's name, or are the line, case-insensitively
(`north green`, `museum`, `55`, `n38`). `line:ID` keeps one line (`line:507`);
`<N` shows only the buses due within N minutes.
They combine: `victoria <10` is the buses due within 10 minutes to Victoria (or at a stop
named Victoria); `line:507 <10` the 507s within 10 minutes.

## Stops

`s` opens the Stops screen: type part of a street or place name; results come grouped by
place (a street corner: both sides of the road), each stop with its letter, where its buses
go and its lines. `Enter` on a stop watches it or stops watching it; on a place, all its
stops. A stop added is polled at once; a stop removed leaves the board. The choice is saved
for the next start (stops given with `--stop` are saved only when you press `Ctrl+S`).

## The board

One row per line and destination at each stop, soonest first, counting down every second
from TfL's `expectedArrival`. A prediction leaves when its bus has arrived (`timeToLive`), when
TfL deletes it, or when a newer poll of the stop no longer has it. Rows not refreshed for two
poll intervals are marked *stale*.

## The status lines

- **2 stops · updated 7s ago**: the stops polled, and when TfL last answered for any of them;
  a stop whose poll failed is named with TfL's reason (`i` shows each stop's last poll).
- **Kafka: connected**: the broker answers (*disconnected* says why; it retries).
- **partitions**: the topic's parts, read side by side; records of one line stay in one.
- **behind**: records on the topic not read yet (Kafka calls it *lag*).
- **delivered**: records the broker has acknowledged from this dashboard's producer.
- **next poll**: when TfL is asked again.

With `i`: **p0@12** is partition 0, next offset 12 (a record's position in its partition);
**rec/s** the records read per second; **flagged** records that are not valid predictions
(shown as INVALID in the raw messages, never on the board); **replaced, not decoded** records
of a poll that a newer, complete poll of the same stop replaced, skipped by a replay because
they could not change the board.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Markdown(HELP)
        yield Footer()  # this screen's keys, not the board's
