"""Every state a user sees, pinned: deterministic data fed as worker events, a frozen clock,
no workers, three terminal sizes, and (after any key presses) a wait on a condition.

Update after an intended change of the look with `pytest tests/ui/test_snapshot.py
--snapshot-update`, and look at each SVG before committing it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Footer, Input, Markdown, OptionList
from textual.widgets._footer import FooterKey

from tests.support import until
from tests.unit.factories import poll_records
from tfl_tui.app import TflTuiApp
from tfl_tui.core.arrivals import Arrival, infer
from tfl_tui.core.dashboard_options import DashboardOptions
from tfl_tui.core.events import (
    BrokerReady,
    ConsumerProgress,
    PartitionState,
    PollOutcome,
    ProducerStats,
    RecordsBatch,
    ReplayStarted,
)
from tfl_tui.core.polling import Snapshot
from tfl_tui.core.records import Decoded, Record, decode_record
from tfl_tui.core.stop_choice import DEFAULT_BUS_STOP, Origin
from tfl_tui.core.time_index import IndexBuilder
from tfl_tui.tfl.simulator import DemoSource
from tfl_tui.widgets.board_table import BoardTable
from tfl_tui.widgets.help_screen import HelpScreen
from tfl_tui.widgets.history_screen import LOADING, HistoryScreen
from tfl_tui.widgets.records_screen import RecordsScreen
from tfl_tui.widgets.stops_screen import StopsScreen
from tfl_tui.widgets.timeline import Timeline

# The most common terminal, a roomy one and a wide one.
SIZES = {"80x24": (80, 24), "120x40": (120, 40), "200x50": (200, 50)}
NOW = datetime(2026, 11, 25, 8, 30, 0, tzinfo=UTC)
POLLED_AT = NOW - timedelta(seconds=12)
STOP = "490000254W"
STOP_LABEL = "Waterloo Station / York Road (W)"
PARTITIONS = range(4)  # the embedded broker's

Feed = Callable[[TflTuiApp], None]  # hands the app the events the workers would have sent
Ready = Callable[[TflTuiApp], object]  # true once the screen shows the state to pin
Shoot = Callable[..., bool]  # the `shoot` fixture: (feed=live_board, *, keys, ready, demo)


def demo_records() -> list[Decoded]:
    predictions = DemoSource(seed=1, clock=lambda: POLLED_AT).fetch(STOP)
    snapshot = Snapshot(STOP, 1, POLLED_AT, "demo", predictions)
    headers = tuple((name, value) for name, value in snapshot.headers())
    stamp = int(POLLED_AT.timestamp() * 1000)
    return [
        decode_record(
            Record(
                "london_transport",
                index % len(PARTITIONS),
                index // len(PARTITIONS),
                str(item["lineId"]).encode(),
                json.dumps(item).encode(),
                stamp,
                headers,
            )
        )
        for index, item in enumerate(predictions)
    ]


# -- what the workers would have said --------------------------------------------------------


def broker_ready(app: TflTuiApp) -> None:
    app.handle_event(
        BrokerReady("embedded broker at 127.0.0.1:9092 (in-memory, temporary)", embedded=True)
    )


def live_board(app: TflTuiApp) -> None:
    """The demo feed's first poll, produced and read back: the board full, caught up."""
    records = demo_records()
    broker_ready(app)
    app.handle_event(RecordsBatch(records, 0, recent=records, read=len(records)))
    app.handle_event(PollOutcome(STOP, STOP_LABEL, POLLED_AT, count=len(records)))
    app.handle_event(ProducerStats(len(records), len(records), 0, 18.0, "demo"))
    counts = {p: len(records[p :: len(PARTITIONS)]) for p in PARTITIONS}
    partitions = [PartitionState(p, count, 0, count) for p, count in counts.items()]
    app.handle_event(ConsumerProgress(partitions, 0.0, False, len(records), 0))


