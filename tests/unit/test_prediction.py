"""Decoding TfL predictions: timestamps, real-shaped items, legacy shapes and hostile input."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.factories import PREDICTION_KEYS, WATERLOO, WATERLOO_NAME, prediction
from tfl_tui.tfl.prediction import (
    MAX_TIME_TO_STATION_S,
    MAX_YEAR,
    MIN_TIME_TO_STATION_S,
    MIN_YEAR,
    OPERATION_DELETE,
    InvalidPrediction,
    Prediction,
    decode_prediction,
    decode_prediction_json,
    format_tfl_time,
    parse_tfl_time,
    split_arrivals,
)

REQUIRED = ("id", "lineId", "naptanId", "expectedArrival", "timeToStation")
MOMENT = datetime(2024, 5, 1, 0, 41, 12, 454259, tzinfo=UTC)
HUGE_TEXT = "x" * 100_000


def rejection(item: object) -> str:
    """The reason decode_prediction gives for refusing `item` (fails if it accepts it)."""
    with pytest.raises(InvalidPrediction) as info:
        decode_prediction(item)
    return str(info.value)


# --- timestamps -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "microsecond"),
    [
        ("2024-05-01T00:41:12Z", 0),
        ("2024-05-01T00:41:12.8Z", 800_000),
        ("2024-05-01T00:41:12.45Z", 450_000),
        ("2024-05-01T00:41:12.454Z", 454_000),
        ("2024-05-01T00:41:12.4542Z", 454_200),
        ("2024-05-01T00:41:12.45425Z", 454_250),
        ("2024-05-01T00:41:12.454259Z", 454_259),
        ("2024-05-01T00:41:12.4542597Z", 454_259),  # TfL's 7th digit is below Python's precision
    ],
)
def test_parse_accepts_0_to_7_fraction_digits(text: str, microsecond: int) -> None:
    parsed = parse_tfl_time(text)
    assert parsed == MOMENT.replace(microsecond=microsecond)
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    [
        "2024-05-01T01:41:12.4542597+01:00",
        "2024-04-30T19:11:12.454259-05:30",
        "2024-05-01T00:41:12.4542597+00:00",
        "2024-05-01T00:41:12.4542597",  # no zone: TfL means UTC
        " 2024-05-01T00:41:12.4542597Z ",
    ],
)
def test_parse_converts_offsets_and_naive_times_to_utc(text: str) -> None:
    parsed = parse_tfl_time(text)
    assert parsed == MOMENT
    assert parsed.tzinfo is UTC
    assert parsed.hour == 0  # the wall clock is UTC's, not the offset's


@pytest.mark.parametrize(
    "value", ["", "   ", "soon", "2024-13-01T00:00:00Z", "2024-05-01T25:00:00Z", None, 1714524072]
)
def test_parse_rejects_non_timestamps(value: Any) -> None:
    with pytest.raises(ValueError):
        parse_tfl_time(value)


@pytest.mark.parametrize(
    ("digits", "expected"),
    [
        (0, "2024-05-01T00:41:12Z"),
        (1, "2024-05-01T00:41:12.4Z"),
        (3, "2024-05-01T00:41:12.454Z"),
        (6, "2024-05-01T00:41:12.454259Z"),
        (7, "2024-05-01T00:41:12.4542590Z"),
    ],
)
def test_format_like_tfl(digits: int, expected: str) -> None:
    assert format_tfl_time(MOMENT, digits) == expected


def test_format_converts_to_utc() -> None:
    summer = MOMENT.astimezone(timezone(timedelta(hours=1)))
    assert format_tfl_time(summer) == "2024-05-01T00:41:12.4542590Z"


fixed_offsets = st.integers(min_value=-23 * 60, max_value=23 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
aware_datetimes = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 12, 31, 23, 59, 59, 999_999)
).flatmap(lambda naive: fixed_offsets.map(lambda zone: naive.replace(tzinfo=zone)))


@given(moment=aware_datetimes)
def test_format_then_parse_round_trips_to_the_microsecond(moment: datetime) -> None:
    text = format_tfl_time(moment)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}0Z", text)
    assert parse_tfl_time(text) == moment


@given(moment=aware_datetimes, digits=st.integers(min_value=0, max_value=6))
def test_fewer_digits_truncate(moment: datetime, digits: int) -> None:
    step = 10 ** (6 - digits)
    truncated = moment.replace(microsecond=moment.microsecond // step * step)
    assert parse_tfl_time(format_tfl_time(moment, digits)) == truncated


# --- real-shaped predictions ---------------------------------------------------------------


def test_decodes_a_real_prediction() -> None:
    assert decode_prediction(prediction()) == Prediction(
        id="-1190283862",
        line_id="n381",
        line_name="N381",
        naptan_id=WATERLOO,
        station_name=WATERLOO_NAME,
        platform_name="W",
        destination_name="Peckham",
        towards="County Hall or Lambeth North",
        vehicle_id="LX11AVC",
        time_to_station=522,
        expected_arrival=datetime(2024, 5, 1, 0, 49, 54, tzinfo=UTC),
        timestamp=MOMENT,
        time_to_live=datetime(2024, 5, 1, 0, 50, 24, tzinfo=UTC),
        operation_type=1,
    )


def test_decoding_leaves_the_item_untouched() -> None:
    item = prediction()
    before = copy.deepcopy(item)
    decode_prediction(item)
    assert item == before


@pytest.mark.parametrize(
    "item",
    [
        pytest.param(prediction(drop=("bearing", "timing")), id="legacy-no-bearing-no-timing"),
        pytest.param(prediction(tripId=12345, baseVersion="20240501"), id="newer-fields"),
        pytest.param(prediction(drop=("$type",)), id="no-type"),
        pytest.param(
            prediction(drop=(k for k in PREDICTION_KEYS if k not in REQUIRED)),
            id="only-required-fields",
        ),
    ],
)
def test_accepts_other_real_shapes(item: dict[str, Any]) -> None:
    decoded = decode_prediction(item)
    assert decoded.line_id == "n381"
    assert decoded.time_to_station == 522


def test_optional_fields_default_sensibly() -> None:
    decoded = decode_prediction(
        prediction(drop=("lineName", "operationType", "timestamp", "timeToLive", "stationName"))
    )
    assert decoded.line_name == "N381"  # from lineId
    assert decoded.operation_type == 1
    assert decoded.timestamp is None
    assert decoded.time_to_live is None
    assert decoded.station_name == ""


@pytest.mark.parametrize("empty", ["", "   ", None])
def test_empty_destination_falls_back_to_towards(empty: str | None) -> None:
    decoded = decode_prediction(prediction(destinationName=empty))
    assert decoded.destination_name == "County Hall or Lambeth North"


def test_missing_destination_falls_back_to_towards() -> None:
    decoded = decode_prediction(prediction(drop=("destinationName",)))
    assert decoded.destination_name == "County Hall or Lambeth North"


def test_delete_operation_is_accepted() -> None:
    assert decode_prediction(prediction(operationType=2)).operation_type == OPERATION_DELETE


def test_text_is_stripped() -> None:
    decoded = decode_prediction(prediction(platformName=" W ", lineId=" n381\t"))
    assert (decoded.platform_name, decoded.line_id) == ("W", "n381")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (522.0, 522),
        (522.9, 522),
        (0, 0),
        (MIN_TIME_TO_STATION_S, MIN_TIME_TO_STATION_S),
        (MAX_TIME_TO_STATION_S, MAX_TIME_TO_STATION_S),
    ],
)
def test_time_to_station_numbers_and_bounds_accepted(value: float, expected: int) -> None:
    assert decode_prediction(prediction(timeToStation=value)).time_to_station == expected


@pytest.mark.parametrize("year", [MIN_YEAR, MAX_YEAR])
def test_expected_arrival_year_bounds_accepted(year: int) -> None:
    item = prediction(expectedArrival=f"{year}-06-01T12:00:00Z")
    assert decode_prediction(item).expected_arrival.year == year


# --- hostile items -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "kind"),
    [
        (None, "null"),
        ("a prediction", "str"),
        (42, "int"),
        (4.2, "float"),
        (True, "bool"),
        ([], "list"),
        ([prediction()], "list"),
    ],
)
def test_rejects_non_objects(item: object, kind: str) -> None:
    assert rejection(item) == f"expected a prediction object, got {kind}"


@pytest.mark.parametrize("field", REQUIRED)
def test_rejects_missing_required_field(field: str) -> None:
    assert rejection(prediction(drop=(field,))) == f"missing {field!r}"


@pytest.mark.parametrize("field", REQUIRED)
def test_rejects_null_required_field(field: str) -> None:
    assert field in rejection(prediction({field: None}))


@pytest.mark.parametrize("field", ["lineId", "id", "naptanId"])
@pytest.mark.parametrize("blank", ["", "  \t"])
def test_rejects_blank_required_text(field: str, blank: str) -> None:
    assert rejection(prediction({field: blank})) == f"{field!r} is empty"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("timeToStation", "5"),
        ("timeToStation", True),
        ("timeToStation", False),
        ("timeToStation", [5]),
        ("timeToStation", {"seconds": 5}),
        ("timeToStation", float("nan")),
        ("timeToStation", float("inf")),
        ("timeToStation", float("-inf")),
        ("operationType", "1"),
        ("operationType", True),
        ("operationType", float("nan")),
        ("lineId", 381),
        ("id", 1190283862),
        ("naptanId", [WATERLOO]),
        ("stationName", 5),
        ("destinationName", {"name": "Peckham"}),
        ("towards", False),
        ("platformName", ["W"]),
        ("vehicleId", 1.5),
        ("lineName", 381),
        ("expectedArrival", 1714524594),
        ("expectedArrival", "in 8 minutes"),
        ("expectedArrival", ["2024-05-01T00:49:54Z"]),
        ("timestamp", "yesterday"),
        ("timeToLive", 30),
    ],
)
def test_rejects_wrong_types(field: str, value: object) -> None:
    assert field in rejection(prediction({field: value}))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("timeToStation", -5000),
        ("timeToStation", MIN_TIME_TO_STATION_S - 1),
        ("timeToStation", MAX_TIME_TO_STATION_S + 1),
        ("timeToStation", 10**9),
        ("timeToStation", 1e300),
        # json.loads gives Python ints of any size
        pytest.param("timeToStation", 10**400, id="timeToStation-10**400"),
        pytest.param("timeToStation", -(10**400), id="timeToStation--10**400"),
        ("operationType", 3),
        ("operationType", 0),
        pytest.param("operationType", 10**400, id="operationType-10**400"),
        ("expectedArrival", "0001-01-01T00:00:00Z"),
        ("expectedArrival", "9999-12-31T23:59:59Z"),
        ("expectedArrival", "1999-12-31T23:59:59Z"),
        ("expectedArrival", "2101-01-01T00:00:00Z"),
        ("expectedArrival", "0001-01-01T00:00:00+01:00"),  # before year 1 in UTC
        ("expectedArrival", "9999-12-31T23:59:59-01:00"),  # after year 9999 in UTC
        ("timestamp", "0001-01-01T00:00:00Z"),
        ("timeToLive", "9999-12-31T23:59:59.9999999-23:59"),
    ],
)
def test_rejects_absurd_values(field: str, value: object) -> None:
    assert field in rejection(prediction({field: value}))


@pytest.mark.parametrize(
    "field",
    ["id", "lineId", "naptanId", "stationName", "destinationName", "towards", "expectedArrival"],
)
def test_rejects_huge_strings_with_a_short_reason(field: str) -> None:
    reason = rejection(prediction({field: HUGE_TEXT}))
    assert field in reason
    assert len(reason) < 200


@pytest.mark.parametrize(
    "type_name",
    [
        "Tfl.Api.Presentation.Entities.StopPoint, Tfl.Api.Presentation.Entities",
        "",
        5,
        ["Prediction"],
    ],
)
def test_rejects_wrong_type_marker(type_name: object) -> None:
    assert "'$type'" in rejection(prediction({"$type": type_name}))


# --- splitting an Arrivals answer ------------------------------------------------------------


def test_split_keeps_good_items_as_sent_and_reports_the_rest() -> None:
    first, second, legacy = (
        prediction(id="1"),
        prediction(id="2", lineId="77", lineName="77"),
        prediction(id="3", drop=("bearing", "timing")),
    )
    answer = [first, None, second, prediction({"$type": "Tfl.Other"}), "junk", legacy]
    before = copy.deepcopy(answer)

    accepted, rejected = split_arrivals(answer)

    assert len(accepted) == 3
    assert all(got is sent for got, sent in zip(accepted, [first, second, legacy], strict=True))
    assert answer == before  # nothing was modified, not even the accepted dicts
    assert [r.index for r in rejected] == [1, 3, 4]
    assert rejected[0].reason == "expected a prediction object, got null"
    assert "'$type'" in rejected[1].reason
    assert rejected[2].reason == "expected a prediction object, got str"
    assert rejected[2].preview == "'junk'"


def test_split_of_an_empty_answer() -> None:
    assert split_arrivals([]) == ([], [])


def test_rejected_preview_is_one_short_line() -> None:
    _, rejected = split_arrivals([{"lineId": "n381\n" * 1000}])
    (only,) = rejected
    assert "\n" not in only.preview
    assert len(only.preview) <= 80
    assert only.preview.endswith("…")


# --- property: nothing but InvalidPrediction escapes -----------------------------------------

# Timestamp-like strings with offsets, over the whole datetime range (years 1 to 9999).
timestamp_texts = st.builds(
    lambda moment, zone: moment.replace(tzinfo=zone).isoformat(), st.datetimes(), fixed_offsets
)
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from([10**400, -(10**400), 2**63, -(2**63) - 1])
    | st.floats()  # json.loads accepts NaN and Infinity
    | st.text(max_size=20)
    | timestamp_texts
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=10,
)
# Mostly-valid predictions with some fields replaced by arbitrary JSON or removed.
mangled_predictions = st.builds(
    lambda overrides, dropped: prediction(overrides, drop=dropped),
    st.dictionaries(st.sampled_from(PREDICTION_KEYS), json_scalars | json_values, max_size=4),
    st.sets(st.sampled_from(PREDICTION_KEYS), max_size=3),
)


@settings(max_examples=300)
@given(item=json_values | mangled_predictions)
def test_only_invalid_prediction_escapes_and_accepted_items_are_sane(item: object) -> None:
    try:
        decoded = decode_prediction(item)
    except InvalidPrediction as error:
        assert str(error)
        return
    assert MIN_TIME_TO_STATION_S <= decoded.time_to_station <= MAX_TIME_TO_STATION_S
    assert MIN_YEAR <= decoded.expected_arrival.year <= MAX_YEAR
    assert decoded.expected_arrival.tzinfo is UTC
    assert decoded.line_id and decoded.id and decoded.naptan_id
    assert decoded.operation_type in (1, 2)


# --- the fast path (msgspec) agrees with the slow one -------------------------------------


def slow_decode(item: object) -> Prediction | None:
    try:
        return decode_prediction(item)
    except InvalidPrediction:
        return None


@settings(max_examples=500)
@given(item=json_values | mangled_predictions)
def test_fast_path_accepts_only_what_the_slow_path_accepts_and_agrees(item: object) -> None:
    fast = decode_prediction_json(json.dumps(item).encode())
    if fast is not None:
        assert fast == slow_decode(item)


@pytest.mark.parametrize(
    "item",
    [
        prediction(),
        prediction(drop=("bearing", "timing", "$type")),
        prediction({"destinationName": ""}),  # falls back to towards
        prediction({"lineName": ""}),  # falls back to the lineId
        prediction({"operationType": 2}),
        prediction({"timestamp": "2024-05-01T00:41:12.4542597Z"}),  # the 7th digit: truncated
        prediction({"expectedArrival": "2024-05-01T01:49:54+01:00"}),  # converted to UTC
        prediction({"expectedArrival": "2024-05-01T00:49:54"}),  # naive: UTC
    ],
)
def test_fast_path_takes_ordinary_predictions(item: dict[str, Any]) -> None:
    fast = decode_prediction_json(json.dumps(item).encode())
    assert fast is not None
    assert fast == decode_prediction(item)


@pytest.mark.parametrize(
    "item",
    [
        prediction({"destinationName": " Peckham "}),  # the slow path strips it
        prediction({"timeToStation": 522.0}),
        prediction({"$type": "Tfl.Api.Presentation.Entities.Line"}),
        prediction({"id": "   "}),
        prediction({"lineName": None}),  # null text: the slow path makes it ""
    ],
)
def test_fast_path_leaves_the_unusual_to_the_slow_path(item: dict[str, Any]) -> None:
    assert decode_prediction_json(json.dumps(item).encode()) is None
