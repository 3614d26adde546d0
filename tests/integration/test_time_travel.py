"""`produce --demo --backfill` and `board --at`, run as a user would, on the session's broker."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

from tests.integration.test_pipeline import assert_clean_failure
from tests.support import Cli
from tfl_tui.core.errors import ExitCode


def test_a_backfilled_past_is_on_the_board_of_that_moment(
    cli: Cli, topic: str, stop_id: str
) -> None:
    done = cli.run(
        "produce", "--demo", "--once", "--backfill", "20m", "--topic", topic, "--stop", stop_id
    )
    assert done.returncode == ExitCode.OK, done.stderr
    assert "backfill: 100%" in done.stderr

    past = cli.run("board", "--topic", topic, "--at", "-10m", "--json")
    assert past.returncode == ExitCode.OK, past.stderr
    rows = [json.loads(line) for line in past.stdout.splitlines()]
    assert rows, past.stderr
    at = datetime.fromisoformat(rows[0]["at"])
    assert abs(datetime.now(at.tzinfo) - timedelta(minutes=10) - at) < timedelta(minutes=1)
    for row in rows:
        assert row["stop_id"] == stop_id
        assert row["etas_s"] == sorted(row["etas_s"]) and row["etas_s"][0] >= 0
        assert [datetime.fromisoformat(a) for a in row["arrivals"]] == [
            at + timedelta(seconds=eta) for eta in row["etas_s"]
        ]
        assert datetime.fromisoformat(row["updated"]) <= at
    assert "board at" in past.stderr
    assert "read from the beginning" in past.stderr or "sought by time" in past.stderr
    # Every record is read, on any broker (Tansu's high watermarks count batches, not records).
    produced = re.search(r"produced ([\d,]+) records", done.stderr)
    read = re.search(r"of ([\d,]+) records read", past.stderr)
    assert produced and read
    if "read from the beginning" in past.stderr:
        assert read.group(1).replace(",", "") == produced.group(1).replace(",", "")

    now = cli.run("board", "--topic", topic)
    assert now.returncode == ExitCode.OK, now.stderr
    assert now.stdout and now.stdout != past.stdout  # ten minutes on, another board


def test_a_topic_that_is_not_there_is_said_so(cli: Cli, topic: str) -> None:
    done = cli.run("board", "--topic", topic, "--at", "-1h")
    assert done.returncode == ExitCode.KAFKA
    assert f"topic {topic!r} does not exist" in done.stderr
    assert_clean_failure(done.stderr)


def test_a_time_that_is_no_time_or_in_the_future_is_refused(cli: Cli, topic: str) -> None:
    for at, said in [("25:99", "not a time of day"), ("2099-01-01T00:00", "in ")]:
        done = cli.run("board", "--topic", topic, "--at", at)
        assert done.returncode == ExitCode.USAGE, done.stderr
        assert said in done.stderr
        assert_clean_failure(done.stderr)


def test_backfill_needs_the_demo(cli: Cli, topic: str) -> None:
    done = cli.run("produce", "--backfill", "1h", "--topic", topic)
    assert done.returncode == ExitCode.USAGE
    assert "--backfill needs --demo" in done.stderr


def test_history_tells_the_buses_that_came_and_the_waits(
    cli: Cli, topic: str, stop_id: str
) -> None:
    done = cli.run(
        "produce", "--demo", "--once", "--backfill", "45m", "--topic", topic, "--stop", stop_id
    )
    assert done.returncode == ExitCode.OK, done.stderr

    history = cli.run("history", "--topic", topic, "--stop", stop_id, "--since", "40m", "--json")
    assert history.returncode == ExitCode.OK, history.stderr
    buses = [json.loads(line) for line in history.stdout.splitlines()]
    came = [b for b in buses if b["outcome"] == "came"]
    assert came, history.stderr
    assert {b["stop_id"] for b in buses} == {stop_id}
    last: dict[tuple[str, str], datetime] = {}
    for bus in came:
        at = datetime.fromisoformat(bus["came_at"])
        key = (bus["line"], bus["destination"])
        if key in last:  # the first in the window counts from a bus before it, if any
            # Times are shown to the second: the wait may differ by one in the last digit.
            assert abs(bus["gap_s"] - (at - last[key]).total_seconds()) <= 1
        last[key] = at
        assert bus["said"] and datetime.fromisoformat(bus["said"][0]["at"]) <= at
    assert "came" in history.stderr and "still expected" in history.stderr

    text = cli.run("history", "--topic", topic, "--stop", stop_id, "--since", "40m")
    assert text.returncode == ExitCode.OK
    assert len(text.stdout.splitlines()) == len(buses)
    assert "said " in text.stdout
