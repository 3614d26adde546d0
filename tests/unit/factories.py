"""Shared test data: a TfL prediction shaped exactly like the ones the Arrivals API sends."""

from __future__ import annotations

import copy
import json
import zlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from tfl_tui.core.polling import Snapshot
from tfl_tui.core.records import Decoded, Record, decode_record
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


TOPIC = "london_transport"
PARTITIONS = 4  # what the embedded broker auto-creates


def poll_records(
    predictions: Sequence[dict[str, Any]],
    stop_id: str = WATERLOO,
    *,
    polled_at: datetime,
    seq: int = 1,
    source: str = "demo",
) -> list[Decoded]:
    """The decoded records one poll of `stop_id` puts on the topic, as the producer writes them.

    Key = lineId (so the partition follows the line), value = the prediction's JSON, headers
    from `Snapshot.headers()` (snapshot size = len(predictions)). Offsets are unique per poll.
    """
    snapshot = Snapshot(stop_id, seq, polled_at, source, list(predictions))
    headers = tuple(snapshot.headers())
    records = []
    for index, item in enumerate(predictions):
        key = str(item["lineId"]).encode()
        records.append(
            Record(
                TOPIC,
                partition=zlib.crc32(key) % PARTITIONS,
                offset=seq * 1000 + index,
                key=key,
                value=json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode(),
                timestamp_ms=int(polled_at.timestamp() * 1000),
                headers=headers,
            )
        )
    return [decode_record(record) for record in records]