def replaying(app: TflTuiApp) -> None:
    """Start-up on a topic with a long history (`--start earliest`): a quarter to all of each
    partition read, the board held back until the replay has caught up."""
    targets = {0: 12_000, 1: 11_500, 2: 11_800, 3: 12_100}
    positions = {0: 9_000, 1: 5_750, 2: 11_800, 3: 3_025}  # 75 %, 50 %, 100 %, 25 %
    read = sum(positions.values())
    broker_ready(app)
    app.handle_event(PollOutcome(STOP, STOP_LABEL, POLLED_AT, count=21))
    app.handle_event(ProducerStats(21, 21, 0, 18.0, "demo"))
    app.handle_event(ReplayStarted(1, targets))
    # While catching up the consumer hands over only how much it has read, no records.
    app.handle_event(RecordsBatch([], 1, read=read))
    partitions = [PartitionState(p, positions[p], 0, targets[p]) for p in PARTITIONS]
    app.handle_event(
        ConsumerProgress(partitions, 41_250.0, True, read, 0, replay_targets=targets, unread=0)
    )


def tfl_unreachable(app: TflTuiApp) -> None:
    """No connection to TfL (and an empty topic): the board says why, the banner offers `d`."""
    broker_ready(app)
    app.handle_event(ProducerStats(0, 0, 0, None, "tfl"))
    empty = [PartitionState(p, 0, 0, 0) for p in PARTITIONS]
    app.handle_event(ConsumerProgress(empty, 0.0, False, 0, 0))
    app.handle_event(
        PollOutcome(
            STOP,
            STOP,
            NOW - timedelta(seconds=3),
            error=f"stop {STOP}: cannot connect to https://api.tfl.gov.uk",
            hint="check the network, or run with --demo for the offline simulator",
            tfl_unreachable=True,
            retry_in=8.0,
        )
    )


# -- what the user did, and when it shows ----------------------------------------------------


def board_says_why_empty(app: TflTuiApp) -> bool:
    return bool(app.query_one("#board-empty").display)


def help_shown(app: TflTuiApp) -> bool:
    if not isinstance(app.screen, HelpScreen):
        return False
    help_text = app.screen.query_one(Markdown)  # parsed in a thread, then mounted
    return bool(help_text.query("MarkdownBlock")) and not help_text.lock.is_locked


def footer_current(app: TflTuiApp) -> bool:
    """Each footer (the dashboard's, a modal's own) shows the keys bound now: it is rebuilt
    after a refresh once the focus or an action's availability has changed. One key per
    action, as Footer composes them."""
    for screen in app.screen_stack:
        bound: dict[str, str] = {}
        for active in screen.active_bindings.values():
            if active.binding.show:
                bound.setdefault(active.binding.action, active.binding.key)
        for footer in screen.query(Footer):
            shown = {
                key.action: key.key
                for key in footer.query(FooterKey)
                if not key.has_class("-command-palette")
            }
            if shown != bound:
                return False
    return True


@pytest.fixture(params=list(SIZES))
def shoot(snap_compare: Any, request: pytest.FixtureRequest) -> Shoot:
    """Compare the screen with its snapshot once `feed` is applied, `keys` are pressed and
    the screen is `ready`."""

    def compare(
        feed: Feed = live_board,
        *,
        keys: Sequence[str] = (),
        ready: Ready | None = None,
        demo: bool = True,
    ) -> bool:
        app = TflTuiApp(
            # Saved stops: the first start's "press s" notice is not part of these pictures.
            DashboardOptions(target=None, demo=demo, stops_origin=Origin.SAVED),
            clock=lambda: NOW,
            start_workers=False,
        )

        async def run_before(pilot: Pilot[Any]) -> None:
            # A steady cursor: a blinking one would be in the picture or not, by timing.
            app.query_one("#filter", Input).cursor_blink = False
            feed(app)
            app.render_all()  # what the countdown tick would draw (it draws during a replay)
            await pilot.pause()
            await pilot.press(*keys)
            await until(
                pilot,
                lambda: (ready is None or ready(app)) and footer_current(app),
                "the state to show",
                timeout=10,
            )

        return bool(snap_compare(app, terminal_size=SIZES[request.param], run_before=run_before))

    return compare


# -- the states ------------------------------------------------------------------------------


def test_dashboard_screen(shoot: Shoot) -> None:
    assert shoot()


