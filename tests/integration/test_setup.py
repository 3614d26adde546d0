"""Finding the broker and reading the configuration, as a user meets them on the command line."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from pathlib import Path

import pytest

from tests.support import Cli, KafkaUnderTest, cli_env, start_broker, tfl_tui_command, wait_for
from tfl_tui.core.broker_announcement import (
    OWNER_DASHBOARD,
    BrokerAnnouncement,
    read_announcement,
    write_announcement,
)
from tfl_tui.core.dashboard_options import DashboardOptions
from tfl_tui.core.errors import ExitCode
from tfl_tui.core.events import Failure
from tfl_tui.workers.supervisor import Workers

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
def test_a_standalone_broker_takes_over_from_a_dashboards(tmp_path: Path) -> None:
    runtime = tmp_path / "runtime"
    with socket.socket() as listening:  # a live dashboard's broker: this process, a real port
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        servers = f"127.0.0.1:{listening.getsockname()[1]}"
        write_announcement(
            BrokerAnnouncement(servers, os.getpid(), "x", owner=OWNER_DASHBOARD), runtime
        )
        broker = start_broker(runtime)
        try:
            announced = read_announcement(runtime)
            assert announced is not None and announced.standalone
            assert announced.bootstrap_servers == broker.bootstrap_servers != servers
        finally:
            code, _err = broker.stop()
    assert code == 0


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


# Settings librdkafka refuses when a client is made: each is one `error:` line naming the
# property (exit 3), never its value. librdkafka's own message quotes some values (an enum's,
# here), so the secret stands in for the value in every case.
REFUSED_SETTINGS = [
    pytest.param(
        f"no.such.property={FAKE_SECRET}",
        "no.such.property",
        "unknown Kafka property",
        id="unknown",
    ),
    pytest.param(
        f"socket.timeout.ms={FAKE_SECRET}", "socket.timeout.ms", "invalid value", id="not-a-number"
    ),
    pytest.param(
        f"security.protocol={FAKE_SECRET}", "security.protocol", "invalid value", id="not-a-choice"
    ),
    pytest.param(
        f"security.protocol=SSL\nssl.ca.location=/nonexistent/{FAKE_SECRET}/ca.pem",
        "ssl.ca.location",
        "does not exist",
        id="missing-ca-file",
    ),
]


def write_client_properties(path: Path, bootstrap_servers: str, lines: str) -> Path:
    path.write_text(f"bootstrap.servers={bootstrap_servers}\n{lines}\n")
    os.chmod(path, 0o600)
    return path


def assert_one_config_error(done: subprocess.CompletedProcess[str], name: str, says: str) -> None:
    assert done.returncode == ExitCode.CONFIG, done.stderr
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, done.stderr
    assert f"'{name}'" in errors[0]
    assert says in errors[0]
    assert FAKE_SECRET not in done.stdout + done.stderr


@pytest.mark.parametrize(("lines", "name", "says"), REFUSED_SETTINGS)
@pytest.mark.parametrize("command", ["produce", "consume"])
def test_a_setting_librdkafka_refuses_is_one_line_naming_the_property(
    tmp_path: Path, cli: Cli, topic: str, command: str, lines: str, name: str, says: str
) -> None:
    config = write_client_properties(
        tmp_path / "client.properties", cli.broker.bootstrap_servers, lines
    )
    if command == "produce":
        done = cli.run("produce", "--demo", "--once", "--topic", topic, "--config", str(config))
    else:
        done = cli.run("consume", "--topic", topic, "--timeout", "2", "--config", str(config))
    assert_one_config_error(done, name, says)


def test_a_setting_only_the_producer_refuses_is_a_config_error(
    tmp_path: Path, cli: Cli, topic: str
) -> None:
    # The topic check accepts acks=1; the producer, idempotent, needs acks=all.
    config = write_client_properties(
        tmp_path / "client.properties", cli.broker.bootstrap_servers, "acks=1"
    )
    done = cli.run("produce", "--demo", "--once", "--topic", topic, "--config", str(config))
    assert_one_config_error(done, "acks", "librdkafka refused")
    assert "'enable.idempotence'" in done.stderr
    assert "Produced message" not in done.stdout


def test_the_dashboard_reports_a_refused_setting_instead_of_dying(
    broker: KafkaUnderTest, topic: str
) -> None:
    # The dashboard's producer worker checks the topic the same way, in its own thread.
    events: list[object] = []
    target = broker.target(**{"security.protocol": FAKE_SECRET})
    workers = Workers(DashboardOptions(target=target, topic=topic, demo=True), events.append)
    workers.start()
    try:

        def producer_failure() -> Failure | None:
            return next(
                (e for e in events if isinstance(e, Failure) and e.source == "producer"), None
            )

        wait_for(producer_failure, "the producer worker to report the setting")
    finally:
        workers.stop()
    failure = producer_failure()
    assert failure is not None and failure.fatal
    assert "invalid value for Kafka property 'security.protocol'" in failure.message
    assert FAKE_SECRET not in f"{failure.message} {failure.hint}"


def test_the_dashboard_refuses_a_setting_before_it_starts(
    broker: KafkaUnderTest, tmp_path: Path
) -> None:
    # Found before the screen is taken: one line and exit 3, as produce and consume give.
    config = tmp_path / "client.properties"
    config.write_text(f"bootstrap.servers={broker.bootstrap_servers}\nno.such.property=1\n")
    config.chmod(0o600)
    done = run(tmp_path / "runtime", "--demo", "--config", str(config))
    assert done.returncode == ExitCode.CONFIG, done.stderr
    assert "error: unknown Kafka property 'no.such.property'" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "option",
    [
        ["--topic", ""],
        ["--topic", ".."],
        ["--group", ""],
        ["--timeout", "nan"],
    ],
)
def test_consume_refuses_a_bad_option_value_before_reaching_kafka(
    cli: Cli, option: list[str]
) -> None:
    done = cli.run("consume", "--timeout", "2", *option)
    assert done.returncode == ExitCode.USAGE, done.stderr
    assert f"error: argument {option[0]}:" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_repeated_stop_is_polled_once(cli: Cli, topic: str, stop_id: str) -> None:
    done = cli.run(
        "produce", "--demo", "--once", "--topic", topic, "--stop", stop_id, "--stop", stop_id
    )
    assert done.returncode == ExitCode.OK, done.stderr
    assert done.stderr.count(f"polled {stop_id} ") == 1
