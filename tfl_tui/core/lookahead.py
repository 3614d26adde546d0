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

from collections.abc import Sequence
from datetime import datetime
from typing import Generic, TypeVar

from tfl_tui.core.poll_headers import PollRef

T = TypeVar("T")

# Incomplete polls a stop may have before the oldest already released are forgotten. A broker
# that serves one partition after another (Tansu) completes no poll until the last partition:
# their counts would otherwise grow with the topic. Forgetting only delays a completion here;
# the board keeps its own counts.
MAX_POLLS_PER_STOP = 16


class _Poll:
    """One poll seen by the lookahead: how many of its records came, how many are held."""

    __slots__ = ("count", "held", "ref", "replaced")

    def __init__(self, ref: PollRef) -> None:
        self.ref = ref  # handed on with each released record: its poll is read only once
        self.count = 0
        self.held = 0
        self.replaced = False


class Lookahead(Generic[T]):
    """Records are held in one list, in arrival order, each beside its poll: adding one is two
    appends (a replay adds a few hundred thousand a second), and a replaced poll is only marked;
    its records leave the list when it is compacted or released."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget everything (a replay starts over)."""
        self._items: list[T] = []
        self._owners: list[_Poll | None] = []  # beside each item: its poll (None: no headers)
        self._polls: dict[PollRef, _Poll] = {}  # polls not replaced yet
        self._of_stop: dict[str, list[PollRef]] = {}
        self._complete: dict[str, datetime] = {}  # per stop: its newest complete poll
        self._replaced = 0  # records in the list whose poll has been replaced
        self.dropped = 0  # records replaced before they were released

    def __len__(self) -> int:
        """Records held that may still reach the board."""
        return len(self._items) - self._replaced

    @property
    def tracked_polls(self) -> int:
        return len(self._polls)

    def add(self, item: T, ref: PollRef | None) -> None:
        self.extend((item,), (ref,))

    def extend(self, items: Sequence[T], refs: Sequence[PollRef | None]) -> None:
        """Add records in arrival order, each with its poll (None: without poll headers)."""
        keep, own = self._items.append, self._owners.append
        polls, complete = self._polls, self._complete
        for item, ref in zip(items, refs, strict=True):
            if ref is None:
                keep(item)
                own(None)
                continue
            poll = polls.get(ref)
            if poll is None:
                newest = complete.get(ref[0])
                if newest is not None and ref[1] < newest:
                    self.dropped += 1  # the board would ignore it too: a newer poll is complete
                    continue
                poll = polls[ref] = _Poll(ref)
                of_stop = self._of_stop.setdefault(ref[0], [])
                of_stop.append(ref)
                if len(of_stop) > 2 * MAX_POLLS_PER_STOP:
                    self._forget_released(ref[0])
            keep(item)
            own(poll)
            poll.held += 1
            poll.count += 1
            # Counted per (time, size), as the board counts a poll to its snapshot size; a
            # poll whose records disagree on the size completes no earlier here than there.
            if poll.count >= ref[2]:
                newest = complete.get(ref[0])
                if newest is None or ref[1] > newest:
                    self._completed(ref)
        if self._replaced > 4096 and self._replaced * 2 > len(self._items):
            self._compact()  # bounds what replaced records hold, in amortised O(1) a record

    def _completed(self, ref: PollRef) -> None:
        stop, when, _size = ref
        self._complete[stop] = when
        kept = []
        for other in self._of_stop[stop]:
            if other[1] < when:
                poll = self._polls.pop(other)
                poll.replaced = True
                self._replaced += poll.held
                self.dropped += poll.held
            else:
                kept.append(other)
        self._of_stop[stop] = kept

    def _forget_released(self, stop: str) -> None:
        """Forget the oldest polls of `stop` that hold nothing, down to MAX_POLLS_PER_STOP."""
        refs = sorted(self._of_stop[stop], key=_poll_time)
        excess = len(refs) - MAX_POLLS_PER_STOP
        kept = []
        for ref in refs:
            if excess > 0 and self._polls[ref].held == 0:
                del self._polls[ref]
                excess -= 1
            else:
                kept.append(ref)
        self._of_stop[stop] = kept

    def _compact(self) -> None:
        pairs = [
            (item, owner)
            for item, owner in zip(self._items, self._owners, strict=True)
            if owner is None or not owner.replaced
        ]
        self._items = [item for item, _owner in pairs]
        self._owners = [owner for _item, owner in pairs]
        self._replaced = 0

    def release(self, keep: int = 0) -> list[T]:
        """What is held, in arrival order, but for the newest `keep` (they may yet be replaced:
        releasing the oldest first is as if they had been released when they were the
        newest); what is known about polls is kept."""
        return self.release_with_polls(keep)[0]

    def release_with_polls(self, keep: int = 0) -> tuple[list[T], list[PollRef | None]]:
        """`release`, and beside each record the poll it was added with."""
        if self._replaced:
            self._compact()
        cut = max(len(self._items) - keep, 0)
        released = self._items[:cut]
        owners = self._owners[:cut]
        refs = [None if owner is None else owner.ref for owner in owners]
        if cut == len(self._items):
            self._items, self._owners = [], []
            for poll in self._polls.values():
                poll.held = 0
            return released, refs
        for owner in owners:
            if owner is not None:
                owner.held -= 1
        del self._items[:cut]
        del self._owners[:cut]
        return released, refs


def _poll_time(ref: PollRef) -> datetime:
    return ref[1]
