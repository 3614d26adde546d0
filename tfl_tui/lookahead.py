"""Replay without decoding what can never reach the board.

A complete poll of a stop replaces every older record of that stop (see `Board`). Replaying a
topic that has been written for hours, almost every record belongs to a poll that a newer,
complete one replaces later in the topic. The lookahead holds records back, by poll, and drops
those whose poll has been replaced before anyone decodes them; what it releases, in the order it
came, folds into exactly the board that folding everything would give (tests/unit/
test_lookahead.py checks that against random topics).

It needs only the poll headers (`PollRef`). Records without them are never dropped. Pure module.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from tfl_tui.records import PollRef

T = TypeVar("T")


class _Poll:
    """One poll seen by the lookahead: how many of its records came, which are still held."""

    __slots__ = ("count", "held")

    def __init__(self) -> None:
        self.count = 0
        self.held: list[tuple[int, Any]] = []  # (arrival number, record)


class Lookahead(Generic[T]):
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget everything (a replay starts over)."""
        self._next = 0  # arrival number: what is released keeps the arrival order
        self._loose: list[tuple[int, T]] = []  # records without poll headers
        self._polls: dict[PollRef, _Poll] = {}  # polls not replaced yet
        self._of_stop: dict[str, list[PollRef]] = {}
        self._complete: dict[str, datetime] = {}  # per stop: its newest complete poll
        self.held = 0
        self.dropped = 0  # records replaced before they were released

    def __len__(self) -> int:
        return self.held

    def add(self, item: T, ref: PollRef | None) -> None:
        number = self._next
        self._next = number + 1
        if ref is None:
            self._loose.append((number, item))
            self.held += 1
            return
        poll = self._polls.get(ref)
        if poll is None:
            complete = self._complete.get(ref[0])
            if complete is not None and ref[1] < complete:
                self.dropped += 1  # the board would ignore it too: a newer poll is complete
                return
            poll = self._polls[ref] = _Poll()
            self._of_stop.setdefault(ref[0], []).append(ref)
        poll.held.append((number, item))
        self.held += 1
        poll.count += 1
        # Counted per (time, size), as the board counts a poll to its snapshot size; a poll
        # whose records disagree on the size completes no earlier here than on the board.
        if poll.count >= ref[2]:
            complete = self._complete.get(ref[0])
            if complete is None or ref[1] > complete:
                self._completed(ref)

    def _completed(self, ref: PollRef) -> None:
        stop, when, _size = ref
        self._complete[stop] = when
        kept = []
        for other in self._of_stop[stop]:
            if other[1] < when:
                gone = len(self._polls.pop(other).held)
                self.held -= gone
                self.dropped += gone
            else:
                kept.append(other)
        self._of_stop[stop] = kept

    def release(self) -> list[T]:
        """Everything held, in arrival order; what is known about polls is kept."""
        merged = self._loose
        self._loose = []
        for poll in self._polls.values():
            merged += poll.held
            poll.held = []
        merged.sort(key=_arrival)  # runs already in order: Timsort merges them
        self.held = 0
        return [item for _number, item in merged]


def _arrival(pair: tuple[int, Any]) -> int:
    return pair[0]
