"""Reach the cluster and make sure the topic exists, with bounded waits and one-line errors."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from confluent_kafka import KafkaError as RdKafkaError
from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from tfl_tui.core.errors import KafkaError
from tfl_tui.kafka.broker import MOCK_PARTITIONS
from tfl_tui.kafka.client_factory import create_client
from tfl_tui.kafka.client_settings import bootstrap_of, client_conf

_AUTH_CODES = {
    RdKafkaError.TOPIC_AUTHORIZATION_FAILED,
    RdKafkaError.CLUSTER_AUTHORIZATION_FAILED,
}


@dataclass(frozen=True)
class TopicInfo:
    name: str
    partitions: int | None  # None: it does not exist yet and will be auto-created on use
    created: bool = False
    note: str | None = None


class _LastError:
    """Keeps librdkafka's most recent error so a timeout can say what really went wrong."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reason: str | None = None

    def __call__(self, error: Any) -> None:
        with self._lock:
            self.reason = error.str()


def _unreachable(conf: Mapping[str, Any], timeout: float, reason: str | None) -> KafkaError:
    detail = f": {reason}" if reason else ""
    return KafkaError(
        f"cannot reach Kafka at {bootstrap_of(conf)} within {timeout:g}s{detail}",
        hint="is the broker running? start one with `tfl-tui broker`, or check --config",
    )


def _topic_partitions(
    admin: AdminClient, conf: Mapping[str, Any], topic: str, timeout: float, last: _LastError
) -> int | None:
    try:
        # All topics, not just ours: asking for one by name may auto-create it.
        metadata = admin.list_topics(timeout=timeout)
    except KafkaException:
        admin.poll(0)  # serves the queued error_cb (the reason) and log lines (shown with -v)
        raise _unreachable(conf, timeout, last.reason) from None
    admin.poll(0)
    found = metadata.topics.get(topic)
    if found is None:
        return None
    if found.error is not None:
        if found.error.code() in _AUTH_CODES:
            raise KafkaError(
                f"not authorized to read topic {topic!r} on {bootstrap_of(conf)}",
                hint="grant this API key READ/WRITE on the topic",
            )
        if found.error.code() == RdKafkaError.UNKNOWN_TOPIC_OR_PART:
            return None
    return len(found.partitions)


def _auto_created(topic: str, timeout: float) -> TopicInfo:
    return TopicInfo(
        topic,
        None,
        note=(
            f"the broker did not answer CreateTopics within {timeout:g}s; relying on "
            f"auto-creation of {topic!r}"
        ),
    )


def probe_topic(base: Mapping[str, str], topic: str, timeout: float = 5.0) -> TopicInfo:
    """Check the cluster answers; say whether `topic` exists. Raises KafkaError if unreachable,
    ConfigError if librdkafka refuses the settings."""
    last = _LastError()
    conf = client_conf(base, {}, error_cb=last)
    admin = create_client(AdminClient, conf)
    return TopicInfo(topic, _topic_partitions(admin, conf, topic, timeout, last))


def ensure_topic(
    base: Mapping[str, str],
    topic: str,
    partitions: int,
    *,
    embedded: bool,
    timeout: float = 5.0,
) -> TopicInfo:
    """Create `topic` with `partitions` when missing; fall back to auto-creation when the broker
    cannot create topics (the embedded broker, or one that never answers CreateTopics)."""
    last = _LastError()
    conf = client_conf(base, {}, error_cb=last)
    admin = create_client(AdminClient, conf)
    existing = _topic_partitions(admin, conf, topic, timeout, last)
    if existing is not None:
        return TopicInfo(topic, existing)
    if embedded:
        return TopicInfo(
            topic,
            None,
            note=(
                f"the embedded broker cannot create topics; {topic!r} is auto-created with "
                f"{MOCK_PARTITIONS} partitions (not {partitions}) on first use"
            ),
        )
    future = admin.create_topics(
        [NewTopic(topic, partitions)], request_timeout=timeout, operation_timeout=timeout
    )[topic]
    try:
        future.result(timeout=timeout + 1)
    except KafkaException as exc:
        error = exc.args[0]
        code = error.code() if hasattr(error, "code") else None
        if code == RdKafkaError.TOPIC_ALREADY_EXISTS:
            return TopicInfo(topic, _topic_partitions(admin, conf, topic, timeout, last))
        if code in _AUTH_CODES:
            raise KafkaError(
                f"not authorized to create topic {topic!r} on {bootstrap_of(conf)}",
                hint=f"create it yourself (e.g. in the Confluent Cloud console) with "
                f"{partitions} partitions, or grant this API key CREATE on the cluster",
            ) from None
        if code in (RdKafkaError._TIMED_OUT, RdKafkaError.REQUEST_TIMED_OUT):
            return _auto_created(topic, timeout)
        reason = error.str() if hasattr(error, "str") else str(error)
        raise KafkaError(f"could not create topic {topic!r}: {reason}") from None
    except TimeoutError:
        return _auto_created(topic, timeout)
    return TopicInfo(
        topic,
        partitions,
        created=True,
        note=f"created topic {topic!r} with {partitions} partitions",
    )
