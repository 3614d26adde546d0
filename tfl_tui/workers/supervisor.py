"""Starts and stops the dashboard's background parts in order: broker, consumer, producer.

No Textual here: the app hands in a sink for events and calls replay/use_demo/stop.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from tfl_tui.core.broker_announcement import (
    OWNER_DASHBOARD,
    BrokerAnnouncement,
    process_alive,
    read_announcement,
    remove_announcement,
    write_announcement,
)
from tfl_tui.core.dashboard_options import DashboardOptions
from tfl_tui.core.errors import TflError, TflTuiError, TflUnreachable
from tfl_tui.core.events import BrokerReady, Connection, Failure, PollOutcome
from tfl_tui.core.kafka_target import KafkaTarget
from tfl_tui.core.polling import ArrivalsSource, utc_now
from tfl_tui.kafka.broker import EmbeddedBroker
from tfl_tui.tfl.client import TflClient
from tfl_tui.tfl.ratelimit import RequestBudget
from tfl_tui.tfl.simulator import DemoSource
from tfl_tui.workers.consumer import ConsumerWorker
from tfl_tui.workers.producer import ProducerWorker

Sink = Callable[[object], None]
JOIN_GRACE_S = 2.0  # beyond the flush bound, for the threads to wind down
BROKER_EXIT_GRACE_S = 10.0  # after its connections close, how long a broker may take to exit


class Workers:
    def __init__(self, options: DashboardOptions, sink: Sink) -> None:
        self.options = options
        self._sink = sink
        self._broker: EmbeddedBroker | None = None
        self._announced_pid: int | None = None
        self._client: TflClient | None = None
        self._stopped = threading.Lock()
        self._stop_result: str | None = None
        self._has_stopped = False
        self.target: KafkaTarget | None = None
        self.consumer: ConsumerWorker | None = None
        self.producer: ProducerWorker | None = None
        self._attached_pid: int | None = None  # the `tfl-tui broker` we use, if any
        self._watching = threading.Event()
        self._closing = threading.Event()

    def _target(self) -> KafkaTarget:
        if self.options.target is not None:
            return self.options.target
        self._broker = EmbeddedBroker()
        bootstrap = self._broker.bootstrap_servers
        announcement = BrokerAnnouncement(
            bootstrap,
            os.getpid(),
            datetime.now(UTC).isoformat(timespec="seconds"),
            owner=OWNER_DASHBOARD,
        )
        announced = read_announcement()
        if announced is None or not announced.standalone:
            # Other terminals can `tfl-tui consume` this broker while the dashboard runs; of
            # several dashboards, the newest is announced (each removes only its own file).
            write_announcement(announcement)
            self._announced_pid = announcement.pid
        return KafkaTarget({"bootstrap.servers": bootstrap}, announcement.describe(), embedded=True)

    def _source(self) -> tuple[ArrivalsSource, str]:
        if self.options.demo:
            return DemoSource(seed=self.options.seed), "demo"
        client = TflClient(
            self.options.tfl_url,
            self.options.app_key,
            timeout=self.options.http_timeout,
            on_retry=self._on_retry,
        )
        self._client = client
        return client, "tfl"

    def _on_retry(self, stop_id: str, error: TflError, delay: float) -> None:
        self._sink(
            PollOutcome(
                stop_id,
                stop_id,
                utc_now(),
                error=error.message,
                hint=error.hint,
                tfl_unreachable=isinstance(error, TflUnreachable),
                retry_in=delay,
            )
        )

    def start(self) -> None:
        options = self.options
        try:
            target = self._target()
        except TflTuiError as error:
            self._sink(Failure("broker", error.message, error.hint, fatal=True))
            return
        self._sink(BrokerReady(target.description, target.embedded))
        self.target = target  # for reading the topic's past (the `h` screen)
        self._attached_pid = target.broker_pid
        self.consumer = ConsumerWorker(
            target.conf,
            options.topic,
            self._watch,
            start=options.start,
            recent_limit=options.raw_limit,
        )
        self.consumer.start()
        if options.produce:
            source, name = self._source()
            self.producer = ProducerWorker(
                target.conf,
                options,
                self._watch,
                source=source,
                source_name=name,
                embedded=target.embedded,
            )
            self.producer.start()

    def _watch(self, event: object) -> None:
        """Pass a worker's event on; when the broker is lost, find out whether its process is
        gone (it may take a moment to exit after its connections close)."""
        self._sink(event)
        if (
            isinstance(event, Connection)
            and not event.connected
            and self._attached_pid is not None
            and not self._watching.is_set()
        ):
            self._watching.set()
            threading.Thread(
                target=self._check_broker_process,
                args=(self._attached_pid,),
                name="tfl-tui-broker-watch",
                daemon=True,
            ).start()

    def _check_broker_process(self, pid: int) -> None:
        """An embedded broker that stopped cannot come back: its records are gone, and a new
        one gets a new address. Retrying forever would only look like a network problem."""
        deadline = time.monotonic() + BROKER_EXIT_GRACE_S
        while time.monotonic() < deadline:
            if not process_alive(pid):
                self._sink(
                    Failure(
                        "broker",
                        f"the embedded broker this dashboard uses (tfl-tui broker, pid {pid}) "
                        "has stopped: its records are gone, and a new one gets a new address",
                        hint="quit (q), then start `tfl-tui broker` again and restart the "
                        "dashboard, or start the dashboard alone: it runs a broker of its own",
                        fatal=True,
                    )
                )
                return  # said once: the watch stays set
            if self._closing.wait(0.5):
                return
        self._watching.clear()  # alive: only the connection was lost; watch the next loss

    def replay(self) -> None:
        if self.consumer is not None:
            self.consumer.request_replay()

    def set_stops(self, stops: list[str]) -> None:
        """The stops to poll from now on (the dashboard's Stops screen)."""
        self.options.stops = list(stops)
        if self.producer is not None:
            self.producer.set_stops(self.options.stops)

    @property
    def request_budget(self) -> RequestBudget | None:
        """The live TfL client's request budget, which stop searches share with polls."""
        return self._client.budget if self._client is not None else None

    def use_demo(self) -> None:
        if self.producer is not None:
            self.producer.switch_to_demo(self.options.seed)
        if self._client is not None:
            self._client.cancel()  # the poll in progress stops retrying the live API

    def stop(self) -> str | None:
        """Producer first (it flushes within its bound), then the consumer, then the broker.

        Returns a problem to report, if the producer could not finish in time. Safe to call
        more than once (quit, then unmount): the later calls wait for the first."""
        with self._stopped:
            if not self._has_stopped:
                self._stop_result = self._stop_all()
                self._has_stopped = True
            return self._stop_result

    def _stop_all(self) -> str | None:
        self._closing.set()
        if self._client is not None:
            self._client.cancel()
        problem = None
        if self.producer is not None:
            self.producer.stop()
            bound = self.options.flush_timeout + self.options.http_timeout + JOIN_GRACE_S
            self.producer.join(bound)
            if self.producer.alive:
                problem = f"the producer did not stop within {bound:g}s; records it still "
                problem += "held may not have been delivered"
        if self.consumer is not None:
            self.consumer.stop()
            self.consumer.join(JOIN_GRACE_S + 3)
        if self._announced_pid is not None:
            remove_announcement(self._announced_pid)
        if self._broker is not None:
            self._broker.close()
        return problem
