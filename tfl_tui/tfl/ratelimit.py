"""A request budget shared by every stop a producer polls.

TfL allows 50 requests a minute anonymously and 500 with an `app_key`. Spacing requests evenly
(rather than bursting up to the limit) keeps us under it whatever the number of stops.
"""

from __future__ import annotations

import time
from collections.abc import Callable

ANONYMOUS_PER_MINUTE = 50
WITH_KEY_PER_MINUTE = 500
# Stay a little below the published limits: clocks and TfL's window do not line up exactly.
HEADROOM = 0.9


def requests_per_minute(has_app_key: bool) -> float:
    return (WITH_KEY_PER_MINUTE if has_app_key else ANONYMOUS_PER_MINUTE) * HEADROOM


class RequestBudget:
    """Hands out request slots at most `per_minute` a minute, evenly spaced.

    `wait_time()` says how long until the next slot is free; `take()` books it. The clock is
    injected so the spacing can be tested without waiting.
    """

    def __init__(self, per_minute: float, clock: Callable[[], float] = time.monotonic) -> None:
        if per_minute <= 0:
            raise ValueError("per_minute must be positive")
        self.spacing = 60.0 / per_minute
        self._clock = clock
        self._next_free = clock()

    def wait_time(self) -> float:
        return max(0.0, self._next_free - self._clock())

    def take(self) -> None:
        now = self._clock()
        self._next_free = max(self._next_free, now) + self.spacing

    def hold_off(self, seconds: float) -> None:
        """Push the next slot back, e.g. when TfL answered 429 with Retry-After."""
        self._next_free = max(self._next_free, self._clock() + seconds)

    def min_interval(self, stops: int) -> float:
        """The shortest poll interval for `stops` stops that this budget sustains."""
        return self.spacing * stops
