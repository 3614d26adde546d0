"""Fixtures shared by the unit tests: an isolated runtime directory and local sockets."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tfl_tui.core.broker_announcement import RUNTIME_DIR_ENV


@pytest.fixture
def runtime_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty (not yet created) runtime directory, so no real `tfl-tui broker` is seen."""
    directory = tmp_path / "runtime"
    monkeypatch.setenv(RUNTIME_DIR_ENV, str(directory))
    return directory


@pytest.fixture
def listening_servers() -> Iterator[str]:
    """`127.0.0.1:PORT` of a socket that accepts connections for the duration of the test."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield f"127.0.0.1:{server.getsockname()[1]}"


@pytest.fixture
def closed_servers(closed_port: int) -> str:
    """`127.0.0.1:PORT` of a port that was just free and is no longer listened on."""
    return f"127.0.0.1:{closed_port}"
