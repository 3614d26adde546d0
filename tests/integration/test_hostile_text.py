"""Escape sequences from TfL or the topic never reach the terminal through the headless commands.

A compromised upstream (or anyone who can write to the topic) puts terminal commands in the
names of a prediction; `produce` and `consume` show them as visible escapes, and `consume
--json` still gives the exact strings back.
"""

from __future__ import annotations

import json

import pytest
from confluent_kafka import Producer

from tests.integration.test_pipeline import served_predictions
from tests.support import Cli, KafkaUnderTest
from tests.tfl_standin import Answer, TflStandIn
from tfl_tui.core.errors import ExitCode

pytestmark = pytest.mark.integration

TITLE = "\x1b]0;PWNED\x07"  # sets the terminal's title
WIPE = "\x1b[2J"  # clears the screen
RED = "\x9b31m"  # colours, with the one-byte C1 CSI
# Raw bytes that must never be written: ESC, BEL, the C1 CSI, CR.
RAW = ("\x1b", "\x07", "\x9b", "\r")


def assert_shown_safely(output: str, visible: str = "\\x1b]0;PWNED\\x07") -> None:
    for char in RAW:
        assert char not in output, f"{char!r} reached the terminal"
    assert visible in output  # shown, as something one can read


def test_produce_and_consume_show_hostile_names_visibly(
    cli: Cli, tfl: TflStandIn, topic: str, stop_id: str
) -> None:
    predictions = served_predictions(stop_id)[:3]
    for item in predictions:
        item["stationName"] = f"Evil{TITLE}"
        item["platformName"] = WIPE
        item["destinationName"] = f"{RED}Victoria{TITLE}\r[red]x[/red]"
    tfl.script(stop_id, Answer.json(predictions))

    produced = cli.produce_once(tfl.url, topic, stop_id)
    assert produced.returncode == ExitCode.OK, produced.stderr
    assert_shown_safely(produced.stdout)  # "Produced message … destination=…"
    assert_shown_safely(produced.stderr)  # "polled … Evil…"

    consumed = cli.run(
        "consume", "--topic", topic, "--group", topic, "--max-messages", "3", "--timeout", "5"
    )
    assert consumed.returncode == ExitCode.OK, consumed.stderr
    assert len(consumed.stdout.splitlines()) == 3  # a CR or LF in the data starts no line
    # The value as JSON text, which spells the controls as JSON escapes.
    assert_shown_safely(consumed.stdout, visible="\\u001b]0;PWNED\\u0007")

    records = cli.consume_json(topic, max_messages=3)
    assert sorted(r["value"]["destinationName"] for r in records) == sorted(
        p["destinationName"] for p in predictions
    )  # valid JSON, and the exact strings


def test_a_hostile_tfl_error_message_is_shown_visibly(
    cli: Cli, tfl: TflStandIn, topic: str, stop_id: str
) -> None:
    tfl.script(stop_id, Answer.api_error(404, "EntityNotFoundException", f"nope{TITLE}"))

    done = cli.produce_once(tfl.url, topic, stop_id)

    assert done.returncode == ExitCode.TFL
    assert "Traceback" not in done.stderr
    assert_shown_safely(done.stderr)


def test_consume_shows_hostile_records_from_the_topic_visibly(
    cli: Cli, broker: KafkaUnderTest, topic: str
) -> None:
    # Written by someone else: a title sequence in the key, a C1 CSI and a bidi override in a
    # JSON value (escaped, as JSON allows), and a value that is not even JSON.
    producer = Producer(broker.conf)
    values = [json.dumps({"destinationName": f"{RED}Victoria\u202e"}).encode(), WIPE.encode()]
    for value in values:
        producer.produce(topic, key=TITLE.encode(), value=value, headers=[("h", TITLE.encode())])
    assert producer.flush(10) == 0

    consumed = cli.run(
        "consume", "--topic", topic, "--group", topic, "--max-messages", "2", "--timeout", "5"
    )
    assert consumed.returncode == ExitCode.OK, consumed.stderr
    assert len(consumed.stdout.splitlines()) == 2
    assert_shown_safely(consumed.stdout)

    as_json = cli.run(
        "consume", "--topic", topic, "--json", "--max-messages", "2", "--timeout", "5"
    )
    assert as_json.returncode == ExitCode.OK, as_json.stderr
    for char in (*RAW, "\u202e"):
        assert char not in as_json.stdout
    first, second = (json.loads(line) for line in as_json.stdout.splitlines())
    assert first["key"] == TITLE and first["headers"] == {"h": TITLE}
    assert first["value"] == {"destinationName": f"{RED}Victoria\u202e"}
    assert second["value"] == WIPE and second["problem"].startswith("not JSON")
