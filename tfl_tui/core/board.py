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

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import msgspec

from tfl_tui.core.poll_headers import partial_poll
from tfl_tui.core.records import Decoded, Record
from tfl_tui.tfl.prediction import OPERATION_DELETE, Prediction

if TYPE_CHECKING:
    from tfl_tui.core.board_view import BoardView

# TfL's own convention: a prediction lives until 30 s after the bus was expected.
ARRIVED_GRACE = timedelta(seconds=30)
# Bound on live predictions whatever the topic holds (a busy stop has a few dozen).
MAX_ENTRIES = 20_000
# At most this many arrivals are listed per row.
ETAS_PER_ROW = 3


class RecordRef(msgspec.Struct, frozen=True, gc=False):
    """Where a prediction came from on the topic, and its raw JSON, for "show records"."""

    partition: int
    offset: int
    text: str
    timestamp_ms: int | None = None


class Entry(msgspec.Struct, gc=False):
    # Structs, like the records they come from: one is made per record folded.
    prediction: Prediction
    stop_id: str
    poll_time: datetime  # when its poll ran (the record's timestamp without poll headers)
    expires: datetime
    ref: RecordRef


@dataclass(slots=True)
class _PollTracker:
    """Per stop: which poll is the newest complete one, and how far newer ones have arrived."""

    complete: datetime | None = None
    seen: dict[datetime, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the board: the next buses of one line to one destination at one stop."""

    key: tuple[str, str, str]  # (stop id, line, destination): stable across updates
    line: str
    destination: str
    stop: str
    etas: tuple[int, ...]  # seconds until each of the next buses, soonest first
    updated: datetime  # newest poll behind the row
    stale: bool
    entry_ids: tuple[str, ...]


def format_eta(seconds: int) -> str:
    """`Due` under a minute, then whole minutes: `1 min`, `12 min`."""
    return "Due" if seconds < 60 else f"{seconds // 60} min"


def format_etas(etas: Iterable[int]) -> str:
    return " · ".join(format_eta(s) for s in etas)


def format_age(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s ago"
    if seconds < 3600:
        return f"{seconds // 60}m ago"
    return f"{seconds // 3600}h ago"


def format_updated(row: Row, now: datetime) -> str:
    """The Updated column: how old the newest poll behind the row is, and whether it is stale."""
    age = format_age((now - row.updated).total_seconds())
    return f"stale · {age}" if row.stale else age


_WITHIN = re.compile(r"^<\s*(\d+(?:\.\d+)?)$")


@dataclass(frozen=True, slots=True)
class BoardFilter:
    """What `/` understands: words, `line:ID`, `<N` (buses due within N minutes).

    A word matches a row when it is part of its destination or its stop's name, or is its line
    (`55`, `n38`: the whole line, so `n38` does not find the N381). `<N` keeps only the buses
    due within N minutes, and the rows that have one. `victoria <10` is the tutorial's ksqlDB
    example: buses to Victoria within 10 minutes.
    """

    words: tuple[str, ...] = ()
    lines: tuple[str, ...] = ()
    within_minutes: float | None = None

    @classmethod
    def parse(cls, text: str) -> BoardFilter:
        words: list[str] = []
        lines: list[str] = []
        within: float | None = None
        # "< 10" is read as "<10": people type a space after the sign.
        for part in re.sub(r"<\s+(?=\d)", "<", text.lower()).split():
            if part.startswith("line:"):
                if part[5:]:
                    lines.append(part[5:])
                continue
            match = _WITHIN.match(part)
            if match:
                within = float(match.group(1))
            elif part != "<":  # a lone "<" while typing "<10" matches everything
                words.append(part)
        return cls(tuple(words), tuple(lines), within)

    @property
    def active(self) -> bool:
        return bool(self.words or self.lines or self.within_minutes is not None)

    def describe(self) -> str:
        parts = [*self.words, *(f"line:{line}" for line in self.lines)]
        if self.within_minutes is not None:
            minutes = self.within_minutes
            parts.append(f"<{int(minutes) if minutes.is_integer() else minutes}")
        return " ".join(parts)

    @property
    def within_seconds(self) -> float | None:
        return None if self.within_minutes is None else self.within_minutes * 60

    def matches(self, row: Row) -> bool:
        if self.words:
            destination, stop, line = row.destination.lower(), row.stop.lower(), row.line.lower()
            if any(
                word not in destination and word not in stop and word != line for word in self.words
            ):
                return False
        if self.lines and row.line.lower() not in self.lines:
            return False
        return self.within_minutes is None or (
            bool(row.etas) and row.etas[0] <= self.within_minutes * 60
        )


def _record_time(record: Record) -> datetime | None:
    if record.timestamp_ms is None:
        return None
    try:
        return datetime.fromtimestamp(record.timestamp_ms / 1000, UTC)
    except (ValueError, OverflowError, OSError):  # beyond year 9999: a hostile producer's
        return None


class Board:
    """The live state of every watched stop, folded from decoded records."""

    def __init__(self, stale_after: timedelta = timedelta(seconds=60)) -> None:
        self.stale_after = stale_after
        # Per stop, by prediction id: a complete poll replaces one stop's entries, and must not
        # have to look at every other stop's.
        self._stops: dict[str, dict[str, Entry]] = {}
        self._size = 0
        self._polls: dict[str, _PollTracker] = {}
        self._names: dict[str, tuple[str, str]] = {}  # stop id -> (station, stop letter)
        # The latest `prune`: a prediction gone by then would go at the next one, so it is
        # never stored (a replay of hours of history would hold thousands between prunes).
        self._pruned_at: datetime | None = None
        self.applied = 0
        self.ignored = 0  # valid records superseded by a newer poll before they arrived
        # The earliest arrival the entry cap has dropped: later buses may be missing.
        self.horizon: datetime | None = None

    def __len__(self) -> int:
        return self._size

    def _all(self) -> Iterator[Entry]:
        for entries in self._stops.values():
            yield from entries.values()

    def clear(self) -> None:
        self._stops.clear()
        self._size = 0
        self._polls.clear()
        self._names.clear()
        self.applied = self.ignored = 0

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
                    del entries[prediction.id]
                    self._size -= 1
            else:
                entries[prediction.id] = Entry(
                    prediction=prediction,
                    stop_id=stop_id,
                    poll_time=poll_time,
                    expires=expires,
                    ref=RecordRef(
                        record.partition, record.offset, decoded.text, record.timestamp_ms
                    ),
                )
                self._size += current is None
        if prediction.station_name:
            self._names[stop_id] = (prediction.station_name, prediction.platform_name)
        if snapshot_size is not None:
            self._count_poll(entries, tracker, poll_time, snapshot_size)
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
            when = prediction.timestamp or _record_time(record) or prediction.expected_arrival
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
            self._count_poll(self._stops.setdefault(stop_id, {}), tracker, poll_time, size)

    def apply_all(self, batch: Iterable[Decoded]) -> int:
        changed = 0
        apply = self.apply
        for decoded in batch:
            changed += apply(decoded)
        return changed

    @property
    def stops_seen(self) -> dict[str, str]:
        """Stop id -> "Station name (letter)", for the stops whose name is known."""
        return {
            stop_id: f"{station} ({letter})" if letter else station
            for stop_id, (station, letter) in self._names.items()
        }

    def _count_poll(
        self, entries: dict[str, Entry], tracker: _PollTracker, poll_time: datetime, size: int
    ) -> None:
        seen = tracker.seen.get(poll_time, 0) + 1
        if seen < size:
            tracker.seen[poll_time] = seen
            return
        # Complete: everything of this stop from older polls is gone from TfL's answer.
        tracker.complete = poll_time
        tracker.seen = {t: n for t, n in tracker.seen.items() if t > poll_time}
        for key in [k for k, e in entries.items() if e.poll_time < poll_time]:
            del entries[key]
            self._size -= 1

    def _replace_all(self, kept: Iterable[Entry]) -> None:
        self._stops = {}
        self._size = 0
        for entry in kept:
            self._stops.setdefault(entry.stop_id, {})[entry.prediction.id] = entry
            self._size += 1

    def _evict(self) -> None:
        # Keep the soonest buses: those are the ones a board shows. Evicting a tenth more than
        # needed keeps the sort off the path of every record once the board is full.
        keep = MAX_ENTRIES - MAX_ENTRIES // 10
        ordered = sorted(self._all(), key=lambda entry: entry.prediction.expected_arrival)
        first_dropped = ordered[keep].prediction.expected_arrival
        self.horizon = first_dropped if self.horizon is None else min(self.horizon, first_dropped)
        self._replace_all(ordered[:keep])

    def prune(self, now: datetime) -> int:
        """Drop predictions whose bus has arrived; returns how many left."""
        if self._pruned_at is None or now > self._pruned_at:
            self._pruned_at = now
        gone = 0
        for entries in self._stops.values():
            for key in [k for k, e in entries.items() if e.expires <= now]:
                del entries[key]
                gone += 1
        self._size -= gone
        return gone

    def entries_for(self, row: Row) -> list[Entry]:
        entries = self._stops.get(row.key[0], {})
        return [entries[i] for i in row.entry_ids if i in entries]

    def view(self, now: datetime, board_filter: BoardFilter | None = None) -> BoardView:
        """The board at `now` as the widget draws it (see core/board_view.py)."""
        from tfl_tui.core.board_view import RowsView

        return RowsView(self.rows(now, board_filter), now)

    def rows(self, now: datetime, board_filter: BoardFilter | None = None) -> list[Row]:
        """The board at `now`: one row per (stop, line, destination), soonest first."""
        groups: dict[tuple[str, str, str], list[Entry]] = {}
        for entry in self._all():
            if entry.expires <= now:
                continue
            p = entry.prediction
            groups.setdefault((entry.stop_id, p.line_name, p.destination_name), []).append(entry)
        rows = []
        names = self.stops_seen
        limit = None if board_filter is None else board_filter.within_seconds
        for key, found in groups.items():
            # Ties by id: the order must not depend on the order records were folded in.
            found.sort(key=lambda e: (e.prediction.expected_arrival, e.prediction.id))
            updated = max(e.poll_time for e in found)
            entries = found
            if limit is not None:  # `<N`: only the buses due within N minutes
                entries = [
                    e
                    for e in found
                    if (e.prediction.expected_arrival - now).total_seconds() <= limit
                ]
                if not entries:
                    continue
            etas = tuple(
                max(0, int((e.prediction.expected_arrival - now).total_seconds()))
                for e in entries[:ETAS_PER_ROW]
            )
            stop_id, line, destination = key
            row = Row(
                key=key,
                line=line,
                destination=destination,
                stop=names.get(stop_id, stop_id),
                etas=etas,
                updated=updated,
                stale=now - updated > self.stale_after,
                entry_ids=tuple(e.prediction.id for e in entries),
            )
            if board_filter is None or board_filter.matches(row):
                rows.append(row)
        rows.sort(key=lambda r: (r.etas[0] if r.etas else 10**9, _line_order(r.line), r.key))
        return rows


def _line_order(line: str) -> tuple[int, str]:
    """Natural order of line names: 26 < 77 < 139 < N381."""
    # isdecimal, not isdigit: "²" is a digit that int() refuses (a line name from the topic).
    digits = "".join(ch for ch in line if ch.isdecimal())
    return (int(digits) if digits else 10**6, line)
