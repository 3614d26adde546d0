"""Time travel's index, built by reading the whole topic once, for the `t` timeline.

Called from a UI worker thread; `progress(read)` is told every few thousand records.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import timedelta

from tfl_tui.core.board import Board
from tfl_tui.core.polling import utc_now
from tfl_tui.core.records import decode_record
from tfl_tui.core.time_index import IndexBuilder, TimeIndex
from tfl_tui.kafka.topic_reader import TopicReader

PROGRESS_EVERY = 5000


def build_index(
    conf: Mapping[str, str],
    topic: str,
    *,
    stale_after: timedelta,
    timeout: float,
    stop: threading.Event,
    progress: Callable[[int], None],
) -> TimeIndex:
    reader = TopicReader(conf, topic, timeout=timeout)
    try:
        builder = IndexBuilder(reader.partition_ids(), Board(stale_after=stale_after))
        for count, record in enumerate(reader.records(None, stop, on_end=builder.done), 1):
            builder.feed(decode_record(record))
            if count % PROGRESS_EVERY == 0:
                progress(count)
        return builder.finish(utc_now())
    finally:
        reader.close()
