"""The arrivals board: records folded into rows, against a fixed fake clock (no sleeping)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tfl_tui.core.board as board_module
from tests.unit.factories import TOPIC, WATERLOO, WATERLOO_NAME, poll_records, prediction
from tfl_tui.core.board import (
    Board,
    BoardFilter,
    RecordRef,
    Row,
    format_age,
    format_eta,
    format_etas,
)
from tfl_tui.core.records import Decoded, Record, decode_record
from tfl_tui.tfl.prediction import OPERATION_DELETE, format_tfl_time

NOW = datetime(2026, 11, 25, 8, 30, tzinfo=UTC)
POLL_INTERVAL = timedelta(seconds=30)
ELSEWHERE = "490008660N"
ELSEWHERE_NAME = "Lambeth North Station"

View = list[tuple[str, str, str, tuple[int, ...]]]


def at(seconds: float) -> datetime:
    return NOW + timedelta(seconds=seconds)


def bus(
    bus_id: str,
    eta: int,
    *,
    line: str = "N381",
    destination: str = "Peckham",
    drop: Iterable[str] = (),
    **fields: Any,
) -> dict[str, Any]:
    """A prediction stamped at NOW for a bus expected `eta` seconds after NOW."""
    arrival = at(eta)
    return prediction(
        {
            "id": bus_id,
            "vehicleId": f"LX{bus_id.upper()}",
            "lineId": line.lower(),
            "lineName": line,
            "destinationName": destination,
            "timestamp": format_tfl_time(NOW),
            "timeToStation": eta,
            "expectedArrival": format_tfl_time(arrival, 0),
            "timeToLive": format_tfl_time(arrival + timedelta(seconds=30), 0),
        }
        | fields,
        drop=drop,
    )


def elsewhere(bus_id: str, eta: int, **fields: Any) -> dict[str, Any]:
    return bus(
        bus_id, eta, naptanId=ELSEWHERE, stationName=ELSEWHERE_NAME, platformName="N", **fields
    )


def poll(*buses: dict[str, Any], seq: int = 1, stop: str = WATERLOO) -> list[Decoded]:
    """Poll `seq` of `stop` ran at NOW + (seq - 1) poll intervals and found `buses`."""
    return poll_records(buses, stop, polled_at=NOW + (seq - 1) * POLL_INTERVAL, seq=seq)


def loose(item: dict[str, Any], offset: int = 0) -> Decoded:
    """A record from another producer: TfL's value, but no poll headers."""
    value = json.dumps(item).encode()
    return decode_record(Record(TOPIC, 0, offset, item["lineId"].encode(), value, None))


def board_of(*batches: Sequence[Decoded], **options: Any) -> Board:
    board = Board(**options)
    for batch in batches:
        board.apply_all(batch)
    return board


def view(board: Board, now: datetime = NOW, board_filter: BoardFilter | None = None) -> View:
    return [(r.key[0], r.line, r.destination, r.etas) for r in board.rows(now, board_filter)]


def ids(board: Board, now: datetime = NOW) -> list[str]:
    return [i for row in board.rows(now) for i in row.entry_ids]


# --- grouping ----------------------------------------------------------------------------


def test_buses_of_one_line_to_one_destination_share_a_row_soonest_first() -> None:
    board = board_of(poll(bus("late", 420), bus("soon", 90)))
    [row] = board.rows(NOW)
    assert row.key == (WATERLOO, "N381", "Peckham")
    assert row.etas == (90, 420)
    assert row.entry_ids == ("soon", "late")


def test_a_row_lists_at_most_three_etas() -> None:
    board = board_of(poll(*(bus(f"b{eta}", eta) for eta in (500, 100, 400, 200, 300))))
    [row] = board.rows(NOW)
    assert row.etas == (100, 200, 300)
    assert len(row.entry_ids) == 5


