"""Secrets never leave: every command runs with known fake secrets and its output is scanned."""

from __future__ import annotations

import html
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.support import Cli, KafkaUnderTest, cli_env, run_app, tfl_tui_command, until
from tests.tfl_standin import Answer, TflStandIn
from tfl_tui.app import TflTuiApp
from tfl_tui.core.dashboard_options import DashboardOptions

pytestmark = pytest.mark.integration

# Obviously fake values, distinctive enough that any echo of them is found.
FAKE_PASSWORD = "fake-sasl-password-7f3a9c1e"
FAKE_APP_KEY = "fake-tfl-app-key-0b1c2d3e4f"
FAKE_OAUTH_SECRET = "fake-oauth-client-secret-5a6b"


def cloud_config(tmp_path: Path, port: int) -> Path:
    config = tmp_path / "client.properties"
    config.write_text(
        f"bootstrap.servers=127.0.0.1:{port}\n"
        "security.protocol=SASL_PLAINTEXT\n"
        "sasl.mechanisms=PLAIN\n"
        "sasl.username=fake-user\n"
        f"sasl.password={FAKE_PASSWORD}\n"
        "# an OAuth secret that is not used by PLAIN but must be masked all the same\n"
        f"sasl.oauthbearer.client.secret={FAKE_OAUTH_SECRET}\n"
    )
    os.chmod(config, 0o600)
    return config


def assert_no_secret(done: subprocess.CompletedProcess[str]) -> None:
    output = done.stdout + done.stderr
    for secret in (FAKE_PASSWORD, FAKE_APP_KEY, FAKE_OAUTH_SECRET):
        assert secret not in output, f"{secret} leaked by {done.args}"
    assert "Traceback" not in output


def test_no_command_prints_a_secret(
    tmp_path: Path, cli: Cli, tfl: TflStandIn, topic: str, closed_port: int
) -> None:
    config = cloud_config(tmp_path, closed_port)
    tfl.script("490000SECRET", Answer.html(500))
    key = ["--app-key", FAKE_APP_KEY]
    runs = [
        ["produce", "--config", str(config), "--once", "--demo", "-v", "--connect-timeout", "1"],
        ["consume", "--config", str(config), "-v", "--connect-timeout", "1"],
        # TfL answering errors and refusing connections, with the key in every request.
        [
            "produce",
            "--once",
            "-v",
            "--topic",
            topic,
            "--tfl-url",
            tfl.url,
            "--stop",
            "490000SECRET",
            "--stop",
            "UNKNOWN",
            "--retry-budget",
            "2",
            *key,
        ],
        [
            "produce",
            "--once",
            "-v",
            "--topic",
            topic,
            "--retry-budget",
            "2",
            "--tfl-url",
            f"http://127.0.0.1:{closed_port}",
            *key,
        ],
        ["produce", "--help"],
    ]
    for args in runs:
        done = cli.run(*args, timeout=60)
        assert done.returncode != 0 or args[-1] == "--help", done.args
        assert_no_secret(done)
    assert all(r.query.get("app_key") == [FAKE_APP_KEY] for r in tfl.requests_for("490000SECRET"))


def test_the_environment_key_is_used_and_never_printed(
    cli: Cli, tfl: TflStandIn, topic: str
) -> None:
    tfl.script("490000ENVKEY", Answer(status=401, body=b'{"message": "Invalid app_key"}'))
    done = cli.produce_once(tfl.url, topic, "490000ENVKEY", TFL_APP_KEY=FAKE_APP_KEY)
    assert done.returncode != 0
    assert "refused the request (HTTP 401)" in done.stderr
    assert_no_secret(done)
    assert tfl.requests_for("490000ENVKEY")[0].query["app_key"] == [FAKE_APP_KEY]


def test_a_config_error_never_echoes_the_secret(tmp_path: Path) -> None:
    config = tmp_path / "client.properties"
    config.write_text(f"bootstrap.servers=127.0.0.1:9092\n{FAKE_PASSWORD}\n")
    os.chmod(config, 0o600)
    done = subprocess.run(
        tfl_tui_command("consume", "--config", str(config)),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=cli_env(tmp_path / "runtime"),
    )
    assert done.returncode == 3
    assert "client.properties:2" in done.stderr
    assert_no_secret(done)


def test_the_dashboard_shows_no_secret(
    broker: KafkaUnderTest, topic: str, closed_port: int
) -> None:
    # A PLAINTEXT broker ignores SASL settings it is not asked to use; the value must still
    # never be rendered, whatever fails.
    target = broker.target(**{"sasl.password": FAKE_PASSWORD})
    options = DashboardOptions(
        target=target,
        topic=topic,
        app_key=FAKE_APP_KEY,
        tfl_url=f"http://127.0.0.1:{closed_port}",
        retry_budget=1.0,
    )
    app = TflTuiApp(options)

    shots: list[str] = []

    async def scenario(pilot: Pilot[Any]) -> None:
        await until(pilot, lambda: app.query_one("#banner").display, "the TfL failure")
        await pilot.press("question_mark")
        await pilot.press("escape")
        shots.append(app.export_screenshot())

    run_app(app, scenario)
    screen = html.unescape(shots[0]).replace("\xa0", " ")
    assert "cannot connect" in screen
    for secret in (FAKE_PASSWORD, FAKE_APP_KEY):
        assert secret not in screen


def test_verbose_shows_librdkafkas_own_log_masked(
    tmp_path: Path, cli: Cli, closed_port: int
) -> None:
    config = cloud_config(tmp_path, closed_port)
    with config.open("a") as handle:
        handle.write("debug=broker,security\n")  # librdkafka's debug output, as a user asks it
    for command in ("consume", "produce"):
        extra = ["--demo", "--once"] if command == "produce" else []
        done = cli.run(command, "--config", str(config), "-v", "--connect-timeout", "1", *extra)
        assert done.returncode == 4, done.stderr
        lines = [line for line in done.stderr.splitlines() if line.startswith("librdkafka: ")]
        assert any("Connection refused" in line for line in lines), done.stderr
        assert any("DEBUG" in line or "BROKER" in line for line in lines), done.stderr
        assert_no_secret(done)
        quiet = cli.run(command, "--config", str(config), "--connect-timeout", "1", *extra)
        assert "librdkafka: " not in quiet.stderr  # only with -v
        assert "Connection refused" in quiet.stderr  # the reason, in the error line itself
