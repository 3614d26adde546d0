"""The runtime file through which `tfl-tui broker` announces itself to the other commands.

One small JSON file, `broker.json`, in a per-user runtime directory: written when the broker
is ready, removed when it stops. A file left behind by a crashed broker is recognised as stale
(its process is gone or its port is closed) and ignored.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

RUNTIME_DIR_ENV = "TFL_TUI_RUNTIME_DIR"
FILE_NAME = "broker.json"


def runtime_dir() -> Path:
    """`$TFL_TUI_RUNTIME_DIR`, else `$XDG_RUNTIME_DIR/tfl-tui`, else a per-user temp folder."""
    explicit = os.environ.get(RUNTIME_DIR_ENV)
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if xdg:
        return Path(xdg) / "tfl-tui"
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    return Path(tempfile.gettempdir()) / f"tfl-tui-{uid}"


# Who serves an announced broker: a `tfl-tui broker` process, or a dashboard that started one
# of its own. Other commands may use either; a dashboard attaches only to a standalone broker,
# never to one that dies with another dashboard.
OWNER_STANDALONE = "broker"
OWNER_DASHBOARD = "dashboard"


@dataclass(frozen=True)
class BrokerAnnouncement:
    bootstrap_servers: str
    pid: int
    started_at: str
    kind: str = "embedded"  # librdkafka's in-memory mock cluster
    owner: str = OWNER_STANDALONE

    @property
    def standalone(self) -> bool:
        return self.owner == OWNER_STANDALONE

    def describe(self) -> str:
        whose = "tfl-tui broker" if self.standalone else "a dashboard's"
        return (
            f"embedded broker at {self.bootstrap_servers} "
            f"(in-memory, temporary; {whose}, pid {self.pid})"
        )


def process_alive(pid: int) -> bool:
    if pid <= 0:  # 0 and negative numbers name process groups, never a broker
        return False
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):  # Overflow: not a pid at all
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _port_open(bootstrap_servers: str, timeout: float = 0.5) -> bool:
    host, _, port = bootstrap_servers.split(",", maxsplit=1)[0].rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            return True
    except (OSError, ValueError):
        return False


def announcement_path(directory: Path | None = None) -> Path:
    return (directory or runtime_dir()) / FILE_NAME


def read_announcement(directory: Path | None = None) -> BrokerAnnouncement | None:
    """The running broker's announcement, or None when there is none or it is stale."""
    path = announcement_path(directory)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        announcement = BrokerAnnouncement(
            bootstrap_servers=str(data["bootstrap_servers"]),
            pid=int(data["pid"]),
            started_at=str(data.get("started_at", "")),
            kind=str(data.get("kind", "embedded")),
            owner=str(data.get("owner", OWNER_STANDALONE)),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not process_alive(announcement.pid) or not _port_open(announcement.bootstrap_servers):
        return None
    return announcement


def write_announcement(announcement: BrokerAnnouncement, directory: Path | None = None) -> Path:
    """Write atomically (temp file + rename) so readers never see half a file."""
    path = announcement_path(directory)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".broker-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(asdict(announcement), handle)
    os.replace(tmp, path)
    return path


def remove_announcement(pid: int, directory: Path | None = None) -> None:
    """Remove the file only if it is still ours (another broker may have replaced it)."""
    path = announcement_path(directory)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or int(data.get("pid", -1)) != pid:
            return
    except (OSError, ValueError, TypeError):
        return
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
