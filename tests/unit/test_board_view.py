"""The board's kept-sorted rows: whatever records come, in whatever order, a view shows exactly
the rows that grouping every live entry afresh gives, in the same order, under any filter, and
any window of it is the same slice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tfl_tui.core.board as board_module
from tests.unit.factories import poll_records, prediction
from tfl_tui.core.board import Board, BoardFilter, Entry, Row, _line_order
from tfl_tui.core.board_view import content_of
from tfl_tui.tfl.prediction import format_tfl_time

NOW = datetime(2026, 11, 25, 8, 30, tzinfo=UTC)
STOPS = ("490000254W", "490000173RB", "490008660N")
LINES = ("12", "N381", "507", "C10", "1")
DESTINATIONS = ("Victoria", "Peckham", "Waterloo", "Elephant & Castle")
FILTERS = ("", "victoria", "line:12", "<5", "pe <10", "waterloo line:507", "york", "zzz")


def naive_rows(board: Board, now: datetime, board_filter: BoardFilter) -> list[Row]:
    """Every live entry grouped afresh, rows sorted by their soonest bus, then line, then key."""
    groups: dict[tuple[str, str, str], list[Entry]] = {}
    for entry in board._all():
        if entry.expires > now:
            p = entry.prediction
            groups.setdefault((entry.stop_id, p.line_name, p.destination_name), []).append(entry)
    limit = board_filter.within_seconds
    names = board.stops_seen
    rows = []
    for key, found in groups.items():
        found.sort(key=lambda e: (e.prediction.expected_arrival, e.prediction.id))
        entries = [
            e
            for e in found
            if limit is None or (e.prediction.expected_arrival - now).total_seconds() <= limit
        ]
        if not entries:
            continue
        updated = max(e.poll_time for e in found)
        row = Row(
            key=key,
            line=key[1],
            destination=key[2],
            stop=names.get(key[0], key[0]),
            etas=tuple(
                max(0, int((e.prediction.expected_arrival - now).total_seconds()))
                for e in entries[:3]
            ),
            updated=updated,
            stale=now - updated > board.stale_after,
            entry_ids=tuple(e.prediction.id for e in entries),
        )
        if board_filter.matches(row):
            first = found[0].prediction.expected_arrival
            rows.append(((first, _line_order(row.line), key), row))
    return [row for _order, row in sorted(rows, key=lambda pair: pair[0])]


bus_ids = st.integers(0, 40).map(lambda n: f"bus{n}")
buses = st.lists(
    st.tuples(
        bus_ids, st.sampled_from(LINES), st.sampled_from(DESTINATIONS), st.integers(-60, 1500)
    ),
    max_size=12,
)
step = st.tuples(
    st.sampled_from(STOPS),
    buses,
    st.integers(0, 90),  # seconds the clock moves on after this poll
    st.booleans(),  # the poll is cut short: it never completes
)


def poll_of(stop: str, found: list[tuple[str, str, str, int]], at: datetime, seq: int) -> Any:
    items = {}
    for bus_id, line, destination, eta in found:
        arrival = at + timedelta(seconds=eta)
        items[bus_id] = prediction(
            id=bus_id,
            lineId=line.lower(),
            lineName=line,
            destinationName=destination,
            naptanId=stop,
            stationName=f"Stop {stop[-2:]}",
            timestamp=format_tfl_time(at),
            timeToStation=max(eta, 0),
            expectedArrival=format_tfl_time(arrival, 0),
            timeToLive=format_tfl_time(arrival + timedelta(seconds=30), 0),
        )
    return poll_records(list(items.values()), stop, polled_at=at, seq=seq)


@settings(max_examples=60, deadline=None)
@given(
    steps=st.lists(step, min_size=1, max_size=12),
    filters=st.lists(st.sampled_from(FILTERS), min_size=1, max_size=4),
    window=st.tuples(st.integers(0, 30), st.integers(1, 30)),
    cap=st.sampled_from([10_000, 7]),
)
def test_a_view_shows_what_grouping_every_entry_afresh_shows(
    steps: list[Any], filters: list[str], window: tuple[int, int], cap: int
) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(board_module, "MAX_ENTRIES", cap)
        board = Board()
        now = NOW
        for seq, (stop, found, later, cut) in enumerate(steps, start=1):
            records = poll_of(stop, found, now, seq)
            board.apply_all(records[:-1] if cut and records else records)
            for text in filters:  # looked at between batches, as the app does
                check(board, now, BoardFilter.parse(text), window)
            now += timedelta(seconds=later)
        check(board, now, BoardFilter(), window)


def check(board: Board, now: datetime, board_filter: BoardFilter, window: tuple[int, int]) -> None:
    # Settled a few rows at a time first (as the UI does after a replay), or not at all.
    budget = window[1] % 4
    while budget and not board.settle(now, budget):
        pass
    view = board.view(now, board_filter)
    expected = naive_rows(board, now, board_filter)
    assert view.rows(0, len(view)) == expected
    assert len(view) == len(expected)
    start, size = window
    assert view.rows(start, start + size) == expected[start : start + size]
    for index, row in enumerate(expected):
        assert view.index_of(row.key) == index
    if not board_filter.active:
        counted, walked = view.content, content_of(expected, now)
        assert (counted.line, counted.destination, counted.stop, counted.stops) == (
            walked.line,
            walked.destination,
            walked.stop,
            walked.stops,
        )
        assert counted.updated >= walked.updated  # room for every row's label
