"""`tfl-tui produce`: poll TfL (or the simulator) and produce one record per prediction."""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Callable
from datetime import datetime

from tfl_tui.commands.stops import chosen_stops, describe_choice
from tfl_tui.console import KafkaErrorReporter, log, out, redactor
from tfl_tui.core.backfill import SteppedClock, backfill
from tfl_tui.core.errors import ExitCode, TflError
from tfl_tui.core.kafka_target import require_kafka
from tfl_tui.core.polling import ArrivalsSource, Poller, PollFailure, Snapshot, utc_now
from tfl_tui.core.produce_loop import ProduceLoop, stretched_interval_message
from tfl_tui.core.text import counted
from tfl_tui.core.timespec import format_duration
from tfl_tui.kafka.producer import ArrivalsProducer, Delivery
from tfl_tui.kafka.topic import ensure_topic
from tfl_tui.tfl.client import TflClient
from tfl_tui.tfl.simulator import DemoSource


def make_source(
    args: argparse.Namespace, clock: Callable[[], datetime] = utc_now
) -> tuple[ArrivalsSource, str]:
    if args.demo:
        return DemoSource(seed=args.seed, clock=clock), "demo"
    if args.app_key:
        redactor.add(args.app_key)
    client = TflClient(args.tfl_url, args.app_key, timeout=args.http_timeout, on_retry=report_retry)
    return client, "tfl"


def report_retry(stop_id: str, error: TflError, delay: float) -> None:
    log.warning("%s; retrying in %.1fs", error.message, delay)


class ConsoleListener:
    """Reports polls on stderr; failures are explained once each with their hint."""

    def __init__(self) -> None:
        self._hints_shown: set[str] = set()

    def on_snapshot(self, snapshot: Snapshot, queued: int) -> None:
        rejected = f", {len(snapshot.rejected)} skipped" if snapshot.rejected else ""
        log.info(
            "polled %s %s: %s%s",
            snapshot.stop_id,
            snapshot.station_label(),
            counted(queued, "prediction"),
            rejected,
        )
        for item in snapshot.rejected:
            log.warning("  skipped item %d (%s): %s", item.index, item.reason, item.preview)

    def on_interval_stretched(self, requested: float, used: float, stops: int) -> None:
        log.warning("%s", stretched_interval_message(requested, used, stops))

    def on_failure(self, failure: PollFailure) -> None:
        log.warning("poll failed: %s", failure.error.message)
        hint = failure.error.hint
        if hint and hint not in self._hints_shown:
            self._hints_shown.add(hint)
            log.warning("hint: %s", hint)


def print_delivery(delivery: Delivery) -> None:
    if delivery.error is None:
        out(
            f"Produced message to topic {delivery.topic}: key = {delivery.key}, "
            f"destination={delivery.destination} "
            f"(partition {delivery.partition}, offset {delivery.offset})"
        )
    else:
        log.error(
            "FAILED to deliver to topic %s: key = %s, destination=%s: %s",
            delivery.topic,
            delivery.key,
            delivery.destination,
            delivery.error,
        )


def run(args: argparse.Namespace) -> int:
    chosen = chosen_stops(args)  # a name that matches several places stops us before Kafka
    target = require_kafka(args.config, args.bootstrap_servers)
    redactor.add_config(target.conf)
    for warning in target.warnings:
        log.warning("%s", warning)
    clock = SteppedClock()  # the demo's clock, stepped through the past by --backfill
    source, source_name = make_source(args, clock)
    log.info("kafka: %s", target.description)
    topic = ensure_topic(
        target.conf,
        args.topic,
        args.partitions,
        embedded=target.embedded,
        timeout=args.connect_timeout,
    )
    if topic.note:
        log.info("%s", topic.note)
    producer = ArrivalsProducer(
        target.conf, args.topic, on_delivery=print_delivery, error_cb=KafkaErrorReporter()
    )
    poller = Poller(source, source_name, clock=clock)
    if args.backfill:
        try:
            backfilled = run_backfill(args, poller, producer, chosen.ids, clock)
        except KeyboardInterrupt:
            return finish(producer, args.flush_timeout, failed_stops=0, interrupted=True)
        if args.once:  # the history is the point: no live poll after it
            log.info("backfilled %s", counted(backfilled, "record"))
            return finish(producer, args.flush_timeout, failed_stops=0, interrupted=False)
    loop = ProduceLoop(
        poller,
        producer,
        chosen.ids,
        ConsoleListener(),
        interval=args.interval,
        retry_budget=args.retry_budget,
    )
    when = "once" if args.once else f"every {loop.interval:g}s"
    log.info("source: %s; %s, %s", source.describe(), describe_choice(chosen), when)

    failed_stops = 0
    interrupted = False
    try:
        if args.once:
            failed_stops = loop.poll_all(deadline=time.monotonic() + args.retry_budget)
        else:
            loop.run(threading.Event())
    except KeyboardInterrupt:
        interrupted = True
    return finish(
        producer,
        args.flush_timeout,
        failed_stops=failed_stops,
        interrupted=interrupted and args.once,
    )


def run_backfill(
    args: argparse.Namespace,
    poller: Poller,
    producer: ArrivalsProducer,
    stops: list[str],
    clock: SteppedClock,
) -> int:
    log.info(
        "backfill: %s of polls of %s, every %gs, stamped with their past times",
        format_duration(args.backfill),
        counted(len(stops), "stop"),
        args.interval,
    )
    shown = [0]

    def progress(done: int, steps: int, queued: int) -> None:
        tenth = done * 10 // steps
        if tenth > shown[0]:
            shown[0] = tenth
            log.info("backfill: %d%%, %s", tenth * 10, counted(queued, "record"))

    return backfill(
        poller,
        producer,
        stops,
        clock,
        span=args.backfill,
        interval=args.interval,
        progress=progress,
    )


def finish(
    producer: ArrivalsProducer, flush_timeout: float, *, failed_stops: int, interrupted: bool
) -> int:
    """Flush within the bound, say what became of every record, pick the exit code."""
    try:
        remaining = producer.flush(flush_timeout)
    except KeyboardInterrupt:
        remaining = producer.pending
        log.error("flush aborted by a second interrupt")
    undelivered = remaining + producer.failed
    log.info(
        "produced %s: %d delivered, %d failed, %d still undelivered after a %gs flush",
        counted(producer.produced, "record"),
        producer.delivered,
        producer.failed,
        remaining,
        flush_timeout,
    )
    if interrupted:
        return ExitCode.INTERRUPTED
    if failed_stops:
        log.error("error: %s gave no usable answer", counted(failed_stops, "stop"))
        return ExitCode.TFL
    if undelivered:
        log.error("error: %s not delivered", counted(undelivered, "record"))
        return ExitCode.UNDELIVERED
    return ExitCode.OK
