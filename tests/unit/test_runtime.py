"""The broker announcement file: round trip, staleness, garbage, ownership, location."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tfl_tui.core.broker_announcement import (
    FILE_NAME,
    OWNER_DASHBOARD,
    RUNTIME_DIR_ENV,
    BrokerAnnouncement,
    announcement_path,
    read_announcement,
    remove_announcement,
    runtime_dir,
    write_announcement,
)

STARTED = "2024-05-01T00:41:12+00:00"


@pytest.fixture(scope="module")
def dead_pid() -> int:
    """The pid of a process that has finished and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", ""])
    child.wait()
    return child.pid


def announce(servers: str, pid: int | None = None, directory: Path | None = None) -> Path:
    return write_announcement(
        BrokerAnnouncement(servers, os.getpid() if pid is None else pid, STARTED), directory
    )


def test_round_trip(runtime_dir: Path, listening_servers: str) -> None:
    announcement = BrokerAnnouncement(listening_servers, os.getpid(), STARTED)
    path = write_announcement(announcement)
    assert path == runtime_dir / FILE_NAME
    assert read_announcement() == announcement
    assert sorted(p.name for p in runtime_dir.iterdir()) == [FILE_NAME]  # no temp files left


def test_explicit_directory(runtime_dir: Path, tmp_path: Path, listening_servers: str) -> None:
    elsewhere = tmp_path / "elsewhere"
    assert announce(listening_servers, directory=elsewhere) == elsewhere / FILE_NAME
    assert read_announcement(elsewhere) is not None
    assert read_announcement() is None  # nothing in the default directory
    assert not runtime_dir.exists()


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_runtime_directory_is_private(runtime_dir: Path, listening_servers: str) -> None:
    announce(listening_servers)
    assert stat.S_IMODE(runtime_dir.stat().st_mode) & 0o077 == 0


def test_a_newer_announcement_replaces_the_old(runtime_dir: Path, listening_servers: str) -> None:
    announce("127.0.0.1:1", pid=1)
    announce(listening_servers)
    announcement = read_announcement()
    assert announcement is not None
    assert announcement.bootstrap_servers == listening_servers


def test_file_content_and_description(runtime_dir: Path, listening_servers: str) -> None:
    path = announce(listening_servers)
    assert json.loads(path.read_text()) == {
        "bootstrap_servers": listening_servers,
        "pid": os.getpid(),
        "started_at": STARTED,
        "kind": "embedded",
        "owner": "broker",
    }
    announcement = read_announcement()
    assert announcement is not None
    assert listening_servers in announcement.describe()
    assert f"tfl-tui broker, pid {os.getpid()}" in announcement.describe()


def test_a_file_from_before_owners_is_a_standalone_broker(
    runtime_dir: Path, listening_servers: str
) -> None:
    path = announce(listening_servers)
    data = json.loads(path.read_text())
    del data["owner"]
    path.write_text(json.dumps(data))
    announcement = read_announcement()
    assert announcement is not None and announcement.standalone


def test_a_dashboards_broker_says_so(runtime_dir: Path, listening_servers: str) -> None:
    write_announcement(
        BrokerAnnouncement(listening_servers, os.getpid(), STARTED, owner=OWNER_DASHBOARD)
    )
    announcement = read_announcement()
    assert announcement is not None and not announcement.standalone
    assert f"a dashboard's, pid {os.getpid()}" in announcement.describe()


def test_no_file_means_no_broker(runtime_dir: Path) -> None:
    assert read_announcement() is None


def test_stale_when_the_process_is_gone(
    runtime_dir: Path, listening_servers: str, dead_pid: int
) -> None:
    announce(listening_servers, pid=dead_pid)
    assert read_announcement() is None


def test_stale_when_the_port_is_closed(runtime_dir: Path, closed_servers: str) -> None:
    announce(closed_servers)
    assert read_announcement() is None


def test_missing_optional_fields_take_defaults(runtime_dir: Path, listening_servers: str) -> None:
    announcement_path().parent.mkdir(parents=True)
    announcement_path().write_text(
        json.dumps({"bootstrap_servers": listening_servers, "pid": os.getpid()})
    )
    assert read_announcement() == BrokerAnnouncement(listening_servers, os.getpid(), "")


@pytest.mark.parametrize(
    "content",
    [
        "",
        "{",
        "not json",
        "[]",
        "null",
        "42",
        '{"pid": PID}',
        '{"bootstrap_servers": "SERVERS"}',
        '{"bootstrap_servers": "SERVERS", "pid": "abc"}',
        '{"bootstrap_servers": "SERVERS", "pid": null}',
        '{"bootstrap_servers": "SERVERS", "pid": 0}',
        '{"bootstrap_servers": "SERVERS", "pid": -1}',
        '{"bootstrap_servers": "SERVERS", "pid": 100000000000000000000}',
        '{"bootstrap_servers": "127.0.0.1", "pid": PID}',
        '{"bootstrap_servers": "127.0.0.1:port", "pid": PID}',
        '{"bootstrap_servers": "SERVERS", "pid": PID',  # cut short
        '{"bootstrap_servers": "SERVERS", "pid": PID}\xff',
    ],
)
def test_garbage_is_ignored(runtime_dir: Path, listening_servers: str, content: str) -> None:
    path = announcement_path()
    path.parent.mkdir(parents=True)
    text = content.replace("SERVERS", listening_servers).replace("PID", str(os.getpid()))
    path.write_bytes(text.encode("latin-1"))
    assert read_announcement() is None


def test_remove_own_announcement(runtime_dir: Path) -> None:
    path = announce("127.0.0.1:1", pid=4242)
    remove_announcement(4242)
    assert not path.exists()


def test_remove_leaves_another_brokers_announcement(runtime_dir: Path) -> None:
    path = announce("127.0.0.1:1", pid=4242)
    remove_announcement(4343)
    assert json.loads(path.read_text())["pid"] == 4242


def test_remove_without_a_file_is_harmless(runtime_dir: Path) -> None:
    remove_announcement(4242)
    assert not runtime_dir.exists()


@pytest.mark.parametrize("content", ["", "{", "[]", "null", '"text"', '{"pid": "abc"}'])
def test_remove_leaves_garbage_alone(runtime_dir: Path, content: str) -> None:
    path = announcement_path()
    path.parent.mkdir(parents=True)
    path.write_text(content)
    remove_announcement(os.getpid())
    assert path.read_text() == content


class TestRuntimeDir:
    @pytest.fixture(autouse=True)
    def clean_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv(RUNTIME_DIR_ENV, raising=False)
        monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)

    def test_explicit_variable_wins(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        monkeypatch.setenv(RUNTIME_DIR_ENV, str(tmp_path / "mine"))
        monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "xdg"))
        assert runtime_dir() == tmp_path / "mine"

    def test_xdg_runtime_dir_next(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        monkeypatch.setenv(RUNTIME_DIR_ENV, "")  # empty counts as unset
        monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "xdg"))
        assert runtime_dir() == tmp_path / "xdg" / "tfl-tui"

    def test_per_user_temp_folder_last(self) -> None:
        directory = runtime_dir()
        assert directory.parent == Path(tempfile.gettempdir())
        assert directory.name.startswith("tfl-tui-")
        if hasattr(os, "getuid"):
            assert directory.name == f"tfl-tui-{os.getuid()}"

    def test_announcement_path_follows_it(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        monkeypatch.setenv(RUNTIME_DIR_ENV, str(tmp_path))
        assert announcement_path() == tmp_path / FILE_NAME
