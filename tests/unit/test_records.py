"""Records on the topic: decoding with a verdict, headers, and the consumer's output formats."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.unit.factories import WATERLOO, prediction
from tfl_tui.core.poll_headers import (
    HEADER_POLL_SEQ,
    HEADER_POLL_TIME,
    HEADER_SNAPSHOT_SIZE,
    HEADER_SOURCE,
    HEADER_STOP,
    Headers,
    PollRefReader,
    poll_ref,
)
from tfl_tui.core.records import (
    Decoded,
    Record,
    decode_record,
    format_line,
    london_time,
    to_json_object,
)

TOPIC = "london_transport"
WHERE = f"{TOPIC} [partition 2, offset 17]"
POLL_TIME_MS = 1_714_524_072_454  # 2024-05-01T00:41:12.454Z


def record(
    value: bytes | None, key: bytes | None = b"n381", headers: Headers = (), **fields: Any
) -> Record:
    defaults: dict[str, Any] = {"partition": 2, "offset": 17, "timestamp_ms": POLL_TIME_MS}
    return Record(TOPIC, key=key, value=value, headers=headers, **(defaults | fields))


def prediction_bytes(**fields: Any) -> bytes:
    return json.dumps(prediction(**fields)).encode()


def decoded(value: bytes | None, **fields: Any) -> Decoded:
    return decode_record(record(value, **fields))


# --- decode_record -----------------------------------------------------------------------


def test_valid_prediction_decodes() -> None:
    raw = prediction_bytes()
    result = decoded(raw)
    assert result.ok
    assert result.problem is None
    assert result.value == prediction()
    assert result.text == raw.decode()
    assert result.prediction is not None
    assert result.prediction.line_id == "n381"
    assert result.prediction.naptan_id == WATERLOO


def test_non_utf8_is_flagged_with_the_byte_position() -> None:
    result = decoded(b'{"id": "\xff"}')
    assert not result.ok
    assert result.problem == "not UTF-8 (byte 8)"
    assert result.text == '{"id": "\\xff"}'  # shown, never silently replaced
    assert result.value is None
    assert result.prediction is None


def test_invalid_json_is_flagged() -> None:
    result = decoded(b'{"lineId": "n381",')
    assert not result.ok
    assert result.problem is not None
    assert result.problem.startswith("not JSON (")
    assert result.text == '{"lineId": "n381",'
    assert result.value is None


@pytest.mark.parametrize(
    ("raw", "value", "kind"),
    [
        (b"[1, 2]", [1, 2], "list"),
        (b"42", 42, "int"),
        (b'"hello"', "hello", "str"),
        (b"null", None, "null"),
    ],
)
def test_json_that_is_not_an_object_is_flagged(raw: bytes, value: object, kind: str) -> None:
    result = decoded(raw)
    assert not result.ok
    assert result.problem == f"not a prediction: expected a prediction object, got {kind}"
    assert result.value == value
    assert result.prediction is None


def test_tombstone_is_flagged() -> None:
    result = decoded(None)
    assert not result.ok
    assert result.problem == "empty value (tombstone)"
    assert result.text == ""


def test_object_that_is_not_a_prediction_is_flagged_with_the_reason() -> None:
    result = decoded(prediction_bytes(timeToStation="soon"))
    assert not result.ok
    assert result.problem is not None
    assert result.problem.startswith("not a prediction: ")
    assert "'timeToStation'" in result.problem
    assert result.value == prediction(timeToStation="soon")  # still shown as JSON


TOO_MANY_DIGITS = "not JSON (a number has too many digits)"


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        pytest.param(b"1" * 5000, TOO_MANY_DIGITS, id="5000-digit-number"),
        pytest.param(b'{"timeToStation": ' + b"9" * 5000 + b"}", TOO_MANY_DIGITS, id="in-a-field"),
        pytest.param(b"[" * 100_000 + b"]" * 100_000, "not JSON (nested too deeply)", id="deep"),
    ],
)
def test_json_python_refuses_to_load_is_flagged_not_raised(raw: bytes, problem: str) -> None:
    result = decoded(raw)
    assert result.problem == problem
    assert result.text == raw.decode()


json_texts = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
).map(json.dumps)


@given(raw=st.none() | st.binary(max_size=200) | json_texts.map(str.encode))
def test_decode_record_never_raises(raw: bytes | None) -> None:
    result = decoded(raw)
    assert result.ok == (result.prediction is not None)
    assert result.ok == (result.problem is None)


# --- Record helpers ----------------------------------------------------------------------


def test_header_lookup() -> None:
    rec = record(
        None,
        headers=(
            (HEADER_STOP, WATERLOO.encode()),
            (HEADER_SOURCE, None),
            ("bad", b"\xff"),
            (HEADER_POLL_SEQ, b"7"),
        ),
    )
    assert rec.header(HEADER_STOP) == WATERLOO
    assert rec.header(HEADER_POLL_SEQ) == "7"
    assert rec.header(HEADER_SOURCE) is None  # present without a value
    assert rec.header(HEADER_POLL_TIME) is None  # absent
    assert rec.header("bad") == "\ufffd"


@pytest.mark.parametrize(
    ("key", "text"), [(None, None), (b"n381", "n381"), (b"", ""), (b"n\xff", "n\ufffd")]
)
def test_key_text(key: bytes | None, text: str | None) -> None:
    assert record(None, key=key).key_text == text


# --- format_line ---------------------------------------------------------------------------


def test_line_uses_the_tutorial_wording() -> None:
    raw = prediction_bytes()
    assert format_line(decoded(raw)) == (
        f"Consumed message from {WHERE}: key=n381, value={raw.decode()}"
    )


def test_invalid_line_is_flagged_with_the_reason() -> None:
    assert format_line(decoded(b"[1, 2]")) == (
        f"INVALID message from {WHERE} (not a prediction: expected a prediction object, "
        "got list): key=n381, value=[1, 2]"
    )


def test_tombstone_without_key_line() -> None:
    assert format_line(decoded(None, key=None)) == (
        f"INVALID message from {WHERE} (empty value (tombstone)): key=null, value=null"
    )


@pytest.mark.parametrize(
    "hostile",
    ["\x1b[2J", "\x1b]0;pwned\x07", "\r\nConsumed message from fake", "\x9b31m", "\x00", "\u2028"],
)
def test_control_characters_are_escaped(hostile: str) -> None:
    line = format_line(decoded(hostile.encode(), key=hostile.encode()))
    assert all(ch.isprintable() for ch in line)
    assert line.count(repr(hostile)[1:-1]) == 2  # key and value, each shown escaped


@given(key=st.text(max_size=50), value=st.text(max_size=50))
def test_any_line_is_one_printable_line(key: str, value: str) -> None:
    line = format_line(decoded(value.encode(), key=key.encode()))
    assert all(ch.isprintable() for ch in line)


def test_long_values_are_truncated_with_a_note() -> None:
    raw = json.dumps({"filler": "x" * 10_000}).encode()
    line = format_line(decoded(raw), value_limit=100)
    assert line.endswith(f"… ({len(raw) - 100} more characters)")
    assert raw.decode()[:100] in line
    assert len(line) < 300


def test_default_limit_truncates_and_none_keeps_everything() -> None:
    raw = json.dumps({"filler": "x" * 10_000}).encode()
    assert "more characters)" in format_line(decoded(raw))
    assert len(format_line(decoded(raw))) < 4500
    assert format_line(decoded(raw), value_limit=None).endswith(raw.decode())


def test_long_keys_are_truncated() -> None:
    line = format_line(decoded(prediction_bytes(), key=b"k" * 1000))
    assert f"key={'k' * 200}… (800 more characters), value=" in line


# --- to_json_object ------------------------------------------------------------------------


def test_json_object_of_a_valid_record() -> None:
    headers = ((HEADER_STOP, WATERLOO.encode()), (HEADER_SOURCE, b"demo"), ("empty", None))
    out = to_json_object(decoded(prediction_bytes(), headers=headers))
    assert out == {
        "topic": TOPIC,
        "partition": 2,
        "offset": 17,
        "key": "n381",
        "timestamp": "2024-05-01T00:41:12.454+00:00",
        "headers": {HEADER_STOP: WATERLOO, HEADER_SOURCE: "demo", "empty": None},
        "value": prediction(),
    }
    assert json.loads(json.dumps(out)) == out


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        (b'{"id": "\xff"}', '{"id": "\\xff"}'),  # not UTF-8: the escaped text
        (b"{not json", "{not json"),  # not JSON: the text
        (b"[1, 2]", [1, 2]),  # JSON but not a prediction: parsed
        (None, None),  # tombstone
    ],
)
def test_json_object_of_a_flagged_record(raw: bytes | None, value: object) -> None:
    result = decoded(raw)
    out = to_json_object(result)
    assert out["value"] == value
    assert out["problem"] == result.problem
    json.dumps(out, ensure_ascii=False)


@pytest.mark.parametrize("timestamp_ms", [None, -1, 2**62, 10**20])
def test_json_object_without_a_usable_timestamp(timestamp_ms: int | None) -> None:
    out = to_json_object(decoded(prediction_bytes(), timestamp_ms=timestamp_ms))
    assert out["timestamp"] is None
    assert "problem" not in out


# --- poll headers ----------------------------------------------------------------------------

PRODUCER_HEADERS = [
    ("tfl.stop_id", b"490000254W"),
    ("tfl.poll_time", b"2026-11-25T08:30:00.000+00:00"),
    ("tfl.poll_seq", b"7"),
    ("tfl.snapshot_size", b"23"),
    ("tfl.source", b"demo"),
]


def test_poll_ref_of_the_producers_headers() -> None:
    ref = poll_ref(PRODUCER_HEADERS)
    assert ref is not None
    assert (ref.stop_id, ref.poll_time.isoformat(), ref.size) == (
        "490000254W",
        "2026-11-25T08:30:00+00:00",
        23,
    )


@given(order=st.permutations(range(5)), extra=st.sampled_from([None, 0, 2, 4]))
def test_poll_ref_reads_headers_in_any_order_and_the_first_of_a_name_wins(
    order: list[int], extra: int | None
) -> None:
    headers = [PRODUCER_HEADERS[i] for i in order]
    if extra is not None:  # a later duplicate of a name does not count
        name = PRODUCER_HEADERS[extra][0]
        headers.append((name, b"99"))
    assert poll_ref(headers) == poll_ref(PRODUCER_HEADERS)


def test_poll_ref_of_five_headers_in_another_layout_reads_the_first_of_each_name() -> None:
    """Five headers shaped almost like the producer's: the quick path must not take them."""
    first_size, later_size = ("tfl.snapshot_size", b"23"), ("tfl.snapshot_size", b"99")
    headers = [*PRODUCER_HEADERS[:2], first_size, later_size, PRODUCER_HEADERS[4]]
    ref = poll_ref(headers)
    assert ref is not None and ref.size == 23


