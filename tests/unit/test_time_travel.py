"""The past, headless: times as typed, the demo's backfill, and the board at a moment, which
must be what a live dashboard showed at that moment (one fold for both)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.factories import poll_records
from tfl_tui.core import board_at
from tfl_tui.core.backfill import SteppedClock, backfill
from tfl_tui.core.board import Board
from tfl_tui.core.board_at import fold_records_until, fold_until, polled_at
from tfl_tui.core.polling import Poller, Snapshot
from tfl_tui.core.records import Decoded, decode_record
from tfl_tui.core.timespec import (
    BadTime,
    describe_moment,
    format_duration,
    parse_duration,
    parse_moment,
)
from tfl_tui.tfl.simulator import DemoSource

NOW = datetime(2026, 7, 1, 12, 0, 0, tzinfo=UTC)  # summer: London is UTC+1
WINTER = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)  # London is UTC


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("3h", 10800), ("90m", 5400), ("1h30m", 5400), ("45s", 45), ("2d", 172800), (" 1H ", 3600)],
)
def test_durations_as_typed(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "3", "h", "3x", "3h-", "0m", "-1h", "1h 30"])
def test_what_is_no_duration_says_what_would_be(text: str) -> None:
    with pytest.raises(BadTime):
        parse_duration(text)


@pytest.mark.parametrize("span", [timedelta(hours=3), timedelta(minutes=90), timedelta(seconds=45)])
def test_a_duration_shown_reads_back(span: timedelta) -> None:
    assert parse_duration(format_duration(span)) == span


def test_moments_as_typed() -> None:
    assert parse_moment("now", NOW) == NOW
    assert parse_moment("-15m", NOW) == NOW - timedelta(minutes=15)
    assert parse_moment("-2h", NOW) == NOW - timedelta(hours=2)
    # A clock time is London's, today: BST in July, GMT in December.
    assert parse_moment("08:15", NOW) == datetime(2026, 7, 1, 7, 15, tzinfo=UTC)
    assert parse_moment("08:15", WINTER) == datetime(2026, 12, 1, 8, 15, tzinfo=UTC)
    assert parse_moment("2026-07-01T08:15", NOW) == datetime(2026, 7, 1, 7, 15, tzinfo=UTC)
    assert parse_moment("2026-07-01T08:15+00:00", NOW) == datetime(2026, 7, 1, 8, 15, tzinfo=UTC)


@pytest.mark.parametrize("text", ["25:00", "08:61", "yesterday", "8h15", "-"])
def test_what_is_no_moment_is_refused(text: str) -> None:
    with pytest.raises(BadTime):
        parse_moment(text, NOW)


def test_a_moment_reads_in_london_time_with_how_long_ago() -> None:
    assert describe_moment(NOW - timedelta(minutes=23), NOW) == "12:37:00 · 23 min ago"
    assert describe_moment(NOW, NOW) == "13:00:00 · now"
    assert describe_moment(NOW - timedelta(days=1), NOW).startswith("2026-06-30 13:00:00 · 24 h")


class Kept:
    """A producer that keeps what it is given."""

    def __init__(self) -> None:
        self.snapshots: list[Snapshot] = []

    def publish(self, snapshot: Snapshot) -> int:
        self.snapshots.append(snapshot)
        return len(snapshot.predictions)

    def poll(self, timeout: float = 0.0) -> None:
        pass


def test_a_backfill_polls_the_past_at_the_interval_then_hands_the_clock_back() -> None:
    clock = SteppedClock()
    poller = Poller(DemoSource(seed=2, clock=clock), "demo", clock=clock)
    kept, told = Kept(), []
    before = clock()
    queued = backfill(
        poller,
        kept,
        ["490000254W", "490007080E"],
        clock,
        span=timedelta(minutes=30),
        interval=30.0,
        progress=lambda done, steps, n: told.append((done, steps)),
    )
    times = [s.polled_at for s in kept.snapshots]
    assert len(times) == 2 * 60 and told[-1] == (60, 60)
    assert times == sorted(times)
    assert before - timedelta(minutes=30) <= times[0] < before - timedelta(minutes=29)
    assert times[-1] < before
    assert queued == sum(len(s.predictions) for s in kept.snapshots) > 0
    assert [s.seq for s in kept.snapshots if s.stop_id == "490000254W"][-1] == 60
    assert clock.fixed is None and clock() >= before  # live again


# -- one fold for the live board and the board at a moment ----------------------------------


def history(seed: int, stops: list[str], polls: int, interval: int) -> list[Decoded]:
    """What a producer would have written: polls of the demo at each interval, some items
    deleted (operationType 2), each stop's records in order."""
    now = [WINTER]
    source = DemoSource(seed=seed, clock=lambda: now[0])
    rng = random.Random(seed)
    records: list[Decoded] = []
    for step in range(polls):
        now[0] = WINTER + timedelta(seconds=step * interval)
        for stop in stops:
            items: list[dict[str, Any]] = source.fetch(stop)
            for item in items:
                if rng.random() < 0.05:
                    item["operationType"] = 2
            records += poll_records(items, stop, polled_at=now[0], seq=step + 1)
    return records


