"""The board as it stood at a past moment, folded from the topic: the dashboard's own fold
(`Board`), given only what had been polled by then.

Pure module: `tfl-tui board --at` feeds it the records it read; a test feeds it a live run's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tfl_tui.core.board import Board
from tfl_tui.core.board_rows import Row
from tfl_tui.core.records import Decoded

# How far before TIME a reader seeks where the broker can seek by time: a prediction is for a
# bus due within about 30 minutes of its poll (TfL's horizon), so older polls have gone by.
LOOKBACK = timedelta(hours=1)


@dataclass
class Folded:
    board: Board
    applied: int = 0  # records polled by then
    later: int = 0  # records polled after then, left out


def polled_at(decoded: Decoded) -> datetime | None:
    """When the record's poll ran: its poll header, else the record's own time."""
    if decoded.poll is not None:
        return decoded.poll.poll_time
    stamp = decoded.record.timestamp_ms
    return None if stamp is None else datetime.fromtimestamp(stamp / 1000, UTC)


def fold_until(records: Iterable[Decoded], at: datetime, board: Board | None = None) -> Folded:
    """Fold every record polled at or before `at`, in the order read."""
    folded = Folded(board if board is not None else Board())
    for decoded in records:
        when = polled_at(decoded)
        if when is not None and when > at:
            folded.later += 1
            continue
        folded.board.apply(decoded)
        folded.applied += 1
    return folded


def rows_at(board: Board, at: datetime) -> list[Row]:
    """The rows as the dashboard showed them at `at`, countdowns from `at`."""
    return board.rows(at)
