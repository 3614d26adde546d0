"""What an empty board says: the most useful reason first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.unit.factories import WATERLOO, poll_records, prediction
from tfl_tui.core.board import Board, BoardFilter
from tfl_tui.core.board_message import Watching, empty_board_message
from tfl_tui.core.events import Connection, PollOutcome, ReplayStarted
from tfl_tui.core.status import Status

NOW = datetime(2024, 5, 1, 0, 41, 30, tzinfo=UTC)
WATCHING = Watching("london_transport", [WATERLOO], produce=True)


def says(
    *events: object,
    board: Board | None = None,
    text: str = "",
    watching: Watching = WATCHING,
    records_seen: int = 0,
    banner_up: bool = False,
) -> str:
    status = Status("london_transport")
    for event in events:
        status.apply(event)
    return empty_board_message(
        status,
        board if board is not None else Board(),
        BoardFilter.parse(text),
        watching,
        records_seen=records_seen,
        banner_up=banner_up,
    )


def test_a_replay_under_way_says_how_far() -> None:
    assert says(ReplayStarted(1, {0: 1200})) == (
        "Rebuilding the board from the topic: 0 of 1,200 records"
    )


def test_kafka_away_comes_before_anything_else_on_an_empty_board() -> None:
    assert says(Connection("consumer", connected=False, detail="refused")) == (
        "Kafka unreachable, retrying: refused"
    )


def test_a_filter_says_what_matched_nothing() -> None:
    assert says(text="brixton <5") == "No buses match “brixton <5” (Esc clears the filter)."


def test_records_of_buses_gone_by() -> None:
    board = Board()
    gone = prediction(
        timestamp="2024-05-01T00:20:00Z",
        expectedArrival="2024-05-01T00:25:00Z",
        timeToLive="2024-05-01T00:25:30Z",
    )
    [record] = poll_records([gone], polled_at=NOW - timedelta(minutes=21))
    assert record.ok
    board.apply_all([record])
    board.prune(NOW)
    assert not len(board) and board.applied == 1
    assert says(board=board, records_seen=1) == (
        "No buses due: the 1 record read is of a bus gone by."
    )


def test_tfl_failing_is_said_once_the_banner_is_not_up() -> None:
    failed = PollOutcome(WATERLOO, WATERLOO, NOW, error="TfL does not know this stop")
    assert says(failed) == "No arrivals yet: TfL does not know this stop"
    assert says(failed, banner_up=True) == "No arrivals yet."


def test_before_the_first_poll_and_without_polling() -> None:
    assert says() == f"Waiting for the first poll of {WATERLOO}…"
    no_polls = Watching("london_transport", [WATERLOO], produce=False)
    assert says(watching=no_polls) == "Waiting for records on london_transport…"


def test_with_every_stop_removed_it_says_how_to_choose() -> None:
    nothing = Watching("london_transport", [], produce=True)
    assert says(watching=nothing) == "No stops watched: press s to find and choose yours."
