"""The poll headers: how tfl-tui's producer writes a poll's metadata beside each record, and
how a reader gets it back (whole, from the producer's layout or any other, or in part).

The value stays TfL's own prediction object; what the producer knows about the poll travels in
headers. Pure module.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple

from tfl_tui.tfl.prediction import parse_tfl_time

HEADER_STOP = "tfl.stop_id"
HEADER_POLL_TIME = "tfl.poll_time"  # when the stop was polled, ISO 8601 UTC
HEADER_POLL_SEQ = "tfl.poll_seq"  # per-producer counter of polls of that stop
HEADER_SNAPSHOT_SIZE = "tfl.snapshot_size"  # how many predictions that poll produced
HEADER_SOURCE = "tfl.source"  # "tfl" or "demo"

Headers = tuple[tuple[str, bytes | None], ...]
AnyHeaders = Headers | list[tuple[str, Any]]


class PollRef(NamedTuple):
    """Which poll a record came from: its stop, when it ran, how many records it produced."""

    stop_id: str
    poll_time: datetime
    size: int


def write_headers(
    stop_id: str, polled_at: datetime, seq: int, size: int, source: str
) -> list[tuple[str, bytes]]:
    """The headers of every record of one poll, in the layout `PollRefReader` reads fastest."""
    return [
        (HEADER_STOP, stop_id.encode()),
        (HEADER_POLL_TIME, polled_at.isoformat(timespec="milliseconds").encode()),
        (HEADER_POLL_SEQ, str(seq).encode()),
        (HEADER_SNAPSHOT_SIZE, str(size).encode()),
        (HEADER_SOURCE, source.encode()),
    ]


def _as_text(value: bytes | str) -> str:
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else value


def _ref(stop: Any, poll_time: Any, size: Any) -> PollRef | None:
    if stop is None or poll_time is None or size is None:
        return None
    stop_id = _as_text(stop)
    try:
        return PollRef(stop_id, parse_tfl_time(_as_text(poll_time)), int(size)) if stop_id else None
    except ValueError:
        return None


def _key(headers: AnyHeaders | None) -> tuple[Any, Any, Any]:
    """The raw stop, poll time and size of a record's headers, in any layout."""
    named = dict(reversed(headers or ()))  # built in C; reversed: the first of a name wins
    return named.get(HEADER_STOP), named.get(HEADER_POLL_TIME), named.get(HEADER_SNAPSHOT_SIZE)


def poll_ref(headers: AnyHeaders | None) -> PollRef | None:
    """The poll of a record with all three poll headers (the first of each); else None."""
    return _ref(*_key(headers))


class PollRefReader:
    """`poll_ref` for many records at once, remembering each poll it has read: every record of
    a poll carries the same headers. One reader per thread (the consumer worker owns one)."""

    CACHE_LIMIT = 4096

    def __init__(self) -> None:
        self._cache: dict[tuple[Any, Any, Any], PollRef | None] = {}

    def refs(self, many: Iterable[AnyHeaders | None]) -> list[PollRef | None]:
        """The poll of each record's headers (None: none or incomplete); the replay's hot path,
        so the producer's own layout is checked here, inline."""
        refs: list[PollRef | None] = []
        add = refs.append
        cache = self._cache
        for headers in many:
            if (
                headers
                and len(headers) == 5
                and headers[0][0] == HEADER_STOP
                and headers[1][0] == HEADER_POLL_TIME
                and headers[2][0] == HEADER_POLL_SEQ
                and headers[3][0] == HEADER_SNAPSHOT_SIZE
            ):
                key = (headers[0][1], headers[1][1], headers[3][1])  # read in place
            else:
                key = _key(headers)
            ref = cache.get(key, _UNSEEN)
            if ref is _UNSEEN:
                if len(cache) >= self.CACHE_LIMIT:
                    cache.clear()
                ref = cache[key] = _ref(*key)
            add(ref)
        return refs


_UNSEEN: Any = object()


def header_text(headers: AnyHeaders, name: str) -> str | None:
    """The first value of header `name`, as text (None: absent, or without a value)."""
    for key, value in headers:
        if key == name and value is not None:
            return _as_text(value)
    return None


def partial_poll(headers: AnyHeaders) -> tuple[str | None, datetime | None, int | None]:
    """Stop, poll time and size of a record without all three poll headers (not tfl-tui's
    producer, or a damaged record): whichever of them it has and can be read."""
    poll_time = header_text(headers, HEADER_POLL_TIME)
    size = header_text(headers, HEADER_SNAPSHOT_SIZE)
    try:
        when = parse_tfl_time(poll_time) if poll_time else None
    except ValueError:
        when = None
    try:
        count = int(size) if size is not None else None
    except ValueError:
        count = None
    return header_text(headers, HEADER_STOP) or None, when, count
