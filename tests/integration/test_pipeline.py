"""produce -> topic -> consume for real: a broker process, a TfL stand-in, the CLI as run."""

from __future__ import annotations

import json
import re
import signal
from datetime import UTC, datetime
from typing import Any

import pytest
from confluent_kafka import Producer

from tests.support import Cli, start_producing, wait_for
from tests.tfl_standin import Answer, TflStandIn
from tfl_tui.core.errors import ExitCode
from tfl_tui.tfl.simulator import DemoSource

pytestmark = pytest.mark.integration

FAKE_APP_KEY = "fake-app-key-0123456789abcdef"  # obviously not a real key


def served_predictions(stop_id: str, seed: int = 3) -> list[dict[str, Any]]:
    """TfL-shaped predictions for `stop_id` (the simulator speaks TfL's exact schema)."""
    moment = datetime(2026, 11, 25, 8, 30, tzinfo=UTC)
    predictions = DemoSource(seed=seed, clock=lambda: moment).fetch(stop_id)
    assert predictions, "the simulator should have buses due at 08:30"
    return predictions


def assert_clean_failure(stderr: str) -> None:
    assert "Traceback" not in stderr
    assert "error:" in stderr


def test_once_produces_exactly_what_tfl_served(
    cli: Cli, tfl: TflStandIn, topic: str, stop_id: str
) -> None:
    predictions = served_predictions(stop_id)
    tfl.script(stop_id, Answer.json(predictions))

    done = cli.produce_once(tfl.url, topic, stop_id)

    assert done.returncode == ExitCode.OK, done.stderr
    produced_lines = [line for line in done.stdout.splitlines() if line.startswith("Produced")]
    assert len(produced_lines) == len(predictions)
    records = cli.consume_json(topic, max_messages=len(predictions))
    assert sorted(r["value"]["id"] for r in records) == sorted(p["id"] for p in predictions)
    by_id = {p["id"]: p for p in predictions}
    for record in records:
        assert record["value"] == by_id[record["value"]["id"]]  # TfL's object, unchanged
        assert record["key"] == record["value"]["lineId"]
        headers = record["headers"]
        assert headers["tfl.stop_id"] == stop_id
        assert headers["tfl.poll_seq"] == "1"
        assert headers["tfl.snapshot_size"] == str(len(predictions))
        assert datetime.fromisoformat(headers["tfl.poll_time"]).tzinfo is not None
        assert "problem" not in record


def test_keys_keep_each_line_in_one_partition(
    cli: Cli, tfl: TflStandIn, topic: str, stop_id: str
) -> None:
    tfl.script(stop_id, Answer.json(served_predictions(stop_id, seed=11)))
    assert cli.produce_once(tfl.url, topic, stop_id).returncode == ExitCode.OK
    assert cli.produce_once(tfl.url, topic, stop_id).returncode == ExitCode.OK

    partitions: dict[str, set[int]] = {}
    for record in cli.consume_json(topic):
        partitions.setdefault(record["key"], set()).add(record["partition"])
    assert partitions
    assert all(len(found) == 1 for found in partitions.values()), partitions


def test_mixed_answer_produces_only_the_valid_predictions(
    cli: Cli, tfl: TflStandIn, topic: str, stop_id: str
) -> None:
    good = served_predictions(stop_id)[:3]
    broken = {**good[0], "id": "broken", "timeToStation": "soon"}
    tfl.script(stop_id, Answer.json(["a string", None, good[0], 42, broken, good[1], {}, good[2]]))

    done = cli.produce_once(tfl.url, topic, stop_id)

    assert done.returncode == ExitCode.OK, done.stderr
    assert "5 skipped" in done.stderr
    assert "'timeToStation' is str" in done.stderr
    records = cli.consume_json(topic, max_messages=3)
    assert sorted(r["value"]["id"] for r in records) == sorted(p["id"] for p in good)
    assert all(r["headers"]["tfl.snapshot_size"] == "3" for r in records)


def test_empty_answer_is_success_with_nothing_produced(
    cli: Cli, tfl: TflStandIn, topic: str, stop_id: str
) -> None:
    tfl.script(stop_id, Answer.json([]))
    done = cli.produce_once(tfl.url, topic, stop_id)
    assert done.returncode == ExitCode.OK, done.stderr
    assert "0 predictions" in done.stderr
    assert "Produced" not in done.stdout


def test_unknown_stop_fails_with_tfl_message(cli: Cli, tfl: TflStandIn, topic: str) -> None:
    done = cli.produce_once(tfl.url, topic, "490NOSUCH0")
    assert done.returncode == ExitCode.TFL
    assert_clean_failure(done.stderr)
    assert "490NOSUCH0" in done.stderr
    assert "does not know this stop" in done.stderr
    assert len(tfl.requests_for("490NOSUCH0")) == 1  # a 404 is not retried