def test_filter_typed_matching_rows(shoot: Shoot) -> None:
    assert shoot(
        keys=["slash", *"vict"],
        ready=lambda app: (
            app.query_one("#filter", Input).value == "vict"
            and app.query_one(BoardTable).row_count == 1
        ),
    )


def test_filter_submitted_without_a_match(shoot: Shoot) -> None:
    assert shoot(
        keys=["slash", *"brixton", "enter"],
        ready=lambda app: (
            app.board_filter.active
            and app.query_one(BoardTable).has_focus
            and board_says_why_empty(app)
        ),
    )


def test_replaying(shoot: Shoot) -> None:
    assert shoot(
        replaying, ready=lambda app: not app.status.replay_done and board_says_why_empty(app)
    )


def test_tfl_unreachable_offers_the_demo_feed(shoot: Shoot) -> None:
    assert shoot(
        tfl_unreachable,
        demo=False,
        ready=lambda app: app.query_one("#banner").display,
    )


def test_records_behind_a_row(shoot: Shoot) -> None:
    assert shoot(keys=["enter"], ready=lambda app: isinstance(app.screen, RecordsScreen))


def test_help_screen(shoot: Shoot) -> None:
    assert shoot(keys=["question_mark"], ready=help_shown)


def test_paused(shoot: Shoot) -> None:
    assert shoot(keys=["p"], ready=lambda app: app.paused)


def stops_found(app: TflTuiApp) -> bool:
    """The Stops screen shows the demo catalogue's answer to the query typed."""
    if not isinstance(app.screen, StopsScreen):
        return False
    results = app.screen.query_one("#stops-results", OptionList)
    return results.option_count > 0 and app.screen.watched == (DEFAULT_BUS_STOP,)


def test_stops_screen_with_search_results(shoot: Shoot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", "/home/you/.config")  # named on the screen
    assert shoot(keys=["s", *"york", "enter"], ready=stops_found)


def past_arrivals() -> list[Arrival]:
    """Three hours of the demo's polls of the stop before NOW, told as the buses that came."""
    clock = [NOW - timedelta(hours=3)]
    source = DemoSource(seed=1, clock=lambda: clock[0])
    records: list[Decoded] = []
    for seq in range(1, 361):
        items = source.fetch(STOP)
        records += poll_records(items, STOP, polled_at=clock[0], seq=seq)
        clock[0] += timedelta(seconds=30)
    return [a for a in infer(records) if a.line == "77" and a.destination == "Tooting Station"]


def history_of_the_77(app: TflTuiApp) -> None:
    live_board(app)
    arrivals = past_arrivals()
    title = f"77 → Tooting Station at {STOP_LABEL}"
    app.push_screen(HistoryScreen(title, NOW - timedelta(hours=3), NOW, lambda: arrivals))


def history_shown(app: TflTuiApp) -> bool:
    if not isinstance(app.screen, HistoryScreen):
        return False
    return LOADING not in str(app.screen.query_one("#history-summary").render())


def test_history_of_a_row(shoot: Shoot) -> None:
    assert shoot(history_of_the_77, ready=history_shown)


def past_records() -> list[Decoded]:
    clock = [NOW - timedelta(hours=1)]
    source = DemoSource(seed=1, clock=lambda: clock[0])
    records: list[Decoded] = []
    for seq in range(1, 121):
        records += poll_records(source.fetch(STOP), STOP, polled_at=clock[0], seq=seq)
        clock[0] += timedelta(seconds=30)
    return records


def travelling(app: TflTuiApp) -> None:
    """Time travel over an hour of the demo's polls, the cursor 23 minutes back."""
    live_board(app)
    builder = IndexBuilder(range(4))
    for decoded in past_records():
        builder.feed(decoded)
    for partition in range(4):
        builder.done(partition)
    index = builder.finish(NOW)
    app._traveling = True
    timeline = app.query_one(Timeline)
    timeline.display = True
    timeline.focus()
    timeline.show_index(index)


def travelled(app: TflTuiApp) -> bool:
    return app._travel_at == NOW - timedelta(minutes=23)


def test_time_travel(shoot: Shoot) -> None:
    assert shoot(travelling, keys=["shift+left", "shift+left", "left", "left", "left"],
                 ready=travelled)  # fmt: skip
