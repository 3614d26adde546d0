"""The buses that came to one board row's stop, read from the topic for the `h` screen.

Called from a UI worker thread; the reading is the same as `tfl-tui history`'s.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime

from tfl_tui.core.arrivals import Arrival, infer
from tfl_tui.core.board_at import LOOKBACK
from tfl_tui.core.poll_headers import poll_ref
from tfl_tui.core.records import Decoded, Record, decode_record
from tfl_tui.kafka.topic_reader import TopicReader


def _of_stop(records: Iterable[Record], stop_id: str, line: str) -> Iterator[Decoded]:
    """The stop's records, only its line's decoded: the others tell when its polls ran, which
    their poll headers say (a record without them is decoded: it says its stop itself)."""
    wanted = line.lower()
    for record in records:
        ref = poll_ref(record.headers)
        if ref is None:
            yield decode_record(record, ref)
        elif ref.stop_id == stop_id:
            key = record.key.decode("utf-8", "replace").lower() if record.key else None
            yield decode_record(record, ref) if key in (wanted, None) else Decoded(record, poll=ref)


def read_arrivals(
    conf: Mapping[str, str],
    topic: str,
    key: tuple[str, str, str],
    since: datetime,
    *,
    timeout: float,
    stop: threading.Event,
) -> list[Arrival]:
    """The arrivals of the row `key` (stop id, line, destination) since `since`."""
    stop_id, line, destination = key
    reader = TopicReader(conf, topic, timeout=timeout)
    try:
        arrivals = infer(_of_stop(reader.records(since - LOOKBACK, stop), stop_id, line), since)
    finally:
        reader.close()
    return [
        a
        for a in arrivals
        if a.stop_id == stop_id and a.line == line and a.destination == destination
    ]