def test_server_error_then_success_is_retried(
    cli: Cli, tfl: TflStandIn, topic: str, stop_id: str
) -> None:
    predictions = served_predictions(stop_id)
    tfl.script(stop_id, Answer.html(500), Answer.html(503), Answer.json(predictions))

    done = cli.produce_once(tfl.url, topic, stop_id)

    assert done.returncode == ExitCode.OK, done.stderr
    assert len(tfl.requests_for(stop_id)) == 3
    assert len(cli.consume_json(topic, max_messages=len(predictions))) == len(predictions)


def test_rate_limit_honours_retry_after(
    cli: Cli, tfl: TflStandIn, topic: str, stop_id: str
) -> None:
    predictions = served_predictions(stop_id)
    tfl.script(stop_id, Answer(status=429, headers={"Retry-After": "2"}), Answer.json(predictions))

    done = cli.produce_once(tfl.url, topic, stop_id)

    assert done.returncode == ExitCode.OK, done.stderr
    first, second = tfl.requests_for(stop_id)
    assert second.at - first.at >= 1.9  # waited as TfL asked, not less


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (Answer.html(500), "HTTP 500"),
        (Answer(body=b"{not json"), "invalid JSON"),
        (Answer.json({"arrivals": []}), "expected a list of arrivals"),
        (Answer(delay=30), "TfL did not answer within"),
    ],
    ids=["html-500", "invalid-json", "object-not-list", "never-answers"],
)
def test_persistent_bad_answers_fail_after_the_retry_budget(
    cli: Cli, tfl: TflStandIn, topic: str, stop_id: str, answer: Answer, message: str
) -> None:
    tfl.script(stop_id, answer)
    done = cli.produce_once(tfl.url, topic, stop_id, retry_budget="4", http_timeout="1")
    assert done.returncode == ExitCode.TFL
    assert_clean_failure(done.stderr)
    assert message in done.stderr
    assert len(tfl.requests_for(stop_id)) >= 2  # it did retry before giving up
    assert cli.consume_json(topic, idle_timeout=2) == []  # nothing invalid reached the topic


def test_slow_answer_times_out_and_is_retried(
    cli: Cli, tfl: TflStandIn, topic: str, stop_id: str
) -> None:
    predictions = served_predictions(stop_id)
    tfl.script(stop_id, Answer.json(predictions, delay=5), Answer.json(predictions))

    done = cli.produce_once(tfl.url, topic, stop_id, http_timeout="1")

    assert done.returncode == ExitCode.OK, done.stderr
    assert len(tfl.requests_for(stop_id)) == 2


def test_several_stops_and_the_app_key(cli: Cli, tfl: TflStandIn, topic: str) -> None:
    stops = ["490000254W", "490000173RF"]
    served = {stop: served_predictions(stop) for stop in stops}
    for stop, predictions in served.items():
        tfl.script(stop, Answer.json(predictions))
    before = {stop: len(tfl.requests_for(stop)) for stop in stops}

    done = cli.produce_once(tfl.url, topic, *stops, TFL_APP_KEY=FAKE_APP_KEY)

    assert done.returncode == ExitCode.OK, done.stderr
    for stop in stops:
        request = tfl.requests_for(stop)[before[stop]]
        assert request.query["app_key"] == [FAKE_APP_KEY]
        assert request.headers["User-Agent"].startswith("tfl-tui/")
    assert FAKE_APP_KEY not in done.stdout + done.stderr
    total = sum(len(p) for p in served.values())
    records = cli.consume_json(topic, max_messages=total)
    assert {r["headers"]["tfl.stop_id"] for r in records} == set(stops)


def test_demo_end_to_end(cli: Cli, topic: str) -> None:
    done = cli.run("produce", "--demo", "--once", "--seed", "7", "--topic", topic)
    assert done.returncode == ExitCode.OK, done.stderr
    produced = [line for line in done.stdout.splitlines() if line.startswith("Produced")]
    assert produced

    text = cli.run(
        "consume", "--topic", topic, "--timeout", "5", "--max-messages", str(len(produced))
    )
    assert text.returncode == ExitCode.OK, text.stderr
    lines = text.stdout.splitlines()
    assert len(lines) == len(produced)
    assert all(line.startswith(f"Consumed message from {topic} [partition ") for line in lines)
    records = cli.consume_json(topic, max_messages=len(produced))
    assert all(r["headers"]["tfl.source"] == "demo" for r in records)


def absurd_predictions() -> list[bytes]:
    """Prediction-shaped records no real bus could have produced."""
    good = served_predictions("490000254W")[0]
    absurd = [
        {"timeToStation": -5},
        {"timeToStation": 10**9},
        {"expectedArrival": "0001-01-01T00:00:00Z"},
        {"expectedArrival": "9999-12-31T23:59:59Z"},
        {"destinationName": "x" * 100_000},
    ]
    return [json.dumps({**good, **change}).encode() for change in absurd]


