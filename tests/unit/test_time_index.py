"""Time travel's index: the board kept at each minute is the board at that minute."""

from __future__ import annotations

import random
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

import tfl_tui.core.time_index as time_index
from tests.unit.test_time_travel import WINTER, history, interleaved
from tfl_tui.core.board_at import fold_until
from tfl_tui.core.records import Decoded
from tfl_tui.core.time_index import IndexBuilder, TimeIndex


def build(topic: list[Decoded], partitions: int = 4) -> TimeIndex:
    builder = IndexBuilder(range(partitions))
    seen: set[int] = set()
    for decoded in topic:
        builder.feed(decoded)
        seen.add(decoded.record.partition)
    for partition in range(partitions):
        builder.done(partition)
    last = max(d.poll.poll_time for d in topic if d.poll is not None)
    return builder.finish(last + timedelta(minutes=1))


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    stops=st.lists(st.sampled_from(["490000254W", "490007080E", "490000288R"]), min_size=1,
                   max_size=3, unique=True),
    interval=st.sampled_from([20, 30, 45]),
)  # fmt: skip
def test_each_checkpoint_is_the_board_at_its_minute(
    seed: int, stops: list[str], interval: int
) -> None:
    topic = interleaved(history(seed, stops, polls=16, interval=interval), random.Random(seed))
    index = build(topic)
    assert index.moments and index.moments == sorted(index.moments)
    assert all(m.second == 0 for m in index.moments[:-1])  # the last may be now itself
    for moment in index.moments:
        assert index.rows[moment] == fold_until(topic, moment).board.rows(moment)
    assert sum(index.counts.values()) == len(topic) == index.read


def test_a_moment_between_checkpoints_shows_the_one_before() -> None:
    topic = history(3, ["490000254W"], polls=10, interval=30)
    index = build(topic)
    first, second = index.moments[:2]
    found = index.at(first + timedelta(seconds=59))
    assert found is not None and found[0] == first
    assert index.at(first - timedelta(seconds=1)) is None
    assert index.at(second)[0] == second  # type: ignore[index]
    assert index.start == WINTER and index.end is not None


def test_what_is_kept_is_bounded(monkeypatch: object) -> None:
    import pytest

    patch = pytest.MonkeyPatch()
    patch.setattr(time_index, "MAX_ROWS", 150)
    patch.setattr(time_index, "MAX_RAW", 30)
    try:
        topic = history(5, ["490000254W", "490007080E"], polls=20, interval=30)
        index = build(topic)
    finally:
        patch.undo()
    assert index.kept_rows <= 150 + max(len(r) for r in index.rows.values())
    assert index.step > time_index.MINUTE  # thinned: every other checkpoint went
    assert index.kept_raw <= 30
    for moment in index.moments:
        assert index.rows[moment] == fold_until(topic, moment).board.rows(moment)
    # The raw panel's records: the newest minutes are the ones kept.
    assert index.end is not None
    near = index.records_near(index.end + time_index.MINUTE)
    assert near and all(d.poll is not None and d.poll.poll_time >= index.end for d in near)


def test_a_topic_written_within_the_last_minute_still_has_its_moment() -> None:
    topic = history(7, ["490000254W"], polls=1, interval=30)  # one poll, at WINTER
    builder = IndexBuilder(range(4))
    for decoded in topic:
        builder.feed(decoded)
    now = WINTER + timedelta(seconds=20)  # the minute is not over yet
    index = builder.finish(now)
    assert index.moments == [now]
    assert index.rows[now] == fold_until(topic, now).board.rows(now)
