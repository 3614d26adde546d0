"""`tfl-tui broker`: serve the embedded in-memory broker until Ctrl+C or SIGTERM."""

from __future__ import annotations

import argparse
import os
import threading
from datetime import UTC, datetime

from tfl_tui.console import log, out
from tfl_tui.core.broker_announcement import (
    BrokerAnnouncement,
    read_announcement,
    remove_announcement,
    write_announcement,
)
from tfl_tui.core.errors import ExitCode, TflTuiError
from tfl_tui.kafka.broker import LIMITS, EmbeddedBroker


def run(args: argparse.Namespace) -> int:
    running = read_announcement()
    # A dashboard's own broker lives only as long as that dashboard: a standalone one may take
    # over the announcement (the dashboard removes the file only while it is still its own).
    if running is not None and running.standalone:
        raise TflTuiError(
            f"a broker is already running: {running.describe()}",
            hint=f"use it (bootstrap.servers={running.bootstrap_servers}) or stop it first",
        )
    stop = threading.Event()
    with EmbeddedBroker() as broker:
        announcement = BrokerAnnouncement(
            bootstrap_servers=broker.bootstrap_servers,
            pid=os.getpid(),
            started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        path = write_announcement(announcement)
        try:
            out(f"bootstrap.servers={broker.bootstrap_servers}")
            log.info(
                "embedded Kafka broker (librdkafka mock cluster) at %s: %s",
                broker.bootstrap_servers,
                LIMITS,
            )
            log.info(
                "announced in %s for `tfl-tui produce` and `tfl-tui consume`; Ctrl+C to stop", path
            )
            while not stop.wait(1.0):
                pass
        except KeyboardInterrupt:  # Ctrl+C or SIGTERM, however early: the way a broker ends
            log.info("broker stopped; its records are gone")
        finally:
            remove_announcement(announcement.pid)
    return ExitCode.OK
