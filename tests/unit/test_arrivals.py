"""The buses that came, inferred from polls shaped as the producer writes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.unit.factories import WATERLOO, poll_records, prediction
from tfl_tui.core.arrivals import Arrival, infer
from tfl_tui.core.records import Decoded
from tfl_tui.core.timespec import LONDON
from tfl_tui.tfl.prediction import format_tfl_time

T0 = datetime(2026, 12, 1, 8, 0, 0, tzinfo=UTC)
POLL = timedelta(seconds=30)


def seen(
    vehicle: str, due: datetime, at: datetime, *, line: str = "38", **extra: Any
) -> dict[str, Any]:
    return prediction(
        {
            "id": f"{vehicle}-{line}",
            "vehicleId": vehicle,
            "lineId": line.lower(),
            "lineName": line,
            "destinationName": extra.pop("destination", "Clapton Pond"),
            "timestamp": format_tfl_time(at),
            "timeToStation": max(0, int((due - at).total_seconds())),
            "expectedArrival": format_tfl_time(due, 0),
            "timeToLive": format_tfl_time(due + timedelta(seconds=30), 0),
        }
        | extra
    )


def polls(
    schedule: list[list[tuple[str, datetime]]], start: datetime = T0, **kw: Any
) -> list[Decoded]:
    """Poll n (at start + n times 30 s) lists the (vehicle, expected arrival) pairs given for it."""
    records: list[Decoded] = []
    for n, buses in enumerate(schedule):
        at = start + n * POLL
        items = [seen(vehicle, due, at, **kw) for vehicle, due in buses]
        if not items:  # an empty poll writes no record; a header-only stand-in says it ran
            items = [seen("NOBODY", at - timedelta(hours=1), at, line="X1")]
        records += poll_records(items, WATERLOO, polled_at=at, seq=n + 1)
    return records


def only(arrivals: list[Arrival], line: str = "38") -> list[Arrival]:
    return [a for a in arrivals if a.line == line]


def test_a_bus_that_stops_being_predicted_when_due_came_then() -> None:
    due = T0 + timedelta(minutes=3)
    schedule = [[("LX1", due + timedelta(seconds=40))], [("LX1", due)], *[[("LX1", due)]] * 5, []]
    (bus,) = only(infer(polls(schedule)))
    assert bus.outcome == "came" and bus.came_at == due
    assert bus.said[0].eta_s == 220 and bus.vehicle == "LX1"
    assert bus.stop == "Waterloo Station / York Road (W)"


def test_a_bus_whose_predictions_end_early_vanished() -> None:
    due = T0 + timedelta(minutes=20)
    (bus,) = only(infer(polls([[("LX2", due)], [("LX2", due)], []])))
    assert bus.outcome == "vanished" and bus.came_at is None
    assert bus.gone_at == T0 + 2 * POLL


def test_a_deleted_prediction_never_came() -> None:
    due = T0 + timedelta(minutes=1)
    records = polls([[("LX3", due)]]) + polls([[("LX3", due)]], start=T0 + POLL, operationType=2)
    (bus,) = only(infer(records))
    assert bus.outcome == "vanished" and bus.deleted


def test_a_bus_still_listed_in_the_last_poll_is_still_expected() -> None:
    (bus,) = only(infer(polls([[("LX4", T0 + timedelta(minutes=9))]] * 3)))
    assert bus.outcome == "expected" and bus.gone_at is None


def test_a_vehicle_that_comes_round_again_is_two_visits() -> None:
    first, again = T0 + timedelta(minutes=1), T0 + timedelta(minutes=41)
    later = T0 + timedelta(minutes=40)
    records = polls([[("LX5", first)]] * 3 + [[]]) + polls([[("LX5", again)]] * 2 + [[]], later)
    visits = only(infer(records))
    assert [v.outcome for v in visits] == ["came", "came"]
    assert [v.came_at for v in visits] == [first, again]
    assert visits[1].gap == again - first


def test_two_buses_of_one_line_at_one_stop_are_told_apart_and_the_wait_between_them() -> None:
    a, b = T0 + timedelta(minutes=1), T0 + timedelta(minutes=2)
    schedule = [[("LX6", a), ("LX7", b)]] * 2 + [[("LX7", b)]] * 3 + [[]]
    arrivals = only(infer(polls(schedule)))
    assert [(x.vehicle, x.came_at) for x in arrivals] == [("LX6", a), ("LX7", b)]
    assert arrivals[0].gap is None and arrivals[1].gap == timedelta(minutes=1)


def test_midnight_and_the_clocks_going_back_are_only_utc_arithmetic() -> None:
    # 25 Oct 2026, 01:59 BST = 00:59 UTC; an hour later London reads 01:59 GMT again.
    start = datetime(2026, 10, 25, 0, 58, tzinfo=UTC)
    due = start + timedelta(minutes=2)
    (bus,) = only(infer(polls([[("LX8", due)]] * 5 + [[]], start=start)))
    assert bus.came_at == due
    assert bus.came_at.astimezone(LONDON).strftime("%H:%M %Z") == "01:00 GMT"
    midnight = datetime(2026, 12, 1, 23, 59, 30, tzinfo=UTC)
    due = midnight + 3 * POLL
    (late,) = only(infer(polls([[("LX9", due)]] * 3 + [[]], start=midnight)))
    assert late.came_at == datetime(2026, 12, 2, 0, 1, tzinfo=UTC)  # the next day


def test_since_keeps_only_what_came_after() -> None:
    a, b = T0 + timedelta(minutes=1), T0 + timedelta(minutes=4)
    schedule = [[("LX6", a), ("LX7", b)]] * 3 + [[("LX7", b)]] * 6 + [[]]
    arrivals = only(infer(polls(schedule), since=T0 + timedelta(minutes=2)))
    assert [x.vehicle for x in arrivals] == ["LX7"]
    assert arrivals[0].gap == timedelta(minutes=3)  # the wait is counted from the one before