def test_destinations_of_one_line_are_separate_rows() -> None:
    board = board_of(
        poll(bus("a", 60, destination="Peckham"), bus("b", 120, destination="Aldwych"))
    )
    assert view(board) == [
        (WATERLOO, "N381", "Peckham", (60,)),
        (WATERLOO, "N381", "Aldwych", (120,)),
    ]


def test_two_stops_are_separate_rows_labelled_with_station_and_letter() -> None:
    board = board_of(poll(bus("a", 60)), poll(elsewhere("b", 120), stop=ELSEWHERE))
    rows = board.rows(NOW)
    assert [(row.key[0], row.stop) for row in rows] == [
        (WATERLOO, f"{WATERLOO_NAME} (W)"),
        (ELSEWHERE, f"{ELSEWHERE_NAME} (N)"),
    ]


# --- ordering ----------------------------------------------------------------------------


def test_rows_are_sorted_by_soonest_arrival() -> None:
    board = board_of(
        poll(
            bus("a", 600, line="26", destination="Hackney Wick"),
            bus("b", 45, line="77", destination="Tooting"),
            bus("c", 300, line="139", destination="West Hampstead"),
            bus("d", 900, line="77", destination="Tooting"),
        )
    )
    assert [(row.line, row.etas) for row in board.rows(NOW)] == [
        ("77", (45, 900)),
        ("139", (300,)),
        ("26", (600,)),
    ]


TIED = [
    bus("n381", 300, line="N381"),
    bus("139", 300, line="139"),
    bus("77-v", 300, line="77", destination="Victoria"),
    bus("26", 300, line="26"),
    bus("77-a", 300, line="77", destination="Aldwych"),
]


@given(st.permutations(TIED))
def test_ties_are_broken_by_natural_line_order_then_destination(
    arrival_order: list[dict[str, Any]],
) -> None:
    board = board_of(poll(*arrival_order))
    assert [(line, destination) for _, line, destination, _ in view(board)] == [
        ("26", "Peckham"),
        ("77", "Aldwych"),
        ("77", "Victoria"),
        ("139", "Peckham"),
        ("N381", "Peckham"),
    ]


# --- countdown ---------------------------------------------------------------------------


def test_etas_count_down_from_expected_arrival_with_the_clock() -> None:
    # timeToStation is deliberately wrong: the ETA comes from expectedArrival and the clock.
    board = board_of(
        poll(
            bus("a", 300, timeToStation=999),
            bus("b", 420, timeToStation=5),
            bus("c", 900, destination="Aldwych"),
        )
    )
    assert [row.etas for row in board.rows(NOW)] == [(300, 420), (900,)]
    assert [row.etas for row in board.rows(at(60))] == [(240, 360), (840,)]


def test_a_bus_past_its_expected_arrival_shows_zero_until_it_expires() -> None:
    board = board_of(poll(bus("a", 60)))
    assert view(board, at(75)) == [(WATERLOO, "N381", "Peckham", (0,))]


# --- expiry ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "lifetime"),
    [
        pytest.param(bus("a", 120, timeToLive=format_tfl_time(at(210), 0)), 210, id="timeToLive"),
        pytest.param(bus("a", 120, drop=["timeToLive"]), 150, id="no timeToLive: arrival+30s"),
    ],
)
def test_a_prediction_expires_when_its_time_to_live_passes(
    item: dict[str, Any], lifetime: int
) -> None:
    board = board_of(poll(item))
    assert ids(board, at(lifetime - 1)) == ["a"]
    assert board.prune(at(lifetime - 1)) == 0
    assert board.prune(at(lifetime)) == 1
    assert ids(board, at(lifetime)) == []
    assert len(board) == 0


def test_a_prediction_gone_by_at_the_last_prune_is_not_stored_and_ends_an_older_one() -> None:
    board = board_of(poll(bus("a", 600)))
    board.prune(at(400))
    # A newer record of "a" (expired at 330 s) and a bus long gone: a replay of old history.
    newer = loose(bus("a", 300, timestamp=format_tfl_time(at(5))))
    assert board.apply(newer)
    board.apply(loose(bus("gone", 100), offset=1))
    assert len(board) == 0
    assert ids(board, at(400)) == []


