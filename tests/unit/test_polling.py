"""One poll of one stop, against a fake ArrivalsSource and a frozen clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.unit.factories import WATERLOO, WATERLOO_NAME, prediction
from tfl_tui.core.errors import TflError
from tfl_tui.core.poll_headers import (
    HEADER_POLL_SEQ,
    HEADER_POLL_TIME,
    HEADER_SNAPSHOT_SIZE,
    HEADER_SOURCE,
    HEADER_STOP,
)
from tfl_tui.core.polling import Poller, PollFailure, Snapshot

POLL_TIME = datetime(2024, 5, 1, 0, 41, 12, 454259, tzinfo=UTC)
ELSEWHERE = "490008660N"


class FakeSource:
    """Answers each stop with a fixed list, or raises the TflError it was given for it."""

    def __init__(self, answers: dict[str, list[Any] | TflError]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, float | None]] = []

    def fetch(self, stop_id: str, deadline: float | None = None) -> list[Any]:
        self.calls.append((stop_id, deadline))
        answer = self.answers[stop_id]
        if isinstance(answer, TflError):
            raise answer
        return answer

    def describe(self) -> str:
        return "fake TfL"

    def min_interval(self, stops: int) -> float:
        return 0.0


def poller(answers: dict[str, list[Any] | TflError]) -> Poller:
    return Poller(FakeSource(answers), "demo", clock=lambda: POLL_TIME)


def snapshot_of(answer: list[Any], stop_id: str = WATERLOO) -> Snapshot:
    result = poller({stop_id: answer}).poll(stop_id)
    assert isinstance(result, Snapshot)
    return result


def test_each_stop_counts_its_own_polls() -> None:
    polls = poller({WATERLOO: [], ELSEWHERE: []})
    order = [WATERLOO, WATERLOO, ELSEWHERE, WATERLOO, ELSEWHERE]
    assert [(stop, polls.poll(stop).seq) for stop in order] == [
        (WATERLOO, 1),
        (WATERLOO, 2),
        (ELSEWHERE, 1),
        (WATERLOO, 3),
        (ELSEWHERE, 2),
    ]


def test_a_failed_poll_uses_its_number_so_gaps_show_in_the_headers() -> None:
    source = FakeSource({WATERLOO: []})
    polls = Poller(source, "tfl", clock=lambda: POLL_TIME)
    assert polls.poll(WATERLOO).seq == 1
    source.answers[WATERLOO] = TflError("TfL answered 503", transient=True)
    assert polls.poll(WATERLOO).seq == 2
    source.answers[WATERLOO] = []
    assert polls.poll(WATERLOO).seq == 3


def test_the_deadline_reaches_the_source() -> None:
    source = FakeSource({WATERLOO: []})
    Poller(source, "tfl").poll(WATERLOO, deadline=123.5)
    assert source.calls == [(WATERLOO, 123.5)]


def test_snapshot_keeps_the_valid_predictions_as_sent() -> None:
    good, other = prediction(id="1"), prediction(id="2")
    snapshot = snapshot_of([good, {"lineId": "n381"}, other])
    assert snapshot.stop_id == WATERLOO
    assert snapshot.polled_at == POLL_TIME
    assert snapshot.source == "demo"
    assert snapshot.predictions == [good, other]
    assert snapshot.predictions[0] is good


def test_rejected_items_are_reported() -> None:
    snapshot = snapshot_of([prediction(), None, prediction(timeToStation="5")])
    assert [(r.index, r.reason) for r in snapshot.rejected] == [
        (1, "expected a prediction object, got null"),
        (2, "'timeToStation' is str, expected a number"),
    ]


def test_snapshot_headers() -> None:
    snapshot = snapshot_of([prediction(id="1"), "junk", prediction(id="2")])
    headers = snapshot.headers()
    assert all(isinstance(value, bytes) for _, value in headers)
    assert dict(headers) == {
        HEADER_STOP: WATERLOO.encode(),
        HEADER_POLL_TIME: b"2024-05-01T00:41:12.454+00:00",
        HEADER_POLL_SEQ: b"1",
        HEADER_SNAPSHOT_SIZE: b"2",  # the accepted predictions, not the answer's length
        HEADER_SOURCE: b"demo",
    }
    assert len(headers) == 5  # no duplicates
    poll_time = datetime.fromisoformat(dict(headers)[HEADER_POLL_TIME].decode())
    assert poll_time == POLL_TIME.replace(microsecond=454000)


def test_empty_answer_is_an_empty_snapshot() -> None:
    snapshot = snapshot_of([])
    assert snapshot.predictions == []
    assert snapshot.rejected == []
    assert dict(snapshot.headers())[HEADER_SNAPSHOT_SIZE] == b"0"


def test_tfl_error_becomes_a_poll_failure() -> None:
    error = TflError("unknown stop", hint="check the NaPTAN id")
    result = poller({"nowhere": error}).poll("nowhere")
    assert result == PollFailure("nowhere", 1, POLL_TIME, error)
    assert isinstance(result, PollFailure)
    assert result.error is error


@pytest.mark.parametrize(
    ("answer", "label"),
    [
        ([prediction()], f"{WATERLOO_NAME} (W)"),
        ([prediction(platformName="")], WATERLOO_NAME),
        ([prediction(drop=("platformName",))], WATERLOO_NAME),
        (
            [prediction(stationName=""), prediction(stationName="Second", platformName="X")],
            "Second (X)",
        ),
        ([prediction(drop=("stationName",))], WATERLOO),
        ([], WATERLOO),
    ],
    ids=["name-and-letter", "empty-letter", "no-letter", "first-named", "no-name", "no-buses"],
)
def test_station_label(answer: list[Any], label: str) -> None:
    assert snapshot_of(answer).station_label() == label
