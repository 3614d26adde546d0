"""The Kafka side of the commands that read the topic's past (`board`, `history`)."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator

from tfl_tui.console import KafkaErrorReporter, log, redactor
from tfl_tui.core.kafka_target import require_kafka
from tfl_tui.kafka.topic_reader import TopicReader


@contextlib.contextmanager
def topic_reader(args: argparse.Namespace) -> Iterator[TopicReader]:
    """A reader of `--topic` on the Kafka the flags name, its secrets masked, closed after."""
    target = require_kafka(args.config, args.bootstrap_servers)
    redactor.add_config(target.conf)
    for warning in target.warnings:
        log.warning("%s", warning)
    reader = TopicReader(
        target.conf, args.topic, timeout=args.connect_timeout, error_cb=KafkaErrorReporter()
    )
    try:
        yield reader
    finally:
        reader.close()