@given(
    etas=st.lists(st.integers(-100, 900), min_size=1, max_size=12),
    prune_after=st.sets(st.integers(0, 11)),
    prune_at=st.integers(0, 600),
)
def test_pruning_between_records_folds_the_board_pruning_at_the_end_gives(
    etas: list[int], prune_after: set[int], prune_at: int
) -> None:
    """Two polls of every bus id ("a".."c"), the newer sometimes gone by: pruning while
    folding (as the dashboard does each second) must not change what the board ends as."""
    records = [
        loose(bus("abc"[i % 3], eta, timestamp=format_tfl_time(at(i))), offset=i)
        for i, eta in enumerate(etas)
    ]
    pruned_while, at_the_end = Board(), Board()
    for index, record in enumerate(records):
        pruned_while.apply(record)
        at_the_end.apply(record)
        if index in prune_after:
            pruned_while.prune(at(prune_at))
    pruned_while.prune(at(prune_at))
    at_the_end.prune(at(prune_at))
    assert ids(pruned_while, at(prune_at)) == ids(at_the_end, at(prune_at))
    assert len(pruned_while) == len(at_the_end)


def test_operation_type_2_deletes_the_prediction_with_that_id() -> None:
    board = board_of(poll(bus("a", 60), bus("b", 120)))
    deletion = loose(bus("a", 60, operationType=OPERATION_DELETE, timestamp=format_tfl_time(at(5))))
    assert board.apply(deletion)
    assert ids(board) == ["b"]
    assert len(board) == 1


# --- polls: disappearance and order ------------------------------------------------------

POLL_1 = poll(bus("a", 120), bus("b", 300), seq=1)
POLL_2 = poll(bus("b", 270), bus("c", 600), seq=2)  # "a" has gone, "b" moved, "c" is new
AFTER_POLL_2 = [(WATERLOO, "N381", "Peckham", (240, 570))]  # seen at NOW + 30 s


def test_a_bus_missing_from_a_newer_complete_poll_leaves() -> None:
    board = board_of(POLL_1, POLL_2)
    assert view(board, at(30)) == AFTER_POLL_2
    assert len(board) == 2


def test_an_incomplete_newer_poll_removes_nothing_yet() -> None:
    board = board_of(POLL_1, POLL_2[:1])
    assert ids(board, at(30)) == ["a", "b"]
    assert view(board, at(30)) == [(WATERLOO, "N381", "Peckham", (90, 240))]
    board.apply(POLL_2[1])
    assert view(board, at(30)) == AFTER_POLL_2


def test_a_newer_poll_arriving_before_an_older_one_wins() -> None:
    board = board_of(POLL_2, POLL_1)
    assert view(board, at(30)) == AFTER_POLL_2
    assert board.ignored == len(POLL_1)


def test_a_record_of_a_poll_older_than_the_newest_complete_one_is_ignored() -> None:
    board = board_of(POLL_1, POLL_2)
    before = board.rows(at(30))
    assert not board.apply(poll(bus("old", 60), seq=1)[0])
    assert board.ignored == 1
    assert board.rows(at(30)) == before


ELSEWHERE_POLL = poll(elsewhere("x", 200), elsewhere("y", 400), stop=ELSEWHERE)
INTERLEAVED = [*POLL_1, *POLL_2, *ELSEWHERE_POLL]


@given(st.permutations(INTERLEAVED))
def test_any_interleaving_of_polls_gives_the_in_order_board(records: list[Decoded]) -> None:
    in_order = board_of(INTERLEAVED)
    shuffled = board_of(records)
    assert shuffled.rows(at(30)) == in_order.rows(at(30))
    assert len(shuffled) == len(in_order) == 4


