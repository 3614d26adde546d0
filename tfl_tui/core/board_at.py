"""The board as it stood at a past moment, folded from the topic: the dashboard's own fold
(`Board`), given only what had been polled by then.

Pure module: `tfl-tui board --at` feeds it the records it read; a test feeds it a live run's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from tfl_tui.core.board import Board
from tfl_tui.core.lookahead import Lookahead
from tfl_tui.core.poll_headers import PollRef, poll_ref
from tfl_tui.core.records import Decoded, Record, decode_record, record_time

# How far before TIME a reader seeks where the broker can seek by time: a prediction is for a
# bus due within about 30 minutes of its poll (TfL's horizon), so older polls have gone by.
LOOKBACK = timedelta(hours=1)
HOLD = 20_000  # records held back at most, waiting to see whether a newer poll replaces them


@dataclass
class Folded:
    board: Board
    applied: int = 0  # records polled by then, folded
    later: int = 0  # records polled after then, left out
    replaced: int = 0  # records of polls replaced by then, never decoded


def _polled(record: Record, ref: PollRef | None) -> datetime | None:
    return ref.poll_time if ref is not None else record_time(record)


def polled_at(decoded: Decoded) -> datetime | None:
    """When the record's poll ran: its poll header, else the record's own time."""
    return _polled(decoded.record, decoded.poll)


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


def fold_records_until(
    records: Iterable[Record], at: datetime, board: Board | None = None
) -> Folded:
    """`fold_until` of the records decoded, deciding by their poll headers first: a record
    polled after `at`, or of a poll that a newer complete poll (by `at`) replaced, is never
    decoded (the replay's lookahead, core/lookahead.py)."""
    folded = Folded(board if board is not None else Board())
    ahead: Lookahead[Record] = Lookahead()

    def fold(keep: int) -> None:
        held, refs = ahead.release_with_polls(keep)
        apply = folded.board.apply
        for record, ref in zip(held, refs, strict=True):
            apply(decode_record(record, ref))
        folded.applied += len(held)

    for record in records:
        ref = poll_ref(record.headers)
        when = _polled(record, ref)
        if when is not None and when > at:
            folded.later += 1
            continue
        ahead.add(record, ref)
        if len(ahead) > HOLD:
            fold(HOLD // 2)  # the oldest first: as if released when they were the newest
    fold(0)
    folded.replaced = ahead.dropped
    return folded
