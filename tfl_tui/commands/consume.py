"""`tfl-tui consume`: the tutorial's consumer, one line (or one JSON object) per record."""

from __future__ import annotations

import argparse
import time

from tfl_tui.console import KafkaErrorReporter, log, out, redactor
from tfl_tui.core.errors import ExitCode, KafkaError
from tfl_tui.core.kafka_target import require_kafka
from tfl_tui.core.records import decode_record, format_line, to_json_line
from tfl_tui.core.text import counted
from tfl_tui.kafka.consumer import GroupConsumer
from tfl_tui.kafka.topic import probe_topic

JOIN_GRACE_S = 30.0  # Tansu with its default 45 s session timeout takes ~23 s


def run(args: argparse.Namespace) -> int:
    target = require_kafka(args.config, args.bootstrap_servers)
    redactor.add_config(target.conf)
    for warning in target.warnings:
        log.warning("%s", warning)
    log.info("kafka: %s", target.description)
    info = probe_topic(target.conf, args.topic, timeout=args.connect_timeout)
    if info.partitions is None:
        log.info("topic %r does not exist yet; waiting for the first record", args.topic)
    consumer = GroupConsumer(
        target.conf,
        args.topic,
        group=args.group,
        start=args.start,
        on_notice=lambda message: log.info("%s", message),
        error_cb=KafkaErrorReporter(),
        embedded=target.embedded,
    )
    count = flagged = 0
    # Joining the group takes seconds (about 3 on the embedded broker): until partitions are
    # assigned the idle timer allows at least JOIN_GRACE_S.
    idle_deadline = None
    if args.timeout is not None:
        # A missing topic gets no partitions to wait for: then the plain timeout applies.
        grace = args.timeout if info.partitions is None else max(args.timeout, JOIN_GRACE_S)
        idle_deadline = time.monotonic() + grace
    was_assigned = False
    never_joined = False
    try:
        for record in consumer.records():
            now = time.monotonic()
            if args.timeout is not None and consumer.assigned and not was_assigned:
                was_assigned, idle_deadline = True, now + args.timeout
            if record is None:
                if idle_deadline is not None and now >= idle_deadline:
                    # Without partitions "no new record" would be a lie: nothing was read.
                    never_joined = not consumer.assigned and info.partitions is not None
                    if not never_joined:
                        log.info("no new record for %gs; stopping", args.timeout)
                    break
                continue
            if args.timeout is not None:
                idle_deadline = now + args.timeout
            decoded = decode_record(record)
            flagged += not decoded.ok
            out(to_json_line(decoded) if args.json else format_line(decoded))
            consumer.handed_over(record)
            count += 1
            if args.max_messages is not None and count >= args.max_messages:
                break
    except KeyboardInterrupt:
        pass  # Ctrl+C is how a tail ends
    finally:
        consumer.close()
    if never_joined:
        raise KafkaError(
            f"could not join consumer group {args.group!r} within {grace:g}s: no partition of "
            f"{args.topic!r} was assigned, so nothing was read",
            hint="the broker may be slow to hand over the group's partitions (try again with "
            "a longer --timeout) or may not support consumer groups; another --group starts "
            "a group of its own",
        )
    suffix = f" ({flagged} flagged as invalid)" if flagged else ""
    log.info("consumed %s%s", counted(count, "record"), suffix)
    return ExitCode.OK