def test_records_without_poll_headers_live_until_they_expire() -> None:
    board = board_of([loose(bus("a", 60), offset=0), loose(bus("b", 300), offset=1)])
    board.apply(loose(bus("b", 240, timestamp=format_tfl_time(at(30))), offset=2))
    assert view(board, at(30)) == [(WATERLOO, "N381", "Peckham", (30, 210))]
    assert board.prune(at(90)) == 1
    assert ids(board, at(90)) == ["b"]


# --- records the board refuses -----------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(None, id="tombstone"),
        pytest.param(b"\xff\xfe", id="not UTF-8"),
        pytest.param(b'{"id": ', id="not JSON"),
        pytest.param(json.dumps(bus("z", 60, drop=["expectedArrival"])).encode(), id="invalid"),
    ],
)
def test_a_flagged_record_changes_nothing(value: bytes | None) -> None:
    board = board_of(POLL_1)
    before = board.rows(NOW)
    another_producers = poll(bus("z", 60), seq=2)[0].record
    flagged = decode_record(msgspec.structs.replace(another_producers, value=value, headers=()))
    assert flagged.problem is not None
    assert not board.apply(flagged)
    assert board.rows(NOW) == before
    assert board.applied == len(POLL_1)


@pytest.mark.parametrize("value", [None, b'{"id": '])
def test_a_flagged_record_still_completes_its_poll(value: bytes | None) -> None:
    # Completeness belongs to the poll (the producer said how many records it made), not to
    # the values: the newer poll replaces the older one, and the flagged record shows nothing.
    # This is what lets a replay skip older polls without decoding them.
    board = board_of(POLL_1)
    newer = poll(bus("z", 60), seq=2)[0].record
    flagged = decode_record(msgspec.structs.replace(newer, value=value))
    assert not board.apply(flagged)
    assert board.rows(NOW) == []


@pytest.mark.parametrize(
    ("fields", "drop"),
    [
        pytest.param({"destinationName": ""}, (), id="empty"),
        pytest.param({"destinationName": "   "}, (), id="blank"),
        pytest.param({}, ("destinationName",), id="missing"),
    ],
)
def test_without_a_destination_the_row_uses_towards(
    fields: dict[str, Any], drop: tuple[str, ...]
) -> None:
    board = board_of(poll(bus("a", 60, towards="Elephant & Castle", drop=drop, **fields)))
    assert [row.destination for row in board.rows(NOW)] == ["Elephant & Castle"]


# --- staleness, records behind a row, clearing, bounds -----------------------------------


@pytest.mark.parametrize(("since_poll", "stale"), [(0, False), (60, False), (61, True)])
def test_a_row_is_stale_when_its_newest_poll_is_older_than_stale_after(
    since_poll: int, stale: bool
) -> None:
    board = board_of(poll(bus("a", 900)), stale_after=timedelta(seconds=60))
    [row] = board.rows(at(since_poll))
    assert row.updated == NOW
    assert row.stale is stale


def test_a_row_is_as_fresh_as_its_newest_poll() -> None:
    board = board_of(POLL_1, POLL_2[:1], stale_after=timedelta(seconds=60))
    [row] = board.rows(at(61))
    assert row.entry_ids == ("a", "b")  # "a" is from poll 1, "b" from the newer poll 2
    assert row.updated == at(30)
    assert not row.stale


def test_entries_for_a_row_point_at_their_records() -> None:
    board = board_of(POLL_1, ELSEWHERE_POLL)
    row, other = board.rows(NOW)
    assert (row.key[0], other.key[0]) == (WATERLOO, ELSEWHERE)
    entries = board.entries_for(row)
    assert [entry.prediction.id for entry in entries] == ["a", "b"]
    assert [entry.ref for entry in entries] == [
        RecordRef(d.record.partition, d.record.offset, d.record.value, d.record.timestamp_ms)
        for d in POLL_1
    ]
    assert json.loads(entries[0].ref.text) == bus("a", 120)
    board.prune(at(150))  # "a" has arrived: the row seen before no longer lists it
    assert [entry.prediction.id for entry in board.entries_for(row)] == ["b"]


