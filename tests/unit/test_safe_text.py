"""Text from outside never drives the terminal: `safe_text`, and every path that shows text.

What may reach a terminal is what Python calls printable (no Cc controls, Cs surrogates,
Zl/Zp separators, Cf format characters such as the bidirectional overrides, …), checked here
on what each display path produces from hostile strings.
"""

from __future__ import annotations

import io
import json
import logging
from datetime import UTC, datetime, timedelta

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console, RenderableType

from tests.unit.factories import WATERLOO, poll_records, prediction
from tfl_tui.commands.produce import ConsoleListener, print_delivery
from tfl_tui.console import setup_logging
from tfl_tui.core.board import Board
from tfl_tui.core.board_layout import Layout
from tfl_tui.core.events import BrokerReady, Connection, Failure, PollOutcome
from tfl_tui.core.polling import Snapshot
from tfl_tui.core.records import Decoded, Record, decode_record, format_line, to_json_line
from tfl_tui.core.status import Status
from tfl_tui.core.text import clip, fit_keeping_tail, safe_json, safe_text
from tfl_tui.kafka.producer import Delivery
from tfl_tui.widgets.board_table import render_cells
from tfl_tui.widgets.raw_panel import record_cells, render_record
from tfl_tui.widgets.records_screen import render_entries
from tfl_tui.widgets.status_bar import render_status

# What an attacker would write: a title change, a screen wipe, colours (7-bit and the one-byte
# C1 CSI), a carriage return that overwrites the line, a reversed run, markup, a lone surrogate.
ATTACKS = [
    "\x1b]0;PWNED\x07",
    "\x1b[2J",
    "\x1b[31;5m",
    "\x9b2J",
    "\rFAKE",
    "\x7f",
    "\u202eevil",
    "[red]markup[/red]",
    "\ud800",
    "\n",
    "\t",
    "\x00",
]
NOW = datetime(2024, 5, 1, 0, 41, 30, tzinfo=UTC)
EVERY_COLUMN = Layout(line=8, etas=3, destination=40, stop=40, updated=16)

hostile = st.lists(
    st.one_of(st.text(st.characters(exclude_categories=())), st.sampled_from(ATTACKS)),
    min_size=1,
    max_size=5,
).map("".join)


def unsafe_chars(text: str, *, newlines_allowed: bool = False) -> list[str]:
    return [ch for ch in text if not ch.isprintable() and not (newlines_allowed and ch == "\n")]


def rendered(renderable: RenderableType) -> str:
    """What a terminal would be sent for `renderable`, minus styles (no colour system)."""
    console = Console(
        file=io.StringIO(), width=100, color_system=None, force_terminal=False, emoji=False
    )
    console.print(renderable)
    output = console.file.getvalue()
    assert isinstance(output, str)
    return output


def hostile_prediction(text: str) -> Decoded:
    item = prediction(
        destinationName=f"To {text}",
        stationName=f"Stop {text}",
        platformName=text,
        lineName=f"N{text}",
        towards=text,
    )
    [decoded] = poll_records([prediction()], polled_at=NOW - timedelta(seconds=5))
    # Written with JSON escapes (`\\u001b`, `\\ud800`), as any JSON encoder may send them.
    value = json.dumps(item).encode()
    return decode_record(msgspec.structs.replace(decoded.record, value=value))


# --- safe_text itself ------------------------------------------------------------------------


@given(hostile)
def test_safe_text_leaves_no_control_character(text: str) -> None:
    assert unsafe_chars(safe_text(text)) == []
    assert unsafe_chars(safe_text(text, multiline=True), newlines_allowed=True) == []


@given(st.text())
def test_safe_text_keeps_printable_text_as_it_is(text: str) -> None:
    printable = "".join(ch for ch in text if ch.isprintable())
    assert safe_text(printable) == printable


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b]0;PWNED\x07", "\\x1b]0;PWNED\\x07"),
        ("a\r\nb\tc", "a\\r\\nb\\tc"),
        ("\x9b2J\x7f", "\\x9b2J\\x7f"),
        ("\u202eevil\ud800", "\\u202eevil\\ud800"),
        ("\U000e0001tag", "\\U000e0001tag"),
        ("[red]Victoria[/red]", "[red]Victoria[/red]"),  # markup is the UI's business: kept
        ("Brent Cross · Côte d'Azur 🚌", "Brent Cross · Côte d'Azur 🚌"),
    ],
)
def test_safe_text_shows_escapes_visibly(raw: str, shown: str) -> None:
    assert safe_text(raw) == shown


def test_multiline_keeps_line_feeds_only() -> None:
    assert safe_text("a\nb\r\n", multiline=True) == "a\nb\\r\n"


@given(hostile)
def test_safe_json_is_valid_json_of_the_same_string(text: str) -> None:
    encoded = safe_json(json.dumps({"k": text}, ensure_ascii=False))
    assert unsafe_chars(encoded) == []
    assert json.loads(encoded) == {"k": text}


