"""The consumer worker's replay decisions, driven without a broker and with a clock of our own."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tfl_tui.core.replay_tracker import (
    CONFIRM_TICKS,
    KEEP_WHEN_FULL,
    MAX_HELD,
    MIN_FLUSH_INTERVAL_S,
    REPLAY_HAND_OVER_S,
    HandOver,
    Progress,
    ReplayTracker,
)

BATCH_INTERVAL = 0.1
MAX_BATCH = 2000
FULL = 2000  # records one consume() call asks for
T0 = 0.0  # monotonic seconds when the worker starts reading (0: intervals add up exactly)


def tracker_at(start: float = T0) -> ReplayTracker:
    tracker = ReplayTracker(batch_interval=BATCH_INTERVAL, max_batch=MAX_BATCH, full_batch=FULL)
    tracker.reset_clock(start)
    return tracker


def replaying(watermarks: dict[int, tuple[int, int]]) -> ReplayTracker:
    tracker = tracker_at()
    tracker.begin(watermarks)
    return tracker


def live() -> ReplayTracker:
    """Caught up on an empty topic: every decision is the live one."""
    tracker = replaying({0: (0, 0)})
    assert not tracker.tick({0: 0}).replaying
    return tracker


# --- the start of a replay -----------------------------------------------------------------------


def test_a_replay_starts_at_the_low_watermarks_with_the_high_ones_as_targets() -> None:
    tracker = replaying({0: (3, 10), 1: (0, 7), 2: (-1, -1)})  # 2: the query failed
    assert tracker.generation == 1
    assert tracker.targets == {0: 10, 1: 7, 2: 0}
    assert [tracker.position(p, default=99) for p in (0, 1, 2)] == [3, 0, 0]
    assert tracker.position(5, default=42) == 42  # a partition the replay does not know
    assert tracker.catching_up()


def test_targets_is_a_copy() -> None:
    tracker = replaying({0: (0, 10)})
    tracker.targets[0] = 0
    assert tracker.catching_up()
    assert tracker.targets == {0: 10}


def test_an_empty_topic_is_no_replay() -> None:
    tracker = replaying({0: (0, 0), 1: (5, 5)})  # 1: trimmed to nothing
    assert tracker.targets == {0: 0, 1: 5}
    assert not tracker.catching_up()
    assert tracker.tick({0: 0, 1: 5}) == Progress(False, {})
    assert tracker.targets == {}
    tracker.read(1, {0: 1})  # a record arrives: handed over at once, live
    assert tracker.hand_over(T0 + MIN_FLUSH_INTERVAL_S, 1, 1) == HandOver(True, 0, 1)


# --- progress to the targets ---------------------------------------------------------------------


def test_catching_up_until_every_partition_reaches_its_target() -> None:
    tracker = replaying({0: (0, 10), 1: (4, 6)})
    tracker.read(10, {0: 10})
    assert tracker.catching_up()  # partition 1 is still behind
    tracker.read(1, {1: 5})
    assert tracker.catching_up()
    tracker.read(1, {1: 6})
    assert not tracker.catching_up()
    assert tracker.position(0, default=-1) == 10
    assert tracker.position(1, default=-1) == 6


def test_partitions_without_a_target_do_not_hold_a_replay() -> None:
    """A partition added to the topic during a replay is read, but was never a target."""
    tracker = replaying({0: (0, 3)})
    tracker.read(50, {1: 50})
    assert tracker.catching_up()
    tracker.read(3, {0: 3})
    assert not tracker.catching_up()
    assert tracker.tick({0: 3, 1: 50}) == Progress(False, {})


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_reads_in_any_order_are_caught_up_only_once_every_partition_reached_its_target(
    data: st.DataObject,
) -> None:
    """Random interleavings of reads across partitions, with progress reports between them
    (the fetch's watermark equal to the target): never caught up, nor the replay over, before
    every partition has reached its target; caught up as soon as it has."""
    targets = data.draw(st.dictionaries(st.integers(0, 5), st.integers(0, 30), min_size=1))
    lows = {p: data.draw(st.integers(0, high)) for p, high in targets.items()}
    tracker = replaying({p: (lows[p], targets[p]) for p in targets})
    # Each partition's records in order, partitions interleaved at random, in batches.
    remaining = {p: list(range(lows[p], targets[p])) for p in targets}
    reached = {p: lows[p] >= targets[p] for p in targets}
    while any(remaining.values()):
        batch: dict[int, int] = {}
        count = 0
        for _ in range(data.draw(st.integers(1, 8))):
            partition = data.draw(st.sampled_from(sorted(p for p, r in remaining.items() if r)))
            batch[partition] = remaining[partition].pop(0) + 1
            count += 1
            if not any(remaining.values()):
                break
        tracker.read(count, batch)
        for partition, position in batch.items():
            reached[partition] = position >= targets[partition]
        assert tracker.catching_up() == (not all(reached.values()))
        if data.draw(st.booleans()):
            progress = tracker.tick(targets)
            if not all(reached.values()):
                assert progress.replaying
                assert progress.targets == targets
    assert not tracker.catching_up()


# --- confirming the targets against a fetch's high watermark -------------------------------------


def test_a_fetch_watermark_raises_a_target_once() -> None:
    """Tansu answers ListOffsets with less than the log end: the first fetch tells."""
    tracker = replaying({0: (0, 10), 1: (0, 5)})
    assert tracker.tick({0: 15, 1: 5}) == Progress(True, {0: 15, 1: 5})
    assert tracker.tick({0: 25, 1: 9}) == Progress(True, {0: 15, 1: 5})  # confirmed already
    tracker.read(20, {0: 15, 1: 5})
    assert not tracker.catching_up()
    assert tracker.tick({0: 30, 1: 12}) == Progress(False, {})


def test_a_fetch_watermark_never_lowers_a_target() -> None:
    tracker = replaying({0: (0, 10)})
    assert tracker.tick({0: 4}) == Progress(True, {0: 10})
    assert tracker.tick({0: 20}).targets == {0: 10}  # confirmed by the lower one


def test_an_unknown_watermark_confirms_nothing() -> None:
    tracker = replaying({0: (0, 10)})
    assert tracker.tick({0: -1}) == Progress(True, {0: 10})
    assert tracker.tick({0: 12}) == Progress(True, {0: 12})


def test_a_target_is_raised_only_within_the_confirmation_window() -> None:
    late = replaying({0: (0, 10)})
    for _ in range(CONFIRM_TICKS - 1):
        late.tick({0: -1})
    assert late.tick({0: 12}).targets == {0: 12}  # the last report of the window
    closed = replaying({0: (0, 10)})
    for _ in range(CONFIRM_TICKS):
        closed.tick({0: -1})
    assert closed.tick({0: 12}).targets == {0: 10}


def test_a_caught_up_replay_goes_on_until_its_targets_are_confirmed() -> None:
    tracker = replaying({0: (0, 10)})
    tracker.read(10, {0: 10})
    assert not tracker.catching_up()
    for _ in range(CONFIRM_TICKS - 1):
        assert tracker.tick({0: -1}) == Progress(True, {0: 10})  # a fetch may yet raise it
    assert tracker.tick({0: -1}) == Progress(False, {})  # the window closed
    assert tracker.targets == {}


def test_caught_up_and_confirmed_the_targets_are_dropped() -> None:
    tracker = replaying({0: (0, 10), 1: (0, 3)})
    tracker.read(13, {0: 10, 1: 3})
    assert tracker.tick({0: 10, 1: 3}) == Progress(False, {})
    assert tracker.targets == {}
    assert not tracker.catching_up()
    # Over: a record read live, a later report, a higher watermark change nothing.
    tracker.read(1, {0: 11})
    assert tracker.tick({0: 40, 1: 40}) == Progress(False, {})
    assert not tracker.catching_up()


def test_without_a_replay_there_is_nothing_to_confirm() -> None:
    """`--from latest`: no replay was begun."""
    tracker = tracker_at()
    tracker.read(5, {0: 105})
    assert not tracker.catching_up()
    assert tracker.tick({0: 200}) == Progress(False, {})
    assert tracker.generation == 0
    assert tracker.position(0, default=0) == 105


@settings(max_examples=200, deadline=None)
@given(
    targets=st.dictionaries(st.integers(0, 4), st.integers(0, 50), min_size=1),
    # Per report, the fetch's high watermarks, mostly unknown (-1), some partitions missing.
    reports=st.lists(
        st.dictionaries(st.integers(0, 4), st.just(-1) | st.just(-1) | st.integers(-1, 100)),
        max_size=12,
    ),
)
def test_a_target_is_raised_at_most_once_and_only_within_the_window(
    targets: dict[int, int], reports: list[dict[int, int]]
) -> None:
    tracker = replaying({p: (0, high) for p, high in targets.items()})
    current = dict(targets)
    confirmed: set[int] = set()
    for tick, highs in enumerate(reports, start=1):
        progress = tracker.tick(highs)
        if not progress.replaying:
            break
        for partition, target in progress.targets.items():
            if target != current[partition]:
                assert partition not in confirmed
                assert tick <= CONFIRM_TICKS
                assert target == highs[partition] > current[partition]
                current[partition] = target
        confirmed |= {p for p, high in highs.items() if high >= 0 and p in targets}
        assert progress.targets == current
    assert tracker.targets in ({}, current)


# --- the live hand-over --------------------------------------------------------------------------


def test_live_a_drained_consume_hands_over_at_once() -> None:
    tracker = live()
    tracker.read(3, {0: 3})
    assert tracker.hand_over(T0 + MIN_FLUSH_INTERVAL_S, 3, 3) == HandOver(True, 0, 3)


def test_live_not_within_the_minimum_interval_of_the_last_hand_over() -> None:
    tracker = live()
    tracker.read(3, {0: 3})
    assert tracker.hand_over(T0 + MIN_FLUSH_INTERVAL_S / 2, 3, 3) is None
    tracker.read(1, {0: 4})
    assert tracker.hand_over(T0 + MIN_FLUSH_INTERVAL_S, 1, 4) == HandOver(True, 0, 4)
    tracker.read(1, {0: 5})  # the clock restarted at the hand-over
    assert tracker.hand_over(T0 + 1.5 * MIN_FLUSH_INTERVAL_S, 1, 1) is None
    assert tracker.hand_over(T0 + 2 * MIN_FLUSH_INTERVAL_S, 0, 1) == HandOver(True, 0, 1)


def test_live_a_full_consume_waits_for_the_batch_interval() -> None:
    """More is waiting: records go after `batch_interval`, not at the minimum interval."""
    tracker = live()
    tracker.read(FULL, {0: FULL})
    assert tracker.hand_over(T0 + BATCH_INTERVAL / 2, FULL, 10) is None
    assert tracker.hand_over(T0 + BATCH_INTERVAL, FULL, 10) == HandOver(True, 0, FULL)


def test_live_a_full_lookahead_hands_over_at_once() -> None:
    tracker = live()
    tracker.read(FULL, {0: FULL})
    assert tracker.hand_over(T0 + 0.001, FULL, MAX_BATCH - 1) is None
    assert tracker.hand_over(T0 + 0.001, FULL, MAX_BATCH) == HandOver(True, 0, FULL)


def test_the_clock_starts_when_the_worker_starts_reading() -> None:
    tracker = tracker_at(start=500.0)
    tracker.begin({0: (0, 0)})
    tracker.read(1, {0: 1})
    assert tracker.hand_over(500.0 + MIN_FLUSH_INTERVAL_S / 2, 1, 1) is None
    assert tracker.hand_over(500.0 + 2 * MIN_FLUSH_INTERVAL_S, 1, 1) == HandOver(True, 0, 1)


def test_live_nothing_read_nothing_handed_over() -> None:
    tracker = live()
    assert tracker.hand_over(T0 + 60, 0, MAX_BATCH) is None


# --- the replay's hold ---------------------------------------------------------------------------


def test_catching_up_records_are_held_whatever_the_live_rule_says() -> None:
    tracker = replaying({0: (0, 100_000)})
    tracker.read(10, {0: 10})
    # Drained, the batch interval gone by, more than a batch held: still held.
    assert tracker.hand_over(T0 + 0.5, 10, MAX_HELD - 1) is None


def test_catching_up_held_too_many_the_oldest_go_and_half_is_kept() -> None:
    tracker = replaying({0: (0, 100_000)})
    tracker.read(MAX_HELD, {0: MAX_HELD})
    assert tracker.hand_over(T0 + 0.001, FULL, MAX_HELD) == HandOver(True, KEEP_WHEN_FULL, MAX_HELD)
    assert KEEP_WHEN_FULL == MAX_HELD // 2
    assert tracker.hand_over(T0 + 0.002, FULL, KEEP_WHEN_FULL) is None  # read taken, clock reset


def test_catching_up_the_ui_hears_how_far_the_replay_has_read_once_a_second() -> None:
    tracker = replaying({0: (0, 100_000)})
    tracker.read(500, {0: 500})
    assert tracker.hand_over(T0 + REPLAY_HAND_OVER_S / 2, 500, 20) is None
    assert tracker.hand_over(T0 + REPLAY_HAND_OVER_S, 0, 20) == HandOver(False, 0, 500)
    tracker.read(7, {0: 507})
    assert tracker.hand_over(T0 + 1.5 * REPLAY_HAND_OVER_S, 7, 20) is None
    assert tracker.hand_over(T0 + 2 * REPLAY_HAND_OVER_S, 0, 20) == HandOver(False, 0, 7)


def test_catching_up_nothing_read_the_ui_hears_nothing() -> None:
    tracker = replaying({0: (0, 100_000)})
    assert tracker.hand_over(T0 + 10 * REPLAY_HAND_OVER_S, 0, 0) is None
    tracker.read(1, {0: 1})  # the clock was not restarted by the silence
    assert tracker.hand_over(T0 + 10 * REPLAY_HAND_OVER_S, 1, 1) == HandOver(False, 0, 1)


def test_caught_up_what_was_held_goes_at_once() -> None:
    tracker = replaying({0: (0, 10)})
    tracker.read(9, {0: 9})
    assert tracker.hand_over(T0 + MIN_FLUSH_INTERVAL_S, 9, 9) is None
    tracker.read(1, {0: 10})
    assert tracker.hand_over(T0 + 2 * MIN_FLUSH_INTERVAL_S, 1, 10) == HandOver(True, 0, 10)


@settings(max_examples=200, deadline=None)
@given(
    steps=st.lists(
        st.tuples(
            st.integers(0, FULL),  # records read by one consume() call
            st.floats(0, 0.3),  # seconds it took
            st.integers(0, MAX_HELD + 10),  # records in the lookahead then
        ),
        max_size=40,
    ),
    target=st.integers(0, 30_000),
)
def test_every_record_read_is_counted_in_exactly_one_hand_over(
    steps: list[tuple[int, float, int]], target: int
) -> None:
    """And while catching up, nothing is handed over in full; live, never within the minimum
    interval unless the lookahead holds a batch."""
    tracker = replaying({0: (0, target)})
    now, position, counted, last = T0, 0, 0, T0
    for fresh, took, held in steps:
        now += took
        position += fresh
        tracker.read(fresh, {0: position})
        due = tracker.hand_over(now, fresh, held)
        if due is not None:
            counted += due.read
            if position < target:
                assert due.keep > 0 or not due.records
            elif held < MAX_BATCH:
                assert now - last >= MIN_FLUSH_INTERVAL_S
            last = now
    final = tracker.hand_over(now + 60, 0, 0)
    counted += final.read if final is not None else 0
    assert counted == position


# --- a new replay --------------------------------------------------------------------------------


def test_a_new_replay_resets_everything() -> None:
    tracker = replaying({0: (0, 10), 1: (0, 10)})
    tracker.read(20, {0: 10, 1: 10})
    tracker.tick({0: 10, 1: 10})  # confirmed: the first replay is over
    assert tracker.targets == {}
    tracker.read(5, {0: 15})
    tracker.begin({0: (2, 15), 1: (0, 12)})  # `r`
    assert tracker.generation == 2
    assert tracker.targets == {0: 15, 1: 12}
    assert [tracker.position(p, default=-1) for p in (0, 1)] == [2, 0]
    assert tracker.catching_up()
    # The confirmation window is open again: a fetch may raise a target, once.
    assert tracker.tick({0: 18, 1: -1}) == Progress(True, {0: 18, 1: 12})
    # What was read before the replay is not counted with what is read after it.
    tracker.read(4, {0: 6})
    assert tracker.hand_over(T0 + REPLAY_HAND_OVER_S, 4, 4) == HandOver(False, 0, 4)


def test_a_new_replay_forgets_partitions_it_does_not_list() -> None:
    tracker = replaying({0: (0, 10), 1: (0, 10)})
    tracker.read(3, {1: 3})
    tracker.begin({0: (0, 10)})
    assert tracker.targets == {0: 10}
    assert tracker.position(1, default=-7) == -7


def test_a_new_replay_keeps_the_clock_to_the_next_hand_over() -> None:
    """As the worker always did: `r` does not postpone the next report of progress."""
    tracker = replaying({0: (0, 100)})
    tracker.begin({0: (0, 100)})
    tracker.read(1, {0: 1})
    assert tracker.hand_over(T0 + REPLAY_HAND_OVER_S, 1, 1) == HandOver(False, 0, 1)


@pytest.mark.parametrize("generations", [1, 3])
def test_each_replay_bumps_the_generation(generations: int) -> None:
    tracker = tracker_at()
    for _ in range(generations):
        tracker.begin({0: (0, 1)})
    assert tracker.generation == generations