def test_clear_forgets_everything_including_which_polls_were_seen() -> None:
    board = board_of(POLL_1, POLL_2, poll(bus("old", 60), seq=1))
    board.clear()
    assert (len(board), board.rows(NOW), board.stops_seen) == (0, [], {})
    assert (board.applied, board.ignored) == (0, 0)
    board.apply_all(POLL_1)  # a replay starts again from the oldest poll
    assert ids(board) == ["a", "b"]


def test_the_board_keeps_only_the_soonest_max_entries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(board_module, "MAX_ENTRIES", 3)
    board = board_of(poll(*(bus(f"b{eta}", eta) for eta in (500, 100, 400, 200, 300))))
    assert len(board) == 3
    assert ids(board) == ["b100", "b200", "b300"]


def test_a_full_board_evicts_in_chunks_keeping_the_soonest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(board_module, "MAX_ENTRIES", 20)
    board = board_of(poll(*(bus(f"b{eta:03d}", eta) for eta in range(100, 125))))
    # Over the cap it drops a tenth more than needed at once, not one entry per record.
    assert 18 <= len(board) <= 20
    soonest = {f"b{eta:03d}" for eta in range(100, 118)}
    assert soonest <= set(ids(board))  # the 18 soonest are never the ones dropped


# --- filter ------------------------------------------------------------------------------


def row(destination: str = "Victoria", line: str = "507", etas: tuple[int, ...] = (300,)) -> Row:
    return Row(
        key=(WATERLOO, line, destination),
        line=line,
        destination=destination,
        stop=WATERLOO_NAME,
        etas=etas,
        updated=NOW,
        stale=False,
        entry_ids=(),
    )


@pytest.mark.parametrize(
    ("text", "candidate", "expected"),
    [
        ("victoria", row("Victoria"), True),
        ("VICTORIA", row("Victoria Station"), True),
        ("tori", row("Victoria"), True),
        ("victoria", row("Peckham"), False),
        ("victoria station", row("Victoria Station"), True),
        ("victoria bus", row("Victoria Station"), False),
        ("line:507", row(line="507"), True),
        ("LINE:n381", row(line="N381"), True),
        ("line:50", row(line="507"), False),
        ("line:507 line:n381", row(line="N381"), True),
        ("<10", row(etas=(600,)), True),
        ("<10", row(etas=(601,)), False),
        ("<10", row(etas=(300, 900)), True),  # the soonest bus decides
        ("<10", row(etas=()), False),
        ("<2.5", row(etas=(150,)), True),
        ("<2.5", row(etas=(151,)), False),
        ("victoria <10", row("Victoria", etas=(300,)), True),
        ("victoria <10", row("Victoria", etas=(900,)), False),
        ("victoria <10", row("Peckham", etas=(300,)), False),
        ("<", row("Peckham", etas=(9999,)), True),
        ("waterloo", row("Peckham"), True),  # the stop's name
        ("york road peckham", row("Peckham"), True),
        ("507", row("Peckham", line="507"), True),  # the line, whole
        ("N381", row("Peckham", line="N381"), True),
        ("n38", row("Peckham", line="N381"), False),
        ("50", row("Peckham", line="507"), False),
        ("museum", row("Peckham"), False),
        ("line:", row("Peckham", line="N381"), True),
        ("", row("Peckham", line="N381", etas=()), True),
    ],
)
def test_filter_matches(text: str, candidate: Row, expected: bool) -> None:
    assert BoardFilter.parse(text).matches(candidate) is expected


