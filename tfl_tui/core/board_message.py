"""What the board says when it has no row to show, and why. Pure: state in, one sentence out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tfl_tui.core.board import Board, BoardFilter
from tfl_tui.core.status import Status


@dataclass(frozen=True)
class Watching:
    """What the dashboard was asked to do (from its options)."""

    topic: str
    stops: Sequence[str]
    produce: bool


def empty_board_message(
    status: Status,
    board: Board,
    board_filter: BoardFilter,
    watching: Watching,
    *,
    records_seen: int,
    banner_up: bool,
) -> str:
    """The most useful reason first: a replay under way, Kafka away, a filter, buses gone by,
    TfL failing, a first poll still to come."""
    progress = status.replay_progress()
    if progress is not None:
        done, total = progress
        return f"Rebuilding the board from the topic: {done:,} of {total:,} records"
    if not status.replay_done:  # the broker has not told how far yet
        return "Rebuilding the board from the topic…"
    if status.kafka_problem and not len(board):
        return f"Kafka unreachable, retrying: {status.kafka_problem}"
    if board_filter.active:
        return f"No buses match “{board_filter.describe()}” (Esc clears the filter)."
    if len(board):
        return "No buses due."
    if records_seen == 1 and board.applied:
        return "No buses due: the 1 record read is of a bus gone by."
    if records_seen and board.applied:
        return f"No buses due: the {records_seen:,} records read are of buses gone by."
    if not watching.produce:
        return f"Waiting for records on {watching.topic}…"
    if not watching.stops:
        return "No stops watched: press s to find and choose yours."
    failed = [o for o in status.polls.values() if o.error]
    if failed:
        # With TfL out of reach, the banner says it all (and offers the demo feed).
        return "No arrivals yet." if banner_up else f"No arrivals yet: {failed[0].error}"
    waiting = [s for s in watching.stops if s not in status.polls]
    if waiting:
        return f"Waiting for the first poll of {', '.join(waiting)}…"
    return "No buses due."
