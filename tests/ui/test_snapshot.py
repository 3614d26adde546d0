"""The whole screen, pinned: deterministic demo data, a frozen clock, a fixed terminal size.

Update after an intended change of the look with `pytest tests/ui/test_snapshot.py
--snapshot-update`, and look at the SVG before committing it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from textual.pilot import Pilot

from tfl_tui.app import TflTuiApp
from tfl_tui.core.dashboard_options import DashboardOptions
from tfl_tui.core.events import (
    BrokerReady,
    ConsumerProgress,
    PartitionState,
    PollOutcome,
    ProducerStats,
    RecordsBatch,
)
from tfl_tui.core.polling import Snapshot
from tfl_tui.core.records import Decoded, Record, decode_record
from tfl_tui.tfl.simulator import DemoSource

NOW = datetime(2026, 11, 25, 8, 30, 0, tzinfo=UTC)
STOP = "490000254W"


def demo_records() -> list[Decoded]:
    polled_at = NOW - timedelta(seconds=12)
    predictions = DemoSource(seed=1, clock=lambda: polled_at).fetch(STOP)
    snapshot = Snapshot(STOP, 1, polled_at, "demo", predictions)
    headers = tuple((name, value) for name, value in snapshot.headers())
    stamp = int(polled_at.timestamp() * 1000)
    return [
        decode_record(
            Record(
                "london_transport",
                index % 4,
                index // 4,
                str(item["lineId"]).encode(),
                json.dumps(item).encode(),
                stamp,
                headers,
            )
        )
        for index, item in enumerate(predictions)
    ]


def test_dashboard_screen(snap_compare: Any) -> None:
    app = TflTuiApp(
        DashboardOptions(target=None, demo=True), clock=lambda: NOW, start_workers=False
    )
    records = demo_records()

    async def feed(pilot: Pilot[Any]) -> None:
        app.handle_event(
            BrokerReady("embedded broker at 127.0.0.1:9092 (in-memory, temporary)", embedded=True)
        )
        app.handle_event(RecordsBatch(records, 0, recent=records, read=len(records)))
        app.handle_event(
            PollOutcome(
                STOP,
                "Waterloo Station / York Road (W)",
                NOW - timedelta(seconds=12),
                count=len(records),
            )
        )
        app.handle_event(ProducerStats(len(records), len(records), 0, 18.0, "demo"))
        partitions = [
            PartitionState(p, len(records[p::4]), 0, len(records[p::4])) for p in range(4)
        ]
        app.handle_event(ConsumerProgress(partitions, 0.0, False, len(records), 0))
        app.render_all()
        await pilot.pause()

    assert snap_compare(app, terminal_size=(140, 45), run_before=feed)