def test_within_n_minutes_shows_only_the_buses_due_by_then() -> None:
    board = board_of(
        poll(
            bus("soon", 300, destination="Victoria"),
            bus("later", 720, destination="Victoria"),
            bus("last", 1200, destination="Victoria"),
            bus("far", 900, destination="Peckham"),
        )
    )
    shown = board.rows(NOW, BoardFilter.parse("<10"))
    assert [(r.destination, r.etas, r.entry_ids) for r in shown] == [
        ("Victoria", (300,), ("soon",))
    ]
    assert view(board, board_filter=BoardFilter.parse("victoria <15")) == [
        (WATERLOO, "N381", "Victoria", (300, 720))
    ]


@pytest.mark.parametrize(
    ("text", "active"),
    [
        *[(text, False) for text in ("", "   ", "<", "line:", "line: <")],
        *[(text, True) for text in ("victoria", "line:507", "<10", "<0")],
    ],
)
def test_filter_is_active_only_when_it_constrains(text: str, active: bool) -> None:
    assert BoardFilter.parse(text).active is active


@pytest.mark.parametrize(
    ("text", "described"),
    [
        ("", ""),
        ("Victoria", "victoria"),
        ("  victoria   <10 ", "victoria <10"),
        ("<2.5 LINE:507 elephant", "elephant line:507 <2.5"),
        ("< line: victoria", "victoria"),
    ],
)
def test_filter_describes_itself_in_its_own_grammar(text: str, described: str) -> None:
    board_filter = BoardFilter.parse(text)
    assert board_filter.describe() == described
    assert BoardFilter.parse(described) == board_filter


FILTER_PARTS = st.one_of(
    st.text("abcdeflorstvwxyz&'-", min_size=1, max_size=8),
    st.text("0123456789n", max_size=4).map("line:{}".format),
    st.integers(0, 999).map("<{}".format),
    st.decimals(0, 99, places=1).map("<{}".format),
    st.just("<"),
)


@given(st.lists(FILTER_PARTS, max_size=6))
def test_a_described_filter_parses_back_to_itself(parts: list[str]) -> None:
    board_filter = BoardFilter.parse(" ".join(parts))
    assert BoardFilter.parse(board_filter.describe()) == board_filter


# --- formatting --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "Due"), (59, "Due"), (60, "1 min"), (119, "1 min"), (120, "2 min"), (720, "12 min")],
)
def test_format_eta(seconds: int, text: str) -> None:
    assert format_eta(seconds) == text


@pytest.mark.parametrize(
    ("etas", "text"), [([], ""), ([240], "4 min"), ([30, 240, 720], "Due · 4 min · 12 min")]
)
def test_format_etas(etas: list[int], text: str) -> None:
    assert format_etas(etas) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-5, "0s ago"),  # a clock slightly behind the poll's
        (0, "0s ago"),
        (59.9, "59s ago"),
        (60, "1m ago"),
        (3599, "59m ago"),
        (3600, "1h ago"),
        (7 * 3600 + 59, "7h ago"),
    ],
)
def test_format_age(seconds: float, text: str) -> None:
    assert format_age(seconds) == text


def test_a_delete_from_an_older_poll_leaves_the_newer_prediction() -> None:
    # Partitions are read in any order: half of poll 2, then poll 1's delete of "a", then the
    # rest of poll 2. The delete is older than what the board shows for "a".
    newer = poll(bus("a", 300), bus("b", 400), seq=2)
    older_delete = poll(bus("a", 120, operationType=2), bus("c", 500), seq=1)[:1]
    board = board_of(newer[:1], older_delete, newer[1:])
    assert ids(board) == ["a", "b"]


def test_another_producers_record_without_a_timestamp_ages_from_the_records_time() -> None:
    # Without poll headers and without TfL's `timestamp`, the bus's own arrival time would make
    # the row look fresh for ever; the record's time on the topic says how old it is.
    item = bus("a", 900, drop=["timestamp"])
    written = int((NOW - timedelta(seconds=90)).timestamp() * 1000)
    value = json.dumps(item).encode()
    record = decode_record(Record(TOPIC, 0, 1, item["lineId"].encode(), value, written))
    assert record.ok and record.prediction is not None and record.prediction.timestamp is None
    board = board_of([record], stale_after=timedelta(seconds=60))
    [row] = board.rows(NOW)
    assert row.updated == NOW - timedelta(seconds=90)
    assert row.stale


