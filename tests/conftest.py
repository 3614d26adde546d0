"""Fixtures shared by the integration and UI tests: real processes and servers, no mocks."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator

import pytest

from tests.support import BrokerProcess, Cli, start_broker
from tests.tfl_standin import TflStandIn


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrokerProcess]:
    """One embedded broker process for the session; tests keep apart by using their own topic."""
    running = start_broker(tmp_path_factory.mktemp("runtime"))
    yield running
    running.stop()


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
def cli(broker: BrokerProcess) -> Cli:
    return Cli(broker)


@pytest.fixture
def closed_port() -> int:
    """A loopback port with nothing listening on it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
