"""The shared request budget, driven by a fake monotonic clock."""

from __future__ import annotations

import bisect
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tfl_tui.tfl.ratelimit import (
    ANONYMOUS_PER_MINUTE,
    WITH_KEY_PER_MINUTE,
    RequestBudget,
    requests_per_minute,
)

ANONYMOUS_SPACING = 60 / 45  # 50 a minute less 10 % headroom
KEYED_SPACING = 60 / 450


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def budget(clock: FakeClock) -> RequestBudget:
    return RequestBudget(requests_per_minute(has_app_key=False), clock=clock)


def test_published_limits_with_headroom() -> None:
    assert requests_per_minute(has_app_key=False) == pytest.approx(45)
    assert requests_per_minute(has_app_key=True) == pytest.approx(450)


@pytest.mark.parametrize(
    ("has_app_key", "spacing"), [(False, ANONYMOUS_SPACING), (True, KEYED_SPACING)]
)
def test_spacing(has_app_key: bool, spacing: float) -> None:
    assert RequestBudget(requests_per_minute(has_app_key)).spacing == pytest.approx(spacing)


@pytest.mark.parametrize("per_minute", [0, -1, -0.5])
def test_rejects_a_budget_that_allows_nothing(per_minute: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        RequestBudget(per_minute)


def test_first_request_is_immediate(budget: RequestBudget) -> None:
    assert budget.wait_time() == 0


def test_take_books_the_next_slot_one_spacing_later(
    budget: RequestBudget, clock: FakeClock
) -> None:
    budget.take()
    assert budget.wait_time() == pytest.approx(ANONYMOUS_SPACING)
    clock.advance(0.5)
    assert budget.wait_time() == pytest.approx(ANONYMOUS_SPACING - 0.5)
    clock.advance(ANONYMOUS_SPACING - 0.5)
    assert budget.wait_time() == 0
    budget.take()
    assert budget.wait_time() == pytest.approx(ANONYMOUS_SPACING)


def test_taking_without_waiting_queues_behind_earlier_takes(budget: RequestBudget) -> None:
    for _ in range(3):
        budget.take()
    assert budget.wait_time() == pytest.approx(3 * ANONYMOUS_SPACING)


def test_idle_time_earns_no_burst(budget: RequestBudget, clock: FakeClock) -> None:
    clock.advance(600)
    budget.take()
    assert budget.wait_time() == pytest.approx(ANONYMOUS_SPACING)


def test_wait_time_never_negative(budget: RequestBudget, clock: FakeClock) -> None:
    budget.take()
    clock.advance(3600)
    assert budget.wait_time() == 0


def test_hold_off_pushes_the_next_slot_back(budget: RequestBudget, clock: FakeClock) -> None:
    budget.hold_off(30)
    assert budget.wait_time() == pytest.approx(30)
    clock.advance(30)
    budget.take()
    assert budget.wait_time() == pytest.approx(ANONYMOUS_SPACING)


def test_short_hold_off_never_brings_the_next_slot_forward(budget: RequestBudget) -> None:
    for _ in range(5):
        budget.take()
    budget.hold_off(0.1)
    assert budget.wait_time() == pytest.approx(5 * ANONYMOUS_SPACING)


@pytest.mark.parametrize(
    ("has_app_key", "stops", "interval"),
    [(False, 1, 60 / 45), (False, 3, 4.0), (False, 45, 60.0), (True, 3, 0.4), (True, 0, 0)],
)
def test_min_interval(has_app_key: bool, stops: int, interval: float) -> None:
    budget = RequestBudget(requests_per_minute(has_app_key))
    assert budget.min_interval(stops) == pytest.approx(interval)


# A caller's moves: wait politely then request, sit idle, or be told to back off (a 429).
actions = st.lists(
    st.one_of(
        st.just(("take", 0.0)),
        st.tuples(st.just("idle"), st.floats(min_value=0, max_value=120)),
        st.tuples(st.just("hold_off"), st.floats(min_value=0, max_value=60)),
    ),
    max_size=300,
)


def max_in_any_minute(times: list[float]) -> int:
    """The most of `times` (sorted) that fall in any half-open 60-second window."""
    return max(
        (bisect.bisect_left(times, start + 60) - index for index, start in enumerate(times)),
        default=0,
    )


@given(has_app_key=st.booleans(), moves=actions)
def test_polite_callers_never_exceed_the_published_limit(
    has_app_key: bool, moves: list[tuple[str, float]]
) -> None:
    clock = FakeClock()
    budget = RequestBudget(requests_per_minute(has_app_key), clock=clock)
    taken: list[float] = []
    for action, seconds in moves:
        if action == "take":
            clock.advance(budget.wait_time())
            budget.take()
            taken.append(clock.now)
        elif action == "idle":
            clock.advance(seconds)
        else:
            budget.hold_off(seconds)
    limit = WITH_KEY_PER_MINUTE if has_app_key else ANONYMOUS_PER_MINUTE
    assert max_in_any_minute(taken) <= limit
    gaps = [later - earlier for earlier, later in itertools.pairwise(taken)]
    assert all(gap >= budget.spacing * (1 - 1e-9) for gap in gaps)


@pytest.mark.parametrize("has_app_key", [False, True])
def test_busy_caller_gets_the_whole_budget(has_app_key: bool) -> None:
    clock = FakeClock()
    budget = RequestBudget(requests_per_minute(has_app_key), clock=clock)
    start = clock.now
    taken = 0
    while clock.now + budget.wait_time() < start + 60:
        clock.advance(budget.wait_time())
        budget.take()
        taken += 1
    # Float rounding may fit one more slot a hair before the minute ends; still well under.
    per_minute = requests_per_minute(has_app_key)
    assert per_minute <= taken <= per_minute + 1
    assert taken < (WITH_KEY_PER_MINUTE if has_app_key else ANONYMOUS_PER_MINUTE)
