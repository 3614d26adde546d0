"""Which Kafka to talk to, decided once from flags, `client.properties` and a running broker.

Precedence: `--bootstrap-servers` overrides the servers of `--config` (default
`./client.properties` when it exists); with neither, a `tfl-tui broker` announced on this
machine. Pure module: reads files, imports no Kafka client.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tfl_tui.core.broker_announcement import read_announcement
from tfl_tui.core.client_properties import permission_warning, read_properties
from tfl_tui.core.defaults import DEFAULT_CONFIG
from tfl_tui.core.errors import ConfigError

NO_BROKER_HINT = (
    "start one with `tfl-tui broker` in another terminal, or pass --config client.properties "
    "or --bootstrap-servers HOST:PORT"
)


@dataclass(frozen=True)
class KafkaTarget:
    # The user's librdkafka settings, secrets included: never print (kept out of the repr too).
    conf: dict[str, str] = field(repr=False)
    description: str  # safe to show
    embedded: bool
    warnings: list[str] = field(default_factory=list)
    # The `tfl-tui broker` process serving it, when it was found through its announcement.
    broker_pid: int | None = None

    @property
    def bootstrap_servers(self) -> str:
        return self.conf.get("bootstrap.servers", "")


def resolve_kafka(
    config: Path | None, bootstrap_servers: str | None, *, for_dashboard: bool = False
) -> KafkaTarget | None:
    """The Kafka target the flags point at; None when nothing is configured or running.

    An explicit `--config` that does not exist is an error; the default one is optional.
    `for_dashboard`: a broker announced by another dashboard does not count (it would vanish
    when that dashboard quits); the dashboard then starts one of its own.
    """
    path = config if config is not None else (DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else None)
    if path is not None:
        conf = read_properties(path)
        warnings = [w for w in [permission_warning(path)] if w]
        if bootstrap_servers:
            conf["bootstrap.servers"] = bootstrap_servers
        if not conf.get("bootstrap.servers"):
            raise ConfigError(
                f"{path} sets no bootstrap.servers",
                hint="add bootstrap.servers=HOST:PORT or pass --bootstrap-servers",
            )
        protocol = conf.get("security.protocol", "PLAINTEXT").upper()
        description = f"{conf['bootstrap.servers']} ({protocol}, settings from {path})"
        return KafkaTarget(conf, description, embedded=_is_announced(conf), warnings=warnings)
    if bootstrap_servers:
        conf = {"bootstrap.servers": bootstrap_servers}
        embedded = _is_announced(conf)
        suffix = " (embedded broker)" if embedded else ""
        return KafkaTarget(conf, f"{bootstrap_servers}{suffix}", embedded=embedded)
    announcement = read_announcement()
    if announcement is None or (for_dashboard and not announcement.standalone):
        return None
    return KafkaTarget(
        {"bootstrap.servers": announcement.bootstrap_servers},
        announcement.describe(),
        embedded=True,
        broker_pid=announcement.pid,
    )


def require_kafka(config: Path | None, bootstrap_servers: str | None) -> KafkaTarget:
    target = resolve_kafka(config, bootstrap_servers)
    if target is None:
        raise ConfigError(
            "no Kafka broker configured and no `tfl-tui broker` running", hint=NO_BROKER_HINT
        )
    return target


def _is_announced(conf: dict[str, str]) -> bool:
    announcement = read_announcement()
    return announcement is not None and announcement.bootstrap_servers == conf.get(
        "bootstrap.servers"
    )
