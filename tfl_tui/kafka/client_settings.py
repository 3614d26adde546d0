"""librdkafka configuration for tfl-tui's clients: our defaults under the user's settings.

The user's `client.properties` always wins over a default here, so TLS/SASL and any tuning pass
through to librdkafka unchanged; nothing is downgraded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from tfl_tui import __version__

LIBRDKAFKA_LOGGER = logging.getLogger("tfl_tui.librdkafka")

PRODUCER_DEFAULTS: dict[str, str] = {
    "client.id": f"tfl-tui-producer/{__version__}",
    # Exactly-once delivery into the partition log, even across retries after a cut.
    "enable.idempotence": "true",
    "acks": "all",
    # lz4 costs little CPU, cuts cloud traffic and lets ~10x more history fit in the
    # embedded broker's ~5 MB per partition.
    "compression.type": "lz4",
    "linger.ms": "20",
}

CONSUMER_DEFAULTS: dict[str, str] = {
    "client.id": f"tfl-tui-consumer/{__version__}",
    # Short fetch waits keep live latency low; the default 500 ms shows up on screen.
    "fetch.wait.max.ms": "20",
    # The 1 s default stalls a catching-up consumer whenever its local queue fills.
    "fetch.queue.backoff.ms": "10",
    # Bound the prefetch queue and the fetches: they dominate memory during a replay (a broker
    # may answer with more than asked; these keep what is in flight at a few MB). Fetches of
    # 2 MB cost Tansu replays 16 MB more; 256 KB a partition still fits a batch of every
    # partition in one fetch, so a replay reads them side by side (polls complete early).
    "queued.max.messages.kbytes": "4096",
    "fetch.max.bytes": "1048576",
    "max.partition.fetch.bytes": "262144",
}

ErrorCallback = Callable[[Any], None]


def client_conf(
    base: Mapping[str, str],
    defaults: Mapping[str, str],
    *,
    error_cb: ErrorCallback | None = None,
    extra: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Defaults, then the user's settings, then what the command itself must set (`extra`)."""
    conf: dict[str, Any] = {**defaults, **base, **(extra or {})}
    # librdkafka would print its log lines on stderr; route them through logging instead,
    # where the CLI shows them only with --verbose.
    conf["logger"] = LIBRDKAFKA_LOGGER
    if error_cb is not None:
        conf["error_cb"] = error_cb
    return conf


def bootstrap_of(conf: Mapping[str, Any]) -> str:
    return str(conf.get("bootstrap.servers", "?"))