@pytest.mark.parametrize(
    "headers",
    [
        [],
        PRODUCER_HEADERS[1:],  # no stop
        [h for h in PRODUCER_HEADERS if h[0] != "tfl.snapshot_size"],
        [("tfl.stop_id", b""), *PRODUCER_HEADERS[1:]],
        [("tfl.stop_id", None), *PRODUCER_HEADERS[1:]],
        [*PRODUCER_HEADERS[:3], ("tfl.snapshot_size", b"many"), PRODUCER_HEADERS[4]],
        [PRODUCER_HEADERS[0], ("tfl.poll_time", b"yesterday"), *PRODUCER_HEADERS[2:]],
    ],
)
def test_poll_ref_needs_all_three_poll_headers(headers: list[tuple[str, bytes | None]]) -> None:
    assert poll_ref(headers) is None


@pytest.mark.parametrize(
    ("timestamp_ms", "with_date", "shown"),
    [
        (1_714_524_072_454, False, "01:41:12.454 BST"),  # 2024-05-01T00:41:12.454Z, summer
        (1_733_041_272_001, True, "2024-12-01 08:21:12.001 GMT"),  # winter: London is UTC
        (None, False, None),
        (-1, False, None),
        (10**17, False, None),  # past year 9999: a hostile producer's timestamp
    ],
)
def test_london_time_is_labelled_with_its_zone(
    timestamp_ms: int | None, with_date: bool, shown: str | None
) -> None:
    assert london_time(timestamp_ms, with_date=with_date) == shown


header_values = st.one_of(
    st.none(),
    st.sampled_from([b"490000254W", b"2024-05-01T00:41:12.454+00:00", b"3", b"", b"x"]),
)
header_lists = st.lists(
    st.tuples(
        st.sampled_from([HEADER_STOP, HEADER_POLL_TIME, HEADER_POLL_SEQ, HEADER_SNAPSHOT_SIZE]),
        header_values,
    ),
    max_size=6,
)


@given(st.lists(st.one_of(st.just(list(PRODUCER_HEADERS)), header_lists), max_size=20))
def test_a_reader_reads_each_record_as_poll_ref_does(many: list[list[Any]]) -> None:
    # The reader's fast path (the producer's layout) and its cache agree with the general way.
    assert PollRefReader().refs(many) == [poll_ref(headers) for headers in many]


def test_a_control_character_in_json_is_said_once() -> None:
    flagged = decode_record(record(b'{"a": "\x01"}'))
    assert flagged.problem == "not JSON (Invalid control character at char 7)"
