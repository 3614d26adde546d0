"""The arrivals board: fold records from the topic into upcoming buses per line and destination.

Pure module (no Kafka, no Textual): records in, rows out, the clock passed in by the caller.

Predictions leave the board when
- their bus has arrived (`timeToLive` has passed),
- TfL deletes them (`operationType` 2), or
- a newer, complete poll of the same stop no longer contains them. A poll is complete once as
  many of its records have been seen as its `tfl.snapshot_size` header says; its records are
  spread over partitions, so they may arrive in any order, mixed with other polls'.
Records that carry no poll headers (another producer's) simply live until they expire.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import msgspec

from tfl_tui.core.board_layout import Content
from tfl_tui.core.board_rows import (
    BoardFilter,
    Row,
    _line_order,
    format_age,
    format_eta,
    format_etas,
    format_updated,
)
from tfl_tui.core.poll_headers import partial_poll
from tfl_tui.core.records import Decoded, Record, record_time, value_text
from tfl_tui.core.text import safe_text
from tfl_tui.tfl.prediction import OPERATION_DELETE, Prediction

# Row, the formats and the filter live in core/board_rows.py; they are the board's vocabulary,
# so they are importable from here too.
__all__ = [
    "ARRIVED_GRACE",
    "MAX_ENTRIES",
    "Board",
    "BoardFilter",
    "Entry",
    "RecordRef",
    "Row",
    "format_age",
    "format_eta",
    "format_etas",
    "format_updated",
]

# TfL's own convention: a prediction lives until 30 s after the bus was expected.
ARRIVED_GRACE = timedelta(seconds=30)
# Bound on live predictions whatever the topic holds (a busy stop has a few dozen).
MAX_ENTRIES = 20_000
# Rows put in place per slice when most have changed (after a replay): about 10 ms here.
SETTLE_BUDGET = 2000
# At most this many arrivals are listed per row.
ETAS_PER_ROW = 3


class RecordRef(msgspec.Struct, frozen=True, gc=False):
    """Where a prediction came from on the topic, and its raw JSON, for "show records"."""

    partition: int
    offset: int
    value: bytes | None  # as on the topic: text is made only for the few records shown
    timestamp_ms: int | None = None

    @property
    def text(self) -> str:
        return value_text(self.value)


class Entry(msgspec.Struct, gc=False):
    # Structs, like the records they come from: one is made per record folded.
    prediction: Prediction
    stop_id: str
    poll_time: datetime  # when its poll ran (the record's timestamp without poll headers)
    expires: datetime
    ref: RecordRef
    seq: int = 0  # the board's number for it: its heap items name it by (stop, id, seq)


@dataclass(slots=True)
class _PollTracker:
    """Per stop: which poll is the newest complete one, and how far newer ones have arrived."""

    complete: datetime | None = None
    seen: dict[datetime, int] = field(default_factory=dict)


class _Group:
    """The entries of one row (stop, line, destination), and where the row sorts."""

    __slots__ = ("entries", "sort_key", "updated", "widths")

    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}
        self.sort_key: _SortKey | None = None  # as placed in the sorted lists
        self.updated: datetime | None = None  # as counted in `_RowIndex.updated`
        self.widths: tuple[int, int, int] | None = None  # (line, destination, stop) as counted


# (first arrival, natural line order, row key): rows sort by their soonest bus, which does not
# change as time passes, so the order is kept, not recomputed.
_SortKey = tuple[float, tuple[int, str], tuple[str, str, str]]  # float: compares fastest
_FAR = (10**9, "")
# (expiry, or minus the arrival; the entry's seq; its stop; its id): an item does not keep its
# entry alive, so those of entries gone since (replaced, evicted) cost little until taken out.
_HeapItem = tuple[Any, int, str, str]


class Board:
    """The live state of every watched stop, folded from decoded records.

    Besides the entries, it keeps its rows sorted as records change them (a row moves only when
    its soonest bus changes), so that showing one screenful of a 20,000-row board costs what
    showing a 20-row one does (`view`).
    """

    def __init__(self, stale_after: timedelta = timedelta(seconds=60)) -> None:
        self.stale_after = stale_after
        # The latest `prune`: a prediction gone by then would go at the next one, so it is
        # never stored (a replay of hours of history would hold thousands between prunes).
        # Time only moves on: `clear` keeps it.
        self._pruned_at: datetime | None = None
        # Per name, its natural line order and its width on screen: kept across `clear`, a
        # replay brings the same names back.
        self._line_orders: dict[str, tuple[int, str]] = {}
        self._widths_of: dict[str, int] = {}
        # Stops the user stopped watching (their records are passed over), and where each
        # watched stop's buses go: both the user's choice, so `clear` keeps them.
        self._hidden: set[str] = set()
        self._towards: dict[str, str] = {}
        self.clear()

    def __len__(self) -> int:
        return self._size

    def clear(self) -> None:
        # Per stop, by prediction id: a complete poll replaces one stop's entries, and must not
        # have to look at every other stop's.
        self._stops: dict[str, dict[str, Entry]] = {}
        self._size = 0
        self._polls: dict[str, _PollTracker] = {}
        self._names: dict[str, tuple[str, str]] = {}  # stop id -> (station, stop letter)
        # Lazy heaps (an item whose entry has since left is skipped when it comes up): by
        # expiry, for `prune`; by arrival, latest first, built once the cap is reached.
        self._expiry: list[_HeapItem] = []
        self._latest: list[_HeapItem] | None = None
        self._seq = 0
        self.applied = 0
        self.ignored = 0  # valid records superseded by a newer poll before they arrived
        # The earliest arrival the entry cap has dropped: later buses may be missing.
        self.horizon: datetime | None = None
        # Rows: entries grouped, the groups' sort keys kept sorted; changed groups are placed
        # again when the board is next looked at.
        self._groups: dict[tuple[str, str, str], _Group] = {}
        self._of_stop: dict[str, set[tuple[str, str, str]]] = {}
        self._dirty: set[tuple[str, str, str]] = set()
        self._renamed: set[str] = set()  # stops whose name changed: their rows' widths too
        self._rebuilding = False  # rows are being placed slice by slice, to be sorted at once
        self._sorted: list[_SortKey] = []
        self._filter: BoardFilter | None = None  # the words and lines `_filtered` is for
        self._filtered: list[_SortKey] = []
        # Counts (plain dicts: faster than Counter) of the rows' widths and newest polls.
        self._widths: tuple[dict[int, int], dict[int, int], dict[int, int]] = ({}, {}, {})
        self._updated: dict[datetime, int] = {}

    # -- entries --------------------------------------------------------------------------

    def _put(self, entries: dict[str, Entry], entry: Entry) -> None:
        """Store `entry` (its stop's dict is `entries`), replacing one of the same id."""
        p = entry.prediction
        current = entries.get(p.id)
        if current is not None:
            self._ungroup(current)
        else:
            self._size += 1
        entries[p.id] = entry
        key = (entry.stop_id, p.line_name, p.destination_name)
        group = self._groups.get(key)
        if group is None:
            group = self._groups[key] = _Group()
            self._of_stop.setdefault(entry.stop_id, set()).add(key)
        group.entries[p.id] = entry
        self._dirty.add(key)
        self._seq += 1
        seq = entry.seq = self._seq
        heapq.heappush(self._expiry, (entry.expires, seq, entry.stop_id, p.id))
        if len(self._expiry) > self._heap_limit():
            self._expiry = self._live_items(self._expiry)
        if self._latest is not None:
            item = (-p.expected_arrival.timestamp(), seq, entry.stop_id, p.id)
            heapq.heappush(self._latest, item)
            if len(self._latest) > self._heap_limit():
                self._latest = self._live_items(self._latest)

    def _drop(self, entries: dict[str, Entry], entry: Entry) -> None:
        del entries[entry.prediction.id]
        self._size -= 1
        self._ungroup(entry)

    def _ungroup(self, entry: Entry) -> None:
        p = entry.prediction
        key = (entry.stop_id, p.line_name, p.destination_name)
        group = self._groups[key]
        del group.entries[p.id]
        if not group.entries and group.sort_key is None and group.widths is None:
            self._forget(key)  # never placed: nothing to take back (the cap evicts many)
        else:
            self._dirty.add(key)

    def _forget(self, key: tuple[str, str, str]) -> None:
        del self._groups[key]
        self._dirty.discard(key)
        of_stop = self._of_stop[key[0]]
        of_stop.discard(key)
        if not of_stop:
            del self._of_stop[key[0]]

    def _entry_of(self, item: _HeapItem) -> Entry | None:
        """The entry a heap item is of, if it is still on the board."""
        entry = self._stops.get(item[2], {}).get(item[3])
        return entry if entry is not None and entry.seq == item[1] else None

    def apply(self, decoded: Decoded) -> bool:
        """Fold one record in; False when it does not change the board (flagged or old)."""
        record = decoded.record
        ref = decoded.poll
        prediction = decoded.prediction
        if prediction is None:
            if ref is not None:
                # A flagged record still came from its poll: the poll is complete once all of
                # its records are in, shown or not (so a replay may skip older polls unread).
                self._count(ref.stop_id, ref.poll_time, ref.size)
            return False
        snapshot_size: int | None
        if ref is not None:
            stop_id, poll_time, snapshot_size = ref
        else:
            stop_id, poll_time, snapshot_size = self._partial_poll(record, prediction)
        if self._hidden and stop_id in self._hidden:
            return False  # a stop no longer watched
        tracker = self._tracker(stop_id)
        if tracker.complete is not None and poll_time < tracker.complete:
            self.ignored += 1  # a newer complete poll of this stop has already replaced it
            return False
        entries = self._stops.get(stop_id)
        if entries is None:
            entries = self._stops[stop_id] = {}
        current = entries.get(prediction.id)
        # Only a record at least as new as the one shown replaces or deletes it.
        if current is None or current.poll_time <= poll_time:
            expires = prediction.time_to_live or prediction.expected_arrival + ARRIVED_GRACE
            if prediction.operation_type == OPERATION_DELETE or (
                self._pruned_at is not None and expires <= self._pruned_at
            ):
                if current is not None:
                    self._drop(entries, current)
            elif current is None and self._beyond_cap(prediction.expected_arrival):
                pass  # the cap would drop it at once
            else:
                self._put(
                    entries,
                    Entry(
                        prediction=prediction,
                        stop_id=stop_id,
                        poll_time=poll_time,
                        expires=expires,
                        ref=RecordRef(
                            record.partition, record.offset, record.value, record.timestamp_ms
                        ),
                    ),
                )
        if prediction.station_name:
            name = (prediction.station_name, prediction.platform_name)
            if self._names.get(stop_id) != name:
                self._names[stop_id] = name
                self._dirty.update(self._of_stop.get(stop_id, ()))  # their Stop cell changed
                self._renamed.add(stop_id)
        if snapshot_size is not None:
            self._count_poll(stop_id, entries, tracker, poll_time, snapshot_size)
        self.applied += 1
        if self._size > MAX_ENTRIES:
            self._evict()
        return True

    @staticmethod
    def _partial_poll(record: Record, prediction: Prediction) -> tuple[str, datetime, int | None]:
        """Stop, poll time and size of a record without all three poll headers (rare: not
        tfl-tui's producer), read the slow, general way."""
        stop_id, poll_time, size = partial_poll(record.headers)
        stop_id = stop_id or prediction.naptan_id
        if poll_time is None:
            # Another producer's record: the prediction's own time stands in for the poll's,
            # else the record's (a bus's arrival time would make it look fresh for ever).
            when = prediction.timestamp or record_time(record) or prediction.expected_arrival
            return stop_id, when, None
        return stop_id, poll_time, size

    def _tracker(self, stop_id: str) -> _PollTracker:
        tracker = self._polls.get(stop_id)
        if tracker is None:
            tracker = self._polls[stop_id] = _PollTracker()
        return tracker

    def _count(self, stop_id: str, poll_time: datetime, size: int) -> None:
        tracker = self._tracker(stop_id)
        if tracker.complete is None or poll_time >= tracker.complete:
            entries = self._stops.setdefault(stop_id, {})
            self._count_poll(stop_id, entries, tracker, poll_time, size)

    def apply_all(self, batch: Iterable[Decoded]) -> int:
        changed = 0
        apply = self.apply
        for decoded in batch:
            changed += apply(decoded)
        return changed

    def hide_stops(self, stop_ids: Iterable[str]) -> None:
        """Stop showing these stops: their rows leave now, and their records are passed over
        (a replay too) until `show_stops`."""
        for stop_id in stop_ids:
            self._hidden.add(stop_id)
            entries = self._stops.pop(stop_id, {})
            for entry in list(entries.values()):
                self._drop(entries, entry)

    def show_stops(self, stop_ids: Iterable[str]) -> None:
        self._hidden.difference_update(stop_ids)

    def describe_stops(self, towards: Mapping[str, str]) -> None:
        """Where each stop's buses go, shown after its name: two stops of one place differ
        there (`York Road (W) → Vauxhall`)."""
        for stop_id, text in towards.items():
            if self._towards.get(stop_id, "") != text:
                self._towards[stop_id] = text
                self._dirty.update(self._of_stop.get(stop_id, ()))
                self._renamed.add(stop_id)

    @property
    def stops_seen(self) -> dict[str, str]:
        """Stop id -> "Station name (letter)", for the stops whose name is known."""
        return {stop_id: self._stop_label(stop_id) for stop_id in self._names}

    def _stop_label(self, stop_id: str) -> str:
        name = self._names.get(stop_id)
        if name is None:
            return stop_id
        station, letter = name
        label = f"{station} ({letter})" if letter else station
        towards = self._towards.get(stop_id)
        return f"{label} → {towards}" if towards else label

    def _count_poll(
        self,
        stop_id: str,
        entries: dict[str, Entry],
        tracker: _PollTracker,
        poll_time: datetime,
        size: int,
    ) -> None:
        seen = tracker.seen.get(poll_time, 0) + 1
        if seen < size:
            tracker.seen[poll_time] = seen
            return
        # Complete: everything of this stop from older polls is gone from TfL's answer.
        tracker.complete = poll_time
        tracker.seen = {t: n for t, n in tracker.seen.items() if t > poll_time}
        for entry in [e for e in entries.values() if e.poll_time < poll_time]:
            self._drop(entries, entry)

    def _beyond_cap(self, arrival: datetime) -> bool:
        """The board is full and this bus comes after every one on it (or one dropped)."""
        latest = self._latest
        if not latest or self._size < _kept() or -latest[0][0] >= arrival.timestamp():
            return False
        self._dropped_by_cap(arrival)
        return True

    def _dropped_by_cap(self, arrival: datetime) -> None:
        """Remember the earliest bus the cap has kept off the board (`horizon`)."""
        self.horizon = arrival if self.horizon is None else min(self.horizon, arrival)

    def _evict(self) -> None:
        """Over the cap: drop the latest buses until it is met (the soonest are the ones a
        board shows), and remember the earliest dropped (`horizon`)."""
        latest = self._latest
        if latest is None:  # the first time: one heap of every entry, kept from then on
            latest = self._latest = [
                (-e.prediction.expected_arrival.timestamp(), e.seq, e.stop_id, e.prediction.id)
                for e in self._all()
            ]
            heapq.heapify(latest)
        # A twentieth more than needed; from then on the board stores, and evicts, only buses
        # sooner than those it holds (`_beyond_cap` turns the rest away unstored).
        keep = _kept()
        while self._size > keep and latest:
            entry = self._entry_of(heapq.heappop(latest))
            if entry is not None:
                self._drop(self._stops[entry.stop_id], entry)
                self._dropped_by_cap(entry.prediction.expected_arrival)

    def _all(self) -> Iterator[Entry]:
        for entries in self._stops.values():
            yield from entries.values()

    def prune(self, now: datetime) -> int:
        """Drop predictions whose bus has arrived; returns how many left."""
        if self._pruned_at is None or now > self._pruned_at:
            self._pruned_at = now
        gone = 0
        expiry = self._expiry
        while expiry and expiry[0][0] <= now:
            entry = self._entry_of(heapq.heappop(expiry))
            if entry is not None:
                self._drop(self._stops[entry.stop_id], entry)
                gone += 1
        return gone

    def _heap_limit(self) -> int:
        """Items a lazy heap may hold before those of entries gone are taken out."""
        return 2 * self._size + 4096

    def _live_items(self, heap: list[_HeapItem]) -> list[_HeapItem]:
        live = [item for item in heap if self._entry_of(item) is not None]
        heapq.heapify(live)
        return live

    def entries_for(self, row: Row) -> list[Entry]:
        entries = self._stops.get(row.key[0], {})
        return [entries[i] for i in row.entry_ids if i in entries]

    # -- rows -----------------------------------------------------------------------------

    def view(
        self, now: datetime, board_filter: BoardFilter | None = None, *, by_stop: bool = False
    ) -> _View:
        """The board at `now` as the widget draws it (see core/board_view.py). Buses that have
        come by `now` leave the board first (`prune`). `by_stop`: the rows of each stop
        together (stops in name order), soonest first within each."""
        self.prune(now)
        self._place_changed_rows()
        board_filter = board_filter or BoardFilter()
        names = BoardFilter(board_filter.words, board_filter.lines)
        if names.active:
            if names != self._filter:
                self._filter = names
                self._refilter()
            keys = self._filtered
        else:
            keys = self._sorted
        limit = board_filter.within_seconds
        count = len(keys)
        if limit is not None:  # `<N`: rows are sorted by their soonest bus, so a prefix
            count = bisect.bisect_right(keys, (now.timestamp() + limit, _FAR))
        keys = keys[:count]
        if by_stop:
            # A stable sort keeps each stop's rows soonest first (it costs n log n per look,
            # and only while asked for).
            labels = {stop_id: self._stop_label(stop_id) for stop_id in self._of_stop}
            order = {
                stop_id: rank
                for rank, stop_id in enumerate(sorted(labels, key=lambda s: labels[s]))
            }
            keys.sort(key=lambda k: order.get(k[2][0], -1))
            return _View(self, now, keys, limit, grouped=True)
        return _View(self, now, keys, limit)

    def rows(self, now: datetime, board_filter: BoardFilter | None = None) -> list[Row]:
        """The board at `now`: one row per (stop, line, destination), soonest first."""
        view = self.view(now, board_filter)
        return view.rows(0, len(view))

    def _refilter(self) -> None:
        """The rows that match the filter's words, from the sorted rows, in their order."""
        names = self._filter
        self._filtered = (
            [] if names is None else [k for k in self._sorted if self._matches(names, k[2])]
        )

    def _matches(self, board_filter: BoardFilter, key: tuple[str, str, str]) -> bool:
        stop_id, line, destination = key
        return board_filter.matches_names(line, destination, self._stop_label(stop_id))

    def _line_order(self, line: str) -> tuple[int, str]:
        order = self._line_orders.get(line)
        if order is None:
            if len(self._line_orders) > 4 * MAX_ENTRIES:
                self._line_orders.clear()
            order = self._line_orders[line] = _line_order(line)
        return order

    def settle(self, now: datetime, budget: int = SETTLE_BUDGET) -> bool:
        """Put up to `budget` changed rows in place; True once every row is (`view` is then
        cheap). After a replay every row is new: the UI settles the board a slice at a time,
        so that a key pressed meanwhile need not wait for all of it."""
        self.prune(now)
        return self._place_changed_rows(budget)

    def _place_changed_rows(self, budget: int | None = None) -> bool:
        """Give rows changed since the last look their new place in the sorted lists (at most
        `budget` of them); True when none is left."""
        rebuild = self._rebuilding or len(self._dirty) * 8 > len(self._sorted)
        if not rebuild or budget is None or len(self._dirty) <= budget:
            dirty, self._dirty = self._dirty, set()
        else:  # most rows changed: place them slice by slice, then sort once
            dirty = {self._dirty.pop() for _ in range(budget)}
        self._rebuilding = rebuild
        renamed = self._renamed
        sorted_keys, filtered, names = self._sorted, self._filtered, self._filter
        for key in dirty:
            group = self._groups.get(key)
            if group is None:
                continue
            old = group.sort_key
            if old is not None and not rebuild:
                _remove(sorted_keys, old)
                if names is not None:
                    _remove(filtered, old)
            if not group.entries:
                self._recount(group, None, None)
                self._forget(key)
                continue
            # One pass for the soonest bus and the newest poll: after a replay every row is new.
            first = updated = None
            for entry in group.entries.values():
                arrival, polled = entry.prediction.expected_arrival, entry.poll_time
                if first is None or arrival < first:
                    first = arrival
                if updated is None or polled > updated:
                    updated = polled
            assert first is not None
            widths = group.widths
            if widths is None or key[0] in renamed:
                stop_id, line, destination = key
                label = self._stop_label(stop_id)
                widths = (self._width(line), self._width(destination), self._width(label))
            self._recount(group, widths, updated)
            new = group.sort_key = (first.timestamp(), self._line_order(key[1]), key)
            if not rebuild:
                bisect.insort(sorted_keys, new)
                if names is not None and self._matches(names, key):
                    bisect.insort(filtered, new)
        if self._dirty:
            return False
        if rebuild:
            self._sorted = sorted(g.sort_key for g in self._groups.values() if g.sort_key)
            if names is not None:
                self._refilter()
        self._rebuilding = False
        self._renamed = set()
        return True

    def _recount(
        self,
        group: _Group,
        widths: tuple[int, int, int] | None,
        updated: datetime | None,
    ) -> None:
        """Keep the column widths and the rows' poll times counted as `group` changes (None:
        the row is gone)."""
        if widths != group.widths:
            for counter, old, new in zip(
                self._widths, group.widths or (None,) * 3, widths or (None,) * 3, strict=True
            ):
                if old is not None:
                    _uncount(counter, old)
                if new is not None:
                    _count(counter, new)
            group.widths = widths
        if updated != group.updated:
            if group.updated is not None:
                _uncount(self._updated, group.updated)
            if updated is not None:
                _count(self._updated, updated)
            group.updated = updated
        if widths is None:
            group.sort_key = None

    def _width(self, text: str) -> int:
        """How wide `text` is on screen (made safe): the same names come back row after row."""
        width = self._widths_of.get(text)
        if width is None:
            if len(self._widths_of) > 4 * MAX_ENTRIES:
                self._widths_of.clear()
            width = self._widths_of[text] = len(safe_text(text))
        return width

    def _content(self, now: datetime) -> Content:
        """The widest text of each column over every row (counted, not walked)."""
        line, destination, stop = (max(c, default=0) for c in self._widths)
        updated = len("Updated")
        if self._updated:
            oldest = min(self._updated)
            age = format_age((now - oldest).total_seconds())
            stale = now - oldest > self.stale_after
            # "59s ago" is as wide as an age gets under an hour; a stale row says so first.
            updated = max(updated, len(age), len("59s ago")) + (len("stale · ") if stale else 0)
        return Content(
            line=max(line, len("Line")),
            destination=max(destination, len("Destination")),
            stop=max(stop, len("Stop")),
            updated=updated,
            stops=len(self._of_stop),
        )

    def _row(self, key: tuple[str, str, str], now: datetime, limit: float | None) -> Row | None:
        group = self._groups.get(key)
        if group is None or not group.entries:
            return None
        # Ties by id: the order must not depend on the order records were folded in.
        found = sorted(
            group.entries.values(), key=lambda e: (e.prediction.expected_arrival, e.prediction.id)
        )
        updated = max(e.poll_time for e in found)
        entries = found
        if limit is not None:  # `<N`: only the buses due within N minutes
            entries = [
                e for e in found if (e.prediction.expected_arrival - now).total_seconds() <= limit
            ]
            if not entries:
                return None
        etas = tuple(
            max(0, int((e.prediction.expected_arrival - now).total_seconds()))
            for e in entries[:ETAS_PER_ROW]
        )
        stop_id, line, destination = key
        return Row(
            key=key,
            line=line,
            destination=destination,
            stop=self._stop_label(stop_id),
            etas=etas,
            updated=updated,
            stale=now - updated > self.stale_after,
            entry_ids=tuple(e.prediction.id for e in entries),
        )


class _View:
    """A `BoardView` (core/board_view.py) of a `Board`: the sorted keys as they were when it
    was made; rows are built only for the part asked for."""

    def __init__(
        self,
        board: Board,
        now: datetime,
        keys: list[_SortKey],
        limit: float | None,
        *,
        grouped: bool = False,
    ) -> None:
        self._board = board
        self._now = now
        self._keys = keys
        self._limit = limit
        self._content: Content | None = None
        # Grouped keys are not in sort order: found by a map made when first asked.
        self._index: dict[_SortKey, int] | None = None if grouped else {}

    @property
    def now(self) -> datetime:
        return self._now

    @property
    def content(self) -> Content:
        if self._content is None:
            self._content = self._board._content(self._now)
        return self._content

    def __len__(self) -> int:
        return len(self._keys)

    def rows(self, start: int, stop: int) -> list[Row]:
        made = (
            self._board._row(k[2], self._now, self._limit)
            for k in self._keys[max(start, 0) : max(stop, 0)]
        )
        return [row for row in made if row is not None]

    def index_of(self, key: tuple[str, str, str]) -> int | None:
        group = self._board._groups.get(key)
        if group is None or group.sort_key is None:
            return None
        if self._index is None:
            self._index = {k: i for i, k in enumerate(self._keys)}
        if self._index:
            return self._index.get(group.sort_key)
        index = bisect.bisect_left(self._keys, group.sort_key)
        found = index < len(self._keys) and self._keys[index] == group.sort_key
        return index if found else None


def _kept() -> int:
    """What a full board keeps when it evicts (MAX_ENTRIES is read when needed: tests set it)."""
    return MAX_ENTRIES - MAX_ENTRIES // 20


def _remove(keys: list[_SortKey], key: _SortKey) -> None:
    index = bisect.bisect_left(keys, key)
    if index < len(keys) and keys[index] == key:
        del keys[index]


def _count(counter: dict[Any, int], value: Any) -> None:
    counter[value] = counter.get(value, 0) + 1


def _uncount(counter: dict[Any, int], value: Any) -> None:
    left = counter[value] - 1
    if left:
        counter[value] = left
    else:
        del counter[value]
