"""The replay lookahead: dropping replaced polls unread folds into the very same board."""

from __future__ import annotations

import random
from typing import Any

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

import tfl_tui.core.lookahead as lookahead_module
from tests.unit.test_board import ELSEWHERE, at, bus, loose, poll
from tfl_tui.core.board import Board
from tfl_tui.core.lookahead import Lookahead
from tfl_tui.core.poll_headers import poll_ref
from tfl_tui.core.records import Decoded, decode_record

STOPS = ("490000254W", ELSEWHERE)
LINES = (("N381", "Peckham"), ("77", "Tooting Station"), ("211", "Hammersmith"))


def snapshot(board: Board) -> list[Any]:
    return [(r.key, r.etas, r.entry_ids, r.stale) for r in board.rows(at(0))]


def with_lookahead(
    records: list[Decoded], release_after: set[int], keep: int = 0
) -> tuple[Board, int]:
    """Fold through a lookahead that releases all but the newest `keep` after each index in
    `release_after`, and everything at the end."""
    board, lookahead = Board(), Lookahead[Decoded]()
    for index, decoded in enumerate(records):
        lookahead.add(decoded, poll_ref(decoded.record.headers))
        if index in release_after:
            board.apply_all(lookahead.release(keep))
    board.apply_all(lookahead.release())
    return board, lookahead.dropped


@st.composite
def topics(draw: st.DrawFn) -> list[Decoded]:
    """Polls of two stops, some buses coming and going, a few deletes, corrupt and loose
    records, the records of each poll spread over the topic like partitions would."""
    records: list[list[Decoded]] = []
    for seq in range(1, draw(st.integers(1, 6)) + 1):
        for stop in STOPS:
            buses = [
                bus(
                    f"{stop[-1]}{n}",
                    draw(st.integers(-120, 1800)),
                    line=LINES[n % 3][0],
                    destination=LINES[n % 3][1],
                    naptanId=stop,
                    operationType=draw(st.sampled_from([1, 1, 1, 2])),
                )
                for n in draw(st.sets(st.integers(0, 7), max_size=5))
            ]
            if buses:
                polled = poll(*buses, seq=seq, stop=stop)
                if draw(st.booleans()) and len(polled) > 1:  # one value corrupted on the topic
                    polled[0] = decode_record(msgspec.structs.replace(polled[0].record, value=b"{"))
                records.append(polled)
    flat = [(i, r) for i, batch in enumerate(records) for r in batch]
    flat += [
        (draw(st.integers(0, 12)), loose(bus("loose", 600))) for _ in range(draw(st.integers(0, 2)))
    ]
    # Shuffle within a window: records of neighbouring polls interleave, order mostly kept.
    rng = random.Random(draw(st.integers(0, 2**16)))
    flat.sort(key=lambda pair: pair[0] + rng.random() * draw(st.sampled_from([0, 1.5, 3])))
    return [r for _i, r in flat]


@settings(max_examples=300, deadline=None)
@given(
    records=topics(), data=st.data(), cap=st.sampled_from([lookahead_module.MAX_POLLS_PER_STOP, 1])
)
def test_releasing_what_the_lookahead_keeps_folds_the_same_board(
    records: list[Decoded], data: st.DataObject, cap: int
) -> None:
    """Also when the lookahead may track only one poll per stop (cap 1): forgetting polls
    must only ever make it drop less."""
    everything = Board()
    everything.apply_all(records)
    release_after = data.draw(st.sets(st.integers(0, max(len(records) - 1, 0))))
    keep = data.draw(st.sampled_from([0, 0, 1, 3, 8]))  # partial releases: the oldest first
    default = lookahead_module.MAX_POLLS_PER_STOP
    lookahead_module.MAX_POLLS_PER_STOP = cap
    try:
        board, _dropped = with_lookahead(records, release_after, keep)
    finally:
        lookahead_module.MAX_POLLS_PER_STOP = default
    assert snapshot(board) == snapshot(everything)


def test_a_stop_whose_polls_never_complete_keeps_a_bounded_count_of_them() -> None:
    """A broker serving one partition after another completes no poll for a long time: the
    polls tracked stay bounded, however many go by."""
    lookahead = Lookahead[Decoded]()
    for seq in range(1, 201):
        first, *_rest = poll(bus("a", 900), bus("b", 1200), seq=seq)  # half of each poll
        lookahead.add(first, poll_ref(first.record.headers))
        lookahead.release()  # the hold limit was reached: everything held was handed over
    assert lookahead.tracked_polls <= 2 * lookahead_module.MAX_POLLS_PER_STOP


def test_a_long_replay_is_mostly_dropped_unread() -> None:
    records = [r for seq in range(1, 21) for r in poll(bus("a", 900), bus("b", 1200), seq=seq)]
    board, dropped = with_lookahead(records, release_after=set())
    assert dropped == len(records) - 2  # only the newest poll is released
    everything = Board()
    everything.apply_all(records)
    assert snapshot(board) == snapshot(everything)


def test_records_without_poll_headers_are_never_dropped() -> None:
    lookahead = Lookahead[Decoded]()
    loose_records = [loose(bus(str(n), 600), offset=n) for n in range(3)]
    for decoded in loose_records:
        lookahead.add(decoded, poll_ref(decoded.record.headers))
    assert lookahead.release() == loose_records
    assert lookahead.dropped == 0


def test_a_partial_release_hands_over_the_oldest_and_keeps_the_newest() -> None:
    lookahead = Lookahead[Decoded]()
    records = [r for seq in (1, 2) for r in poll(bus("a", 900), bus("b", 1200), seq=seq)[:1]]
    for decoded in records:  # one record of each of two incomplete polls
        lookahead.add(decoded, poll_ref(decoded.record.headers))
    assert lookahead.release(keep=1) == records[:1]
    assert len(lookahead) == 1
    assert lookahead.release() == records[1:]


@given(topics())
def test_released_records_carry_the_poll_they_were_added_with(records: list[Decoded]) -> None:
    lookahead = Lookahead[Decoded]()
    for decoded in records:
        lookahead.add(decoded, poll_ref(decoded.record.headers))
    released, polls = lookahead.release_with_polls()
    assert polls == [poll_ref(decoded.record.headers) for decoded in released]
