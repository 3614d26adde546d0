"""Which Kafka to talk to: --config, ./client.properties, --bootstrap-servers, a running broker."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tfl_tui.core.broker_announcement import OWNER_DASHBOARD, BrokerAnnouncement, write_announcement
from tfl_tui.core.errors import ConfigError, ExitCode
from tfl_tui.core.kafka_target import KafkaTarget, require_kafka, resolve_kafka

CLOUD = "pkc-abc12.europe-west2.gcp.confluent.cloud:9092"
PASSWORD = "s3cr3t-Pa55w0rd-do-not-show"
CLOUD_PROPERTIES = f"""\
# From the Confluent tutorial
bootstrap.servers={CLOUD}
security.protocol=SASL_SSL
sasl.mechanisms=PLAIN
sasl.username=ABCDEFGHIJKLMNOP
sasl.password={PASSWORD}
"""


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, runtime_dir: Path) -> Path:
    """An empty working directory, and no broker announced on this machine."""
    directory = tmp_path / "cwd"
    directory.mkdir()
    monkeypatch.chdir(directory)
    return directory


def write_config(path: Path, text: str = CLOUD_PROPERTIES, mode: int = 0o600) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def resolved(config: Path | None = None, bootstrap_servers: str | None = None) -> KafkaTarget:
    target = resolve_kafka(config, bootstrap_servers)
    assert target is not None
    return target


def announce(servers: str) -> None:
    write_announcement(BrokerAnnouncement(servers, os.getpid(), "2024-05-01T00:00:00+00:00"))


def test_a_dashboard_attaches_only_to_a_standalone_broker(listening_servers: str) -> None:
    write_announcement(
        BrokerAnnouncement(
            listening_servers, os.getpid(), "2024-05-01T00:00:00+00:00", owner=OWNER_DASHBOARD
        )
    )
    assert resolve_kafka(None, None, for_dashboard=True) is None  # it starts its own
    target = resolved()  # the headless commands may read another dashboard's broker
    assert target.bootstrap_servers == listening_servers and target.broker_pid == os.getpid()
    announce(listening_servers)
    attached = resolve_kafka(None, None, for_dashboard=True)
    assert attached is not None and attached.broker_pid == os.getpid()


def test_explicit_config_file(tmp_path: Path) -> None:
    path = write_config(tmp_path / "cloud.properties")
    target = resolved(path)
    assert target.conf == {
        "bootstrap.servers": CLOUD,
        "security.protocol": "SASL_SSL",
        "sasl.mechanisms": "PLAIN",
        "sasl.username": "ABCDEFGHIJKLMNOP",
        "sasl.password": PASSWORD,
    }
    assert target.bootstrap_servers == CLOUD
    assert target.description == f"{CLOUD} (SASL_SSL, settings from {path})"
    assert not target.embedded
    assert target.warnings == []


def test_default_client_properties_is_picked_up(workdir: Path) -> None:
    write_config(workdir / "client.properties")
    target = resolved()
    assert target.bootstrap_servers == CLOUD
    assert "client.properties" in target.description


def test_explicit_config_wins_over_the_default(workdir: Path, tmp_path: Path) -> None:
    write_config(workdir / "client.properties", "bootstrap.servers=default:9092\n")
    path = write_config(tmp_path / "other.properties", "bootstrap.servers=other:9092\n")
    assert resolved(path).bootstrap_servers == "other:9092"


def test_plaintext_is_the_default_protocol(tmp_path: Path) -> None:
    path = write_config(tmp_path / "local.properties", "bootstrap.servers=localhost:9092\n")
    assert resolved(path).description == f"localhost:9092 (PLAINTEXT, settings from {path})"


def test_bootstrap_servers_flag_overrides_the_file(workdir: Path) -> None:
    write_config(workdir / "client.properties")
    target = resolved(bootstrap_servers="localhost:19092")
    assert target.bootstrap_servers == "localhost:19092"
    assert target.conf["sasl.password"] == PASSWORD  # the rest of the file still applies
    assert target.description.startswith("localhost:19092 (SASL_SSL")


def test_bootstrap_servers_flag_alone() -> None:
    target = resolved(bootstrap_servers="localhost:9092")
    assert target.conf == {"bootstrap.servers": "localhost:9092"}
    assert target.description == "localhost:9092"
    assert not target.embedded


def test_missing_explicit_config_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found") as info:
        resolve_kafka(tmp_path / "nope.properties", None)
    assert info.value.exit_code == ExitCode.CONFIG


def test_config_without_bootstrap_servers_is_an_error(tmp_path: Path) -> None:
    path = write_config(tmp_path / "partial.properties", "security.protocol=SASL_SSL\n")
    with pytest.raises(ConfigError, match=r"bootstrap\.servers") as info:
        resolve_kafka(path, None)
    assert info.value.hint is not None
    assert "--bootstrap-servers" in info.value.hint
    assert resolved(path, "localhost:9092").bootstrap_servers == "localhost:9092"


def test_nothing_configured() -> None:
    assert resolve_kafka(None, None) is None
    with pytest.raises(ConfigError) as info:
        require_kafka(None, None)
    assert info.value.exit_code == ExitCode.CONFIG
    assert info.value.hint is not None
    assert "tfl-tui broker" in info.value.hint


def test_announced_broker_is_used(listening_servers: str) -> None:
    announce(listening_servers)
    target = require_kafka(None, None)
    assert target.conf == {"bootstrap.servers": listening_servers}
    assert target.embedded
    assert "embedded broker" in target.description


def test_stale_announcement_is_not_used(closed_servers: str) -> None:
    announce(closed_servers)
    assert resolve_kafka(None, None) is None


def test_bootstrap_servers_of_the_announced_broker_is_embedded(listening_servers: str) -> None:
    announce(listening_servers)
    target = resolved(bootstrap_servers=listening_servers)
    assert target.embedded
    assert target.description == f"{listening_servers} (embedded broker)"
    assert not resolved(bootstrap_servers="localhost:9092").embedded


def test_config_pointing_at_the_announced_broker_is_embedded(
    listening_servers: str, tmp_path: Path
) -> None:
    announce(listening_servers)
    path = write_config(tmp_path / "local.properties", f"bootstrap.servers={listening_servers}\n")
    assert resolved(path).embedded
    assert not resolved(write_config(tmp_path / "cloud.properties")).embedded


def test_config_file_wins_over_an_announced_broker(listening_servers: str, workdir: Path) -> None:
    announce(listening_servers)
    write_config(workdir / "client.properties")
    assert resolved().bootstrap_servers == CLOUD


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_secrets_never_shown(tmp_path: Path) -> None:
    target = resolved(write_config(tmp_path / "cloud.properties", mode=0o644))
    assert target.warnings  # so the check below covers a warning's text too
    for shown in [target.description, *target.warnings, repr(target), str(target)]:
        assert PASSWORD not in shown


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_readable_by_others_warns(tmp_path: Path) -> None:
    path = write_config(tmp_path / "cloud.properties", mode=0o644)
    (warning,) = resolved(path).warnings
    assert str(path) in warning
    assert "0644" in warning
    assert "chmod 600" in warning