def test_clip_says_how_much_is_left_out() -> None:
    assert clip("abcdef", 4) == "abcd… (2 more characters)"
    assert clip("abc", 4) == "abc"


# --- every display path ----------------------------------------------------------------------


@given(hostile)
def test_board_row_and_records_screen(text: str) -> None:
    decoded = hostile_prediction(text)
    board = Board()
    board.apply_all([decoded])
    [row] = board.rows(NOW)
    cells = render_cells(row, NOW, EVERY_COLUMN)
    for cell in cells:
        assert unsafe_chars(cell.plain) == []
    assert (
        unsafe_chars(rendered(render_entries(row, board.entries_for(row))), newlines_allowed=True)
        == []
    )


@given(hostile, hostile, hostile)
def test_raw_panel_line_and_pretty_view(text: str, key: str, header: str) -> None:
    record = hostile_prediction(text).record
    headers = ((header, header.encode("utf-8", "surrogatepass")), *record.headers)
    for value in (record.value, text.encode("utf-8", "surrogatepass"), b'{"a": "\\u001b"}'):
        decoded = decode_record(
            Record(
                record.topic,
                record.partition,
                record.offset,
                key.encode("utf-8", "surrogatepass"),
                value,
                record.timestamp_ms,
                headers,
            )
        )
        for cell in record_cells(decoded):
            assert unsafe_chars(cell.plain) == []
        assert unsafe_chars(rendered(render_record(decoded)), newlines_allowed=True) == []
        line = format_line(decoded)
        assert unsafe_chars(line) == []
        encoded = to_json_line(decoded)
        assert unsafe_chars(encoded) == []
        assert json.loads(encoded)["key"] == decoded.record.key_text


@given(hostile)
def test_status_lines(text: str) -> None:
    status = Status(topic="london_transport")
    for event in (
        BrokerReady(f"broker {text}", embedded=False),
        Connection("consumer", connected=False, detail=text),
        Failure("producer", text, hint=text),
        PollOutcome(WATERLOO, f"Stop {text}", NOW, count=3),
        PollOutcome(f"{text}x", text, NOW, error=f"TfL says {text}", retry_in=5.0),
    ):
        status.apply(event)
    for detail in (False, True):
        shown = render_status(status, NOW, stops=2, detail=detail)
        assert unsafe_chars(rendered(shown), newlines_allowed=True) == []
        assert unsafe_chars(shown.plain, newlines_allowed=True) == []


def test_markup_in_data_is_shown_literally() -> None:
    decoded = hostile_prediction("[red]Victoria[/red]")
    board = Board()
    board.apply_all([decoded])
    [row] = board.rows(NOW)
    assert "To [red]Victoria[/red]" in rendered(render_cells(row, NOW, EVERY_COLUMN)[2])
    status = Status(topic="t")
    status.apply(Failure("producer", "[bold]boom[/bold]"))
    assert "[bold]boom[/bold]" in rendered(render_status(status, NOW, stops=1))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=hostile)
def test_produce_lines(text: str, capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(verbose=False)
    try:
        print_delivery(Delivery("london_transport", text, text, 0, 1))
        print_delivery(Delivery("london_transport", text, text, None, None, error=text))
        item = prediction(stationName=text, platformName=text, destinationName=text)
        snapshot = Snapshot(WATERLOO, 1, NOW, "tfl", [item])
        ConsoleListener().on_snapshot(snapshot, 1)
        logging.getLogger("tfl_tui").warning("kafka: %s", text)  # a broker's error text
    finally:
        out, err = capsys.readouterr()
    assert unsafe_chars(out, newlines_allowed=True) == []
    assert unsafe_chars(err, newlines_allowed=True) == []
    # One line per message: a line feed in the data does not start a line of its own.
    assert len(out.splitlines()) == 1
    assert len(err.splitlines()) == 3


@pytest.mark.parametrize(
    ("text", "width", "expected"),
    [
        ("Elephant & Castle / Victoria Street (RB)", 26, "Victoria Street (RB)"),
        ("Elephant & Castle / Kings Road (N)", 12, "Kings R… (N)"),
        ("Waterloo Station / York Road (W) → Vauxhall", 40, "York Road (W) → Vauxhall"),
        ("Waterloo Station / York Road (W) → Vauxhall", 20, "York… (W) → Vauxha…"),
        ("Elephant & Castle (E) → Walworth", 24, "Elephant… (E) → Walworth"),
        ("A / B (W) → Somewhere far", 9, "B (W)"),  # no room for where it goes
        ("Waterloo (W)", 20, "Waterloo (W)"),  # fits: as it is
        ("No letter here at all", 10, "No letter…"),
        ("Waterloo (W)", 5, "Wate…"),  # no room for the letter: cut like any name
    ],
)
def test_a_stop_cut_to_its_column_keeps_its_letter(text: str, width: int, expected: str) -> None:
    assert fit_keeping_tail(text, width) == expected
    assert len(fit_keeping_tail(text, width)) <= width
