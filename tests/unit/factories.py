"""Shared test data: a TfL prediction shaped exactly like the ones the Arrivals API sends."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from tfl_tui.tfl.prediction import PREDICTION_TYPE

WATERLOO = "490000254W"
WATERLOO_NAME = "Waterloo Station / York Road"

# One element of GET /StopPoint/490000254W/Arrivals, every field present, as TfL sends it:
# `timestamp` with 7 fraction digits, arrivals in whole seconds, timeToLive = arrival + 30 s.
REAL_PREDICTION: dict[str, Any] = {
    "$type": PREDICTION_TYPE,
    "id": "-1190283862",
    "operationType": 1,
    "vehicleId": "LX11AVC",
    "naptanId": WATERLOO,
    "stationName": WATERLOO_NAME,
    "lineId": "n381",
    "lineName": "N381",
    "platformName": "W",
    "direction": "outbound",
    "bearing": "12",
    "destinationNaptanId": "490013793E",
    "destinationName": "Peckham",
    "timestamp": "2024-05-01T00:41:12.4542597Z",
    "timeToStation": 522,
    "currentLocation": "",
    "towards": "County Hall or Lambeth North",
    "expectedArrival": "2024-05-01T00:49:54Z",
    "timeToLive": "2024-05-01T00:50:24Z",
    "modeName": "bus",
    "timing": {
        "$type": "Tfl.Api.Presentation.Entities.PredictionTiming, Tfl.Api.Presentation.Entities",
        "countdownServerAdjustment": "-00:00:01.1450000",
        "source": "2024-05-01T00:40:39.611Z",
        "insert": "2024-05-01T00:40:48.353Z",
        "read": "2024-05-01T00:40:47.196Z",
        "sent": "2024-05-01T00:41:12Z",
        "received": "0001-01-01T00:00:00Z",
    },
}
PREDICTION_KEYS = tuple(REAL_PREDICTION)


def prediction(
    overrides: Mapping[str, Any] | None = None, /, *, drop: Iterable[str] = (), **fields: Any
) -> dict[str, Any]:
    """A fresh copy of REAL_PREDICTION with fields replaced (`overrides`, `fields`) or removed.

    `overrides` takes keys that are not Python names, such as "$type".
    """
    item = copy.deepcopy(REAL_PREDICTION)
    item.update(overrides or {})
    item.update(fields)
    for key in drop:
        item.pop(key, None)
    return item
