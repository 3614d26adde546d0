"""Records on the topic: decoding with a verdict (and the poll each came from), and the output
formats. The poll headers' layout is tfl_tui.core.poll_headers.

Pure module: the Kafka adapter turns confluent-kafka messages into `Record`s; everything a
consumer or the dashboard needs to know about a record is decided here.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from tfl_tui.core.poll_headers import Headers, PollRef, header_text, poll_ref
from tfl_tui.core.text import clip, safe_json, safe_text
from tfl_tui.tfl.prediction import (
    InvalidPrediction,
    Prediction,
    decode_prediction,
    decode_prediction_json,
)


class Record(msgspec.Struct, frozen=True, gc=False):
    """One record from the topic. A Struct (built in C, not tracked by the garbage collector):
    the dashboard makes one per record, a few hundred thousand a second in a replay."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp_ms: int | None
    headers: Headers = ()

    def header(self, name: str) -> str | None:
        """The first value of header `name`, as text (None: absent, or without a value)."""
        return header_text(self.headers, name)

    @property
    def key_text(self) -> str | None:
        return None if self.key is None else self.key.decode("utf-8", errors="replace")


_UNPARSED: Any = object()


class Decoded(msgspec.Struct, gc=False):
    """A record's value as JSON and as a prediction, or the reason it is neither."""

    record: Record
    prediction: Prediction | None = None
    problem: str | None = None  # set when the record is flagged
    is_json: bool = False
    # The poll it came from (None: no poll headers), read once, by whoever read the record.
    poll: PollRef | None = None
    # The parsed JSON, when decoding needed it; else parsed on first use of `value` (the fast
    # path never builds the dict: only the few records on screen need it).
    parsed: Any = _UNPARSED

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def text(self) -> str:
        """The value as text (lossless when it was UTF-8); made when asked for: most records
        of a replay are never shown."""
        return value_text(self.record.value)

    @property
    def value(self) -> Any:
        """The parsed JSON when the value is JSON (see is_json: JSON null is None too)."""
        if not self.is_json:
            return None
        if self.parsed is _UNPARSED:
            self.parsed = json.loads(self.text)
        return self.parsed


def record_time(record: Record) -> datetime | None:
    """The record's own timestamp (None: none, or one no date can hold)."""
    if record.timestamp_ms is None:
        return None
    try:
        return datetime.fromtimestamp(record.timestamp_ms / 1000, UTC)
    except (ValueError, OverflowError, OSError):  # beyond year 9999: a hostile producer's
        return None


def value_text(value: bytes | None) -> str:
    """A record's value as text: UTF-8, any byte that is not shown as an escape (`\\xff`)."""
    return "" if value is None else value.decode("utf-8", errors="backslashreplace")


_FROM_HEADERS: Any = object()


def decode_record(record: Record, poll: PollRef | None = _FROM_HEADERS) -> Decoded:
    """Never raises: anything odd on the topic becomes a flagged `Decoded` with a reason.

    `poll`: the record's poll when the caller has read it already (the consumer worker reads
    every record's for the lookahead); otherwise it is read from the headers here.
    """
    if poll is _FROM_HEADERS:
        poll = poll_ref(record.headers)
    raw = record.value
    if raw is None:
        return Decoded(record, problem="empty value (tombstone)", poll=poll)
    if not raw.isascii():  # ASCII is UTF-8; msgspec does not check the fields it skips
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as error:
            return Decoded(record, problem=f"not UTF-8 (byte {error.start})", poll=poll)
    prediction = decode_prediction_json(raw)
    if prediction is not None:
        return Decoded(record, prediction=prediction, is_json=True, poll=poll)
    # The slow path: decides everything the fast one could not vouch for, and says why.
    problem = None
    try:
        value = json.loads(raw.decode("utf-8"))
    except json.JSONDecodeError as error:
        # Some of json's messages end in " at" already ("Invalid control character at").
        problem = f"not JSON ({error.msg.removesuffix(' at')} at char {error.pos})"
    except ValueError:  # json.loads refuses integers of more than 4300 digits
        problem = "not JSON (a number has too many digits)"
    except RecursionError:
        problem = "not JSON (nested too deeply)"
    if problem is not None:
        return Decoded(record, problem=problem, poll=poll)
    try:
        prediction = decode_prediction(value)
    except InvalidPrediction as error:
        return Decoded(
            record,
            problem=f"not a prediction: {error}",
            is_json=True,
            parsed=value,
            poll=poll,
        )
    return Decoded(record, prediction=prediction, is_json=True, parsed=value, poll=poll)


def format_line(decoded: Decoded, value_limit: int | None = 4000) -> str:
    """The tutorial's consumer line, plus partition and offset, flagged when invalid."""
    record = decoded.record
    where = f"{record.topic} [partition {record.partition}, offset {record.offset}]"
    key = clip(safe_text(record.key_text or "null"), 200)
    value = safe_text(decoded.text or "null")
    if value_limit is not None:
        value = clip(value, value_limit)
    if decoded.problem:
        return f"INVALID message from {where} ({decoded.problem}): key={key}, value={value}"
    return f"Consumed message from {where}: key={key}, value={value}"


def timestamp_iso(timestamp_ms: int | None) -> str | None:
    if timestamp_ms is None or timestamp_ms < 0:
        return None
    try:
        moment = datetime.fromtimestamp(timestamp_ms / 1000, UTC)
    except (ValueError, OverflowError, OSError):  # beyond year 9999: set by a hostile producer
        return None
    return moment.isoformat(timespec="milliseconds")


LONDON = ZoneInfo("Europe/London")


def london_time(timestamp_ms: int | None, *, with_date: bool = False) -> str | None:
    """A record's time as Londoners read it, with its zone: `08:15:02.318 BST` (the raw panel
    and the records screen; `consume --json` keeps ISO 8601 UTC)."""
    if timestamp_ms is None or timestamp_ms < 0:
        return None
    try:
        moment = datetime.fromtimestamp(timestamp_ms / 1000, UTC).astimezone(LONDON)
    except (ValueError, OverflowError, OSError):  # beyond year 9999: set by a hostile producer
        return None
    shown = moment.strftime("%Y-%m-%d %H:%M:%S" if with_date else "%H:%M:%S")
    return f"{shown}.{moment.microsecond // 1000:03d} {moment.tzname()}"


def to_json_line(decoded: Decoded) -> str:
    """`to_json_object` encoded: valid JSON in which no character can drive a terminal."""
    return safe_json(json.dumps(to_json_object(decoded), ensure_ascii=False))


def to_json_object(decoded: Decoded) -> dict[str, Any]:
    """One `consume --json` line: the record with its value parsed when it is JSON."""
    record = decoded.record
    out: dict[str, Any] = {
        "topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        "key": record.key_text,
        "timestamp": timestamp_iso(record.timestamp_ms),
        "headers": {
            name: None if value is None else value.decode("utf-8", errors="replace")
            for name, value in record.headers
        },
        "value": decoded.value if decoded.is_json else decoded.text or None,
    }
    if decoded.problem:
        out["problem"] = decoded.problem
    return out