def test_consume_flags_poison_records_and_goes_on(cli: Cli, topic: str) -> None:
    producer = Producer(cli.broker.conf)
    poison = [
        b"\xff\xfe not utf-8",
        b"not json",
        b"[1, 2, 3]",
        b'{"lineId": "x"}',
        *absurd_predictions(),
    ]
    for value in poison:
        producer.produce(topic, key=b"poison", value=value)
    assert producer.flush(10) == 0
    done = cli.run("produce", "--demo", "--once", "--seed", "1", "--topic", topic)
    assert done.returncode == ExitCode.OK, done.stderr

    records = cli.consume_json(topic)

    flagged = [r for r in records if "problem" in r]
    assert len(flagged) == len(poison)
    problems = " ".join(r["problem"] for r in flagged)
    for expected in ("not UTF-8", "not JSON", "not a prediction"):
        assert expected in problems
    assert len(records) > len(poison)  # the good records after the poison were read too


def test_consume_from_committed_resumes_where_the_group_left(cli: Cli, topic: str) -> None:
    produced = cli.run("produce", "--demo", "--once", "--seed", "2", "--topic", topic)
    assert produced.returncode == 0, produced.stderr
    count = produced.stdout.count("Produced message")
    resume = (
        "consume",
        "--topic",
        topic,
        "--group",
        f"resume_{topic}",
        "--from",
        "committed",
        "--json",
        "--timeout",
        "4",
    )

    first = cli.run(*resume, "--max-messages", str(count))
    assert first.returncode == 0, first.stderr
    assert len(first.stdout.splitlines()) == count

    again = cli.run(*resume)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == ""  # everything was already committed


def test_unreachable_broker_fails_fast_and_clearly(
    cli: Cli, tfl: TflStandIn, topic: str, closed_port: int
) -> None:
    for command in (["produce", "--demo", "--once"], ["consume", "--max-messages", "1"]):
        done = cli.run(
            *command,
            "--topic",
            topic,
            "--bootstrap-servers",
            f"127.0.0.1:{closed_port}",
            "--connect-timeout",
            "2",
            timeout=30,
        )
        assert done.returncode == ExitCode.KAFKA, (command, done.stderr)
        assert_clean_failure(done.stderr)
        assert f"cannot reach Kafka at 127.0.0.1:{closed_port}" in done.stderr


def test_rate_limit_without_retry_after_backs_off(
    cli: Cli, tfl: TflStandIn, topic: str, stop_id: str
) -> None:
    predictions = served_predictions(stop_id)
    tfl.script(stop_id, Answer(status=429), Answer.json(predictions))

    done = cli.produce_once(tfl.url, topic, stop_id)

    assert done.returncode == ExitCode.OK, done.stderr
    assert "rate limited by TfL (HTTP 429); retrying in" in done.stderr
    first, second = tfl.requests_for(stop_id)
    assert second.at - first.at >= 1.0  # backed off instead of hammering TfL


def test_a_multi_megabyte_answer_is_refused(
    cli: Cli, tfl: TflStandIn, topic: str, stop_id: str
) -> None:
    huge = b"[" + b'"x",' * 2_500_000 + b'"x"]'  # 10 MB: no Arrivals answer is that big
    tfl.script(stop_id, Answer(body=huge))
    done = cli.produce_once(tfl.url, topic, stop_id)
    assert done.returncode == ExitCode.TFL
    assert_clean_failure(done.stderr)
    assert "larger than 8 MB" in done.stderr


def test_sigterm_mid_poll_delivers_everything_printed(
    cli: Cli, tfl: TflStandIn, topic: str, stop_id: str
) -> None:
    predictions = served_predictions(stop_id)
    # The second poll hangs, so the signal arrives in the middle of a poll cycle.
    tfl.script(stop_id, Answer.json(predictions), Answer.json(predictions, delay=30))
    process = start_producing(
        cli.broker.runtime_dir,
        tfl.url,
        stop_id,
        "--topic",
        topic,
        "--http-timeout",
        "20",
        cwd=cli.broker.workdir,
    )
    wait_for(
        lambda: len(tfl.requests_for(stop_id)) >= 2 or process.poll() is not None, "the second poll"
    )
    assert process.poll() is None, process.communicate()

    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=20)

    assert process.returncode == ExitCode.OK, err
    printed = {tuple(map(int, m)) for m in re.findall(r"partition (\d+), offset (\d+)", out)}
    assert len(printed) == len(predictions)
    assert f"produced {len(predictions)} records: {len(predictions)} delivered" in err
    on_topic = cli.consume_json(topic, max_messages=len(predictions))
    assert {(r["partition"], r["offset"]) for r in on_topic} == printed
