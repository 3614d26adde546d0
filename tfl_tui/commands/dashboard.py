"""`tfl-tui` with no subcommand: the live dashboard."""

from __future__ import annotations

import argparse

from tfl_tui.commands.stops import chosen_stops
from tfl_tui.console import log, redactor, terminal_owned_by_ui
from tfl_tui.core.errors import ExitCode
from tfl_tui.core.kafka_target import resolve_kafka
from tfl_tui.core.text import counted


def run(args: argparse.Namespace) -> int:
    chosen = chosen_stops(args)  # a name that matches several places: listed, before the UI
    target = resolve_kafka(args.config, args.bootstrap_servers, for_dashboard=True)
    if target is not None:
        redactor.add_config(target.conf)
        for warning in target.warnings:
            log.warning("%s", warning)
        from tfl_tui.kafka.client_factory import check_settings

        check_settings(target.conf)  # a setting librdkafka refuses: one line, exit 3
    if args.app_key:
        redactor.add(args.app_key)

    from tfl_tui.app import TflTuiApp
    from tfl_tui.core.dashboard_options import DashboardOptions

    options = DashboardOptions(
        target=target,
        topic=args.topic,
        partitions=args.partitions,
        produce=not args.no_produce,
        demo=args.demo,
        seed=args.seed,
        stops=chosen.ids,
        watched=list(chosen.stops),
        stops_origin=chosen.origin,
        interval=args.interval,
        tfl_url=args.tfl_url,
        app_key=args.app_key,
        http_timeout=args.http_timeout,
        retry_budget=args.retry_budget,
        flush_timeout=args.flush_timeout,
        connect_timeout=args.connect_timeout,
        start=args.start,
    )
    with terminal_owned_by_ui():
        outcome = TflTuiApp(options).run()
    if outcome is None:
        return ExitCode.FAILURE
    if outcome.failure:
        log.error("error: %s", outcome.failure)
    stopped = outcome.stopped
    if stopped is not None:
        log.info(
            "produced %s: %d delivered, %d failed, %d undelivered",
            counted(stopped.produced, "record"),
            stopped.delivered,
            stopped.failed,
            stopped.undelivered,
        )
        if stopped.undelivered:
            return ExitCode.UNDELIVERED
    return ExitCode.FAILURE if outcome.failure else ExitCode.OK
