"""Finding the broker and reading the configuration, as a user meets them on the command line."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.support import Cli, cli_env, start_broker, tfl_tui_command
from tfl_tui.errors import ExitCode

pytestmark = pytest.mark.integration

FAKE_SECRET = "fake-secret-do-not-print-42"  # obviously not a real secret


def run(runtime_dir: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        tfl_tui_command(*args),
        capture_output=True,
        text=True,
        timeout=60,
        env=cli_env(runtime_dir),
        cwd=cwd,
        check=False,
    )


def test_without_any_broker_the_hint_says_how_to_get_one(tmp_path: Path) -> None:
    for command in ("produce", "consume"):
        done = run(
            tmp_path / "runtime", command, "--demo" if command == "produce" else "-v", cwd=tmp_path
        )
        assert done.returncode == ExitCode.CONFIG
        assert "no Kafka broker configured" in done.stderr
        assert "tfl-tui broker" in done.stderr
        assert "Traceback" not in done.stderr


@pytest.mark.embedded_only
def test_a_second_broker_says_where_the_first_is(tmp_path: Path) -> None:
    first = start_broker(tmp_path / "runtime")
    try:
        second = run(tmp_path / "runtime", "broker")
        assert second.returncode == ExitCode.FAILURE
        assert f"already running: embedded broker at {first.bootstrap_servers}" in second.stderr
    finally:
        code, _err = first.stop()
    assert code == 0
    assert not (tmp_path / "runtime" / "broker.json").exists()  # removed on the way out


@pytest.mark.embedded_only
def test_a_stale_announcement_is_replaced(tmp_path: Path) -> None:
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    dead = subprocess.Popen(["true"])
    dead.wait()
    (runtime / "broker.json").write_text(
        json.dumps({"bootstrap_servers": "127.0.0.1:1", "pid": dead.pid, "started_at": "x"})
    )

    broker = start_broker(runtime)
    try:
        announced = json.loads((runtime / "broker.json").read_text())
        assert announced["bootstrap_servers"] == broker.bootstrap_servers
        assert announced["pid"] == broker.process.pid
    finally:
        broker.stop()


def test_malformed_config_names_file_and_line_without_the_secret(tmp_path: Path) -> None:
    config = tmp_path / "client.properties"
    config.write_text(f"bootstrap.servers=127.0.0.1:9092\nsasl.password={FAKE_SECRET}\\\n")
    os.chmod(config, 0o600)
    done = run(tmp_path / "runtime", "consume", "--config", str(config))
    assert done.returncode == ExitCode.CONFIG
    assert "client.properties:2" in done.stderr
    assert FAKE_SECRET not in done.stderr + done.stdout
    assert "Traceback" not in done.stderr


def test_missing_explicit_config_is_an_error(tmp_path: Path) -> None:
    done = run(tmp_path / "runtime", "consume", "--config", str(tmp_path / "nope.properties"))
    assert done.returncode == ExitCode.CONFIG
    assert "config file not found" in done.stderr


def test_default_config_is_read_from_the_working_directory(
    tmp_path: Path, closed_port: int
) -> None:
    config = tmp_path / "client.properties"
    config.write_text(f"bootstrap.servers=127.0.0.1:{closed_port}\n")
    os.chmod(config, 0o644)
    done = run(tmp_path / "runtime", "consume", "--connect-timeout", "1", cwd=tmp_path)
    assert done.returncode == ExitCode.KAFKA
    assert f"127.0.0.1:{closed_port}" in done.stderr
    assert "chmod 600" in done.stderr  # readable by others: warned, not refused


def test_help_explains_defaults(tmp_path: Path) -> None:
    for command in ("produce", "consume"):
        done = run(tmp_path, command, "--help")
        assert done.returncode == 0
        assert "default" in done.stdout
    assert "5 MB" in run(tmp_path, "broker", "--help").stdout
    assert "490000254W" in run(tmp_path, "produce", "--help").stdout
    version = run(tmp_path, "--version")
    assert version.returncode == 0 and version.stdout.startswith("tfl-tui ")


@pytest.mark.embedded_only
def test_a_broker_that_cannot_create_topics_falls_back_to_auto_creation(
    tmp_path: Path, cli: Cli, topic: str
) -> None:
    # Addressed by --bootstrap-servers from another runtime dir, the embedded broker looks
    # like any cluster: tfl-tui asks it to create the topic, and it never answers.
    done = subprocess.run(
        tfl_tui_command(
            "produce",
            "--demo",
            "--once",
            "--topic",
            topic,
            "--bootstrap-servers",
            cli.broker.bootstrap_servers,
            "--connect-timeout",
            "2",
        ),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=cli_env(tmp_path / "other-runtime"),
    )
    assert done.returncode == ExitCode.OK, done.stderr
    assert "did not answer CreateTopics within 2s; relying on auto-creation" in done.stderr
    assert done.stdout.count("Produced message") > 0
