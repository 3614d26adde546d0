"""The dashboard driven as a user would, with Pilot, against a real broker process.

Each test runs the real workers: the embedded broker runs in its own `tfl-tui broker` process,
TfL is the demo simulator or the local stand-in server; nothing is mocked.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from confluent_kafka import Producer
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from tests.support import Cli, KafkaUnderTest, run_app, until
from tests.tfl_standin import TflStandIn
from tfl_tui.app import TflTuiApp
from tfl_tui.core.dashboard_options import DashboardOptions
from tfl_tui.core.kafka_target import KafkaTarget
from tfl_tui.widgets.board_table import BoardTable
from tfl_tui.widgets.raw_panel import RawPanel

pytestmark = pytest.mark.integration

SIZE = (140, 45)


def options_for(broker: KafkaUnderTest, topic: str, **overrides: Any) -> DashboardOptions:
    settings: dict[str, Any] = {
        "topic": topic,
        "demo": True,
        "seed": 4,
        "interval": 600.0,
        "flush_timeout": 10.0,
    }
    settings.update(overrides)
    return DashboardOptions(target=broker.target(), **settings)


def board_rows(app: TflTuiApp) -> list[tuple[str, str]]:
    """What the board table shows: (line, destination) per row, top to bottom."""
    view = app.query_one(BoardTable).view
    return [(row.line, row.destination) for row in view.rows(0, len(view))]


def test_board_fills_and_filter_narrows_it(broker: KafkaUnderTest, topic: str) -> None:
    app = TflTuiApp(options_for(broker, topic))

    async def scenario(pilot: Pilot[Any]) -> None:
        await until(pilot, lambda: app.query_one(BoardTable).row_count >= 3, "the board to fill")
        everything = board_rows(app)
        assert any(dest == "Victoria" for _line, dest in everything)

        await pilot.press("slash")
        assert app.query_one("#filter", Input).has_focus
        await pilot.press(*"VICT")
        await until(
            pilot,
            lambda: board_rows(app) and all("vict" in dest.lower() for _l, dest in board_rows(app)),
            "the filter to apply",
        )
        assert len(board_rows(app)) < len(everything)

        await pilot.press("escape")
        await until(pilot, lambda: len(board_rows(app)) >= len(everything), "the filter to clear")
        assert not app.query_one("#filter", Input).display

        await pilot.press("slash", *"line:507 <60", "enter")
        await until(pilot, lambda: bool(board_rows(app)), "line filter rows")
        assert {line for line, _dest in board_rows(app)} == {"507"}
        assert app.query_one("#filter", Input).display  # an active filter stays visible
        assert app.query_one(BoardTable).has_focus  # and the board has the keys again

    run_app(app, scenario)


def test_replay_rebuilds_the_same_board(broker: KafkaUnderTest, topic: str) -> None:
    app = TflTuiApp(options_for(broker, topic))

    async def scenario(pilot: Pilot[Any]) -> None:
        await until(pilot, lambda: app.query_one(BoardTable).row_count >= 3, "the board to fill")
        await until(pilot, lambda: app.status.replay_done, "the start-up read to catch up")
        before = sorted(board_rows(app))
        generation = app.status.replay_generation

        await pilot.press("r")
        await until(pilot, lambda: app.status.replay_generation > generation, "replay to start")
        await until(
            pilot,
            lambda: app.status.replay_done and sorted(board_rows(app)) == before,
            "the board to be rebuilt",
        )
        raw = app.query_one(RawPanel)
        assert raw.query_one(DataTable).row_count > 0

    run_app(app, scenario)


def test_quit_flushes_and_every_record_is_on_the_topic(
    broker: KafkaUnderTest, topic: str, cli: Cli
) -> None:
    app = TflTuiApp(options_for(broker, topic))

    async def scenario(pilot: Pilot[Any]) -> None:
        await until(
            pilot,
            lambda: app.status.producer is not None and app.status.producer.delivered > 0,
            "a delivery",
        )
        await pilot.press("q")
        await until(pilot, lambda: not app.is_running, "the app to exit")

    run_app(app, scenario)
    stopped = app.outcome.stopped
    assert stopped is not None
    assert stopped.undelivered == 0
    assert stopped.delivered == stopped.produced > 0
    on_topic = cli.consume_json(topic, max_messages=stopped.delivered)
    assert len(on_topic) == stopped.delivered


def test_invalid_records_are_flagged_not_fatal(broker: KafkaUnderTest, topic: str) -> None:
    producer = Producer(broker.conf)
    poison = [b"\xff\xfe", b"not json", b"[]", json.dumps({"lineId": "x"}).encode()]
    for value in poison:
        producer.produce(topic, key=b"poison", value=value)
    assert producer.flush(10) == 0
    app = TflTuiApp(options_for(broker, topic))

    async def scenario(pilot: Pilot[Any]) -> None:
        raw = app.query_one(RawPanel)
        await until(pilot, lambda: raw.flagged == len(poison), "the poison to be flagged")
        await until(pilot, lambda: app.query_one(BoardTable).row_count > 0, "the good records")
        await until(
            pilot,
            lambda: app.status.consumer is not None and app.status.consumer.flagged == len(poison),
            "the flagged count",
        )
        await pilot.press("slash", "x")  # still answering keys
        assert app.query_one("#filter", Input).value == "x"

    run_app(app, scenario)


def test_unreachable_tfl_offers_the_demo_feed(
    broker: KafkaUnderTest, topic: str, closed_port: int
) -> None:
    app = TflTuiApp(
        options_for(
            broker, topic, demo=False, retry_budget=1.0, tfl_url=f"http://127.0.0.1:{closed_port}"
        )
    )

    async def scenario(pilot: Pilot[Any]) -> None:
        banner = app.query_one("#banner")
        await until(pilot, lambda: banner.display, "the offer of the demo feed")
        assert "Press d" in str(banner.render())
        await pilot.press("d")
        await until(pilot, lambda: app.query_one(BoardTable).row_count > 0, "demo buses")
        assert not banner.display

    run_app(app, scenario)


def test_help_and_row_records_screens(broker: KafkaUnderTest, topic: str) -> None:
    app = TflTuiApp(options_for(broker, topic))

    async def scenario(pilot: Pilot[Any]) -> None:
        await until(pilot, lambda: app.query_one(BoardTable).row_count > 0, "the board")
        await pilot.press("question_mark")
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        assert type(app.screen).__name__ == "Screen"
        await pilot.press("enter")
        await until(pilot, lambda: type(app.screen).__name__ == "RecordsScreen", "records")
        await pilot.press("escape")
        await pilot.press("p")
        assert app.paused
        await pilot.press("p")
        assert not app.paused

    run_app(app, scenario)


def test_unreachable_broker_is_reported_and_quit_still_works(topic: str, closed_port: int) -> None:
    target = KafkaTarget(
        {"bootstrap.servers": f"127.0.0.1:{closed_port}"},
        f"127.0.0.1:{closed_port}",
        embedded=False,
    )
    app = TflTuiApp(DashboardOptions(target=target, topic=topic, demo=True, connect_timeout=1.0))

    async def scenario(pilot: Pilot[Any]) -> None:
        await until(
            pilot, lambda: app.status.kafka_problem is not None, "the broker problem", timeout=10
        )
        assert app.status.connection.startswith("disconnected")
        empty = app.query_one("#board-empty")
        await until(
            pilot,
            lambda: "Kafka unreachable, retrying" in str(empty.render()),
            "the board to say why it is empty",
        )
        await pilot.press("q")
        await until(pilot, lambda: not app.is_running, "the app to exit", timeout=15)

    run_app(app, scenario)
    assert app.outcome.failure is None


def test_pause_freezes_the_display_but_keeps_reading(broker: KafkaUnderTest, topic: str) -> None:
    app = TflTuiApp(options_for(broker, topic, interval=1.0))

    async def scenario(pilot: Pilot[Any]) -> None:
        raw = app.query_one(RawPanel).query_one(DataTable)
        await until(pilot, lambda: raw.row_count > 0, "the first records")
        await pilot.press("p")
        # The board's own count of folded records: exact at the moment of the pause, unlike
        # the consumer's once-a-second progress report.
        shown, folded = raw.row_count, app.board.applied
        await until(pilot, lambda: app.board.applied > folded, "records read while paused")
        assert raw.row_count == shown  # the display stayed as it was
        await pilot.press("p")
        assert raw.row_count > shown  # what came meanwhile is shown at once

    run_app(app, scenario)


def test_the_dashboard_stretches_an_interval_over_tfls_budget(
    broker: KafkaUnderTest, topic: str, tfl: TflStandIn
) -> None:
    # 50 stops every second, anonymously (50 requests a minute): the dashboard polls as
    # `tfl-tui produce` does, at the shortest interval the budget allows, and says so.
    stops = [f"4900BUDGET{n:02d}" for n in range(50)]
    app = TflTuiApp(
        options_for(broker, topic, demo=False, tfl_url=tfl.url, stops=stops, interval=1.0)
    )

    async def scenario(pilot: Pilot[Any]) -> None:
        await until(pilot, lambda: app.status.last_notice, "the notice")
        assert "polling 50 stops every 1s would exceed TfL's request budget" in (
            app.status.last_notice or ""
        )

    run_app(app, scenario)


@pytest.mark.embedded_only
def test_a_topic_not_there_yet_is_said_so(broker: KafkaUnderTest, topic: str) -> None:
    # Nothing produced yet: the broker answers, the topic is not there. Not "connecting…".
    app = TflTuiApp(options_for(broker, topic, produce=False))

    async def scenario(pilot: Pilot[Any]) -> None:
        await until(pilot, lambda: app.status.topic_awaited, "the consumer to find no topic")
        assert app.status.pipeline_line() == f"Kafka: connected · waiting for topic {topic}"

    run_app(app, scenario)