def test_clear_keeps_when_the_board_was_last_pruned() -> None:
    # `r` clears the board; a replay must not store, even for a moment, buses gone by then.
    board = board_of(poll(bus("a", 60)))
    board.prune(at(300))
    board.clear()
    board.apply_all(poll(bus("a", 60), bus("b", 400), seq=2))
    assert len(board) == 1
    assert ids(board, at(300)) == ["b"]


def test_replaced_predictions_do_not_pile_up_in_the_board() -> None:
    # One bus re-predicted poll after poll (records without poll headers never complete a poll):
    # what the board keeps for it stays bounded, however many records came.
    board = Board()
    for n in range(20_000):
        item = bus("a", 600 + n % 7, timestamp=format_tfl_time(at(n)))
        board.apply(loose(item, offset=n))
    assert len(board) == 1
    assert len(board._expiry) <= 2 * len(board) + 4096


# --- watched stops (the Stops screen) -------------------------------------------------------


def test_a_stop_no_longer_watched_leaves_the_board_and_stays_away_on_replay() -> None:
    records = [*poll(bus("a", 60)), *poll(elsewhere("b", 120), stop=ELSEWHERE)]
    board = board_of(records)
    board.hide_stops([ELSEWHERE])
    assert [row.key[0] for row in board.rows(NOW)] == [WATERLOO]
    board.clear()  # `r`: the same records again
    board.apply_all(records)
    assert [row.key[0] for row in board.rows(NOW)] == [WATERLOO]
    board.show_stops([ELSEWHERE])  # watched again: its next records count
    board.apply_all(poll(elsewhere("b", 120), stop=ELSEWHERE, seq=2))
    assert {row.key[0] for row in board.rows(NOW)} == {WATERLOO, ELSEWHERE}


def test_where_a_stops_buses_go_follows_its_name_and_letter() -> None:
    board = board_of(poll(bus("a", 60)), poll(elsewhere("b", 120), stop=ELSEWHERE))
    board.rows(NOW)  # placed and counted before the label changes
    board.describe_stops({WATERLOO: "Vauxhall"})
    labels = {row.key[0]: row.stop for row in board.rows(NOW)}
    assert labels == {
        WATERLOO: f"{WATERLOO_NAME} (W) → Vauxhall",
        ELSEWHERE: f"{ELSEWHERE_NAME} (N)",
    }
    assert board.view(NOW).content.stop == len(labels[WATERLOO])  # the column widens too


def test_grouped_by_stop_each_stops_rows_come_together_soonest_first() -> None:
    board = board_of(
        poll(bus("a", 60), bus("c", 300, line="77", destination="Tooting")),
        poll(elsewhere("b", 120), elsewhere("d", 30, line="12"), stop=ELSEWHERE),
    )
    soonest = [(row.key[0], row.etas[0]) for row in board.rows(NOW)]
    assert soonest == [(ELSEWHERE, 30), (WATERLOO, 60), (ELSEWHERE, 120), (WATERLOO, 300)]
    grouped = board.view(NOW, by_stop=True)
    rows = grouped.rows(0, len(grouped))
    # Stops in name order (Lambeth North before Waterloo), each one's rows soonest first.
    assert ELSEWHERE_NAME < WATERLOO_NAME
    assert [(row.key[0], row.etas[0]) for row in rows] == [
        (ELSEWHERE, 30),
        (ELSEWHERE, 120),
        (WATERLOO, 60),
        (WATERLOO, 300),
    ]
    for index, row in enumerate(rows):
        assert grouped.index_of(row.key) == index