def interleaved(records: list[Decoded], rng: random.Random) -> list[Decoded]:
    """Partitions read side by side: each partition's order kept, the rest shuffled."""
    queues: dict[int, list[Decoded]] = {}
    for decoded in records:
        queues.setdefault(decoded.record.partition, []).append(decoded)
    merged: list[Decoded] = []
    while queues:
        partition = rng.choice(sorted(queues))
        merged.append(queues[partition].pop(0))
        if not queues[partition]:
            del queues[partition]
    return merged


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    stops=st.lists(st.sampled_from(["490000254W", "490007080E", "490000288R"]), min_size=1,
                   max_size=3, unique=True),
    interval=st.sampled_from([20, 30, 45]),
    trimmed=st.integers(0, 40),
)  # fmt: skip
def test_the_board_at_a_moment_is_what_the_live_board_showed_then(
    seed: int, stops: list[str], interval: int, trimmed: int
) -> None:
    rng = random.Random(seed)
    topic = interleaved(history(seed, stops, polls=12, interval=interval), rng)
    topic = topic[trimmed:]  # retention trimmed the start of the log
    moments = sorted(WINTER + timedelta(seconds=rng.randrange(0, 12 * interval)) for _ in range(4))
    live = Board()
    shown: list[Any] = []
    pending = list(topic)
    for moment in moments:
        # By then the dashboard has read, partition by partition, every record polled by then,
        # and ticked (pruned) as it went.
        due = [d for d in pending if d.poll is not None and d.poll.poll_time <= moment]
        pending = [d for d in pending if d not in due]
        for decoded in due:
            live.apply(decoded)
            assert decoded.poll is not None
            live.prune(decoded.poll.poll_time)
        shown.append(live.rows(moment))
    raw = [decoded.record for decoded in topic]
    for moment, rows in zip(moments, shown, strict=True):
        assert fold_until(topic, moment).board.rows(moment) == rows
        # `board --at` decides by the poll headers before decoding: the same board.
        assert fold_records_until(raw, moment).board.rows(moment) == rows


@pytest.mark.parametrize("hold", [1, 7, 100])
def test_the_board_at_a_moment_holds_back_little_and_folds_the_same(
    hold: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(board_at, "HOLD", hold)
    rng = random.Random(hold)
    topic = interleaved(history(hold, ["490000254W", "490007080E"], polls=12, interval=30), rng)
    raw = [decoded.record for decoded in topic]
    for minutes in (2, 4, 5):
        moment = WINTER + timedelta(minutes=minutes)
        folded = fold_records_until(raw, moment)
        assert folded.board.rows(moment) == fold_until(topic, moment).board.rows(moment)
        if hold >= 100:  # held long enough for newer polls to replace older ones unread
            assert folded.replaced > 0


def test_a_timestamp_no_date_can_hold_is_no_time_not_a_crash() -> None:
    # A hostile producer's record: no poll headers, a timestamp past year 9999.
    (good,) = history(9, ["490000254W"], polls=1, interval=30)[:1]
    hostile = msgspec.structs.replace(good.record, headers=(), timestamp_ms=2**62)
    decoded = decode_record(hostile)
    assert polled_at(decoded) is None
    folded = fold_records_until([hostile], WINTER)
    assert (folded.applied, folded.later) == (1, 0)  # no time: it counts from the start
