"""Every librdkafka client (Producer, Consumer, AdminClient) is built through `create_client`,
so that settings librdkafka refuses become one ConfigError line naming the property, never its
value (librdkafka's own reason may quote the value, and a value may be a secret)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from confluent_kafka import Consumer, KafkaException, Producer
from confluent_kafka import KafkaError as RdKafkaError

from tfl_tui.core.client_properties import echoable_key
from tfl_tui.core.errors import ConfigError, KafkaError
from tfl_tui.core.masking import Redactor
from tfl_tui.kafka.client_settings import (
    CONSUMER_DEFAULTS,
    LIBRDKAFKA_LOGGER,
    PRODUCER_DEFAULTS,
    client_conf,
)

ClientT = TypeVar("ClientT")

CONFIG_DOCS = "https://github.com/confluentinc/librdkafka/blob/master/CONFIGURATION.md"

# Settings that confluent-kafka takes as Python objects (callbacks, a dict): a properties file
# can only give them a string, which the constructors refuse with a TypeError or worse.
_PYTHON_OBJECT_KEYS = (
    "default.topic.config",
    "dr_cb",
    "dr_msg_cb",
    "error_cb",
    "logger",
    "oauth_cb",
    "on_commit",
    "on_delivery",
    "stats_cb",
    "throttle_cb",
)

# librdkafka reports a setting under its canonical name; the user may have written the alias.
_ALIASES = {
    "metadata.broker.list": ("bootstrap.servers",),
    "request.required.acks": ("acks",),
    "compression.codec": ("compression.type",),
    "queue.buffering.max.ms": ("linger.ms",),
    "message.send.max.retries": ("retries",),
    "message.timeout.ms": ("delivery.timeout.ms",),
    "max.in.flight.requests.per.connection": ("max.in.flight",),
    "sasl.mechanisms": ("sasl.mechanism",),
}

# What librdkafka says when a client is refused its configuration. Only the property name is
# taken from these: several of them quote the value too, and a value may be a secret. They are
# anchored, so that the name is where librdkafka puts it, not text inside a quoted value.
_FAILED_TO_CREATE = re.compile(r"^Failed to create [a-z ]+?: ")
_UNKNOWN = re.compile(r'^No such configuration property: "(?P<key>[^"]*)"$')
_INVALID = re.compile(r'^Invalid value .*for configuration property "(?P<key>[^"]*)"$', re.DOTALL)
_RANGE = re.compile(
    r'^Configuration property "(?P<key>[^"]*)" value .* is outside allowed range '
    r"(?P<low>-?\d+)\.\.(?P<high>-?\d+)$",
    re.DOTALL,
)
_BOOL = re.compile(r'^Expected bool value for "(?P<key>[^"]*)": true or false$')
_EMPTY = re.compile(r'^\w+ configuration property "(?P<key>[^"]*)" cannot be set to empty value$')
_SSL_FILE = re.compile(r"^(?P<key>ssl\.[a-z.]+?) failed\b")
_NOT_CALLABLE = re.compile(r"^expected (?P<key>\w+) property as a callable")
# A property name in a free-text reason: dotted lowercase words, or a dotless property.
_DOTLESS_KEYS = frozenset({"acks", "debug", "partitioner", "retries"})
_PROPERTY_NAME = re.compile(r"(?<![\w.-])[a-z][a-z0-9_-]*(?:\.[a-z0-9_-]+)*(?![\w.-])")


def create_client(factory: Callable[[dict[str, Any]], ClientT], conf: Mapping[str, Any]) -> ClientT:
    """`factory(conf)` for a librdkafka client class (Producer, Consumer, AdminClient).

    A configuration it refuses (unknown property, bad value, unusable TLS file...) is a
    ConfigError naming the property, never its value; any other failure is a KafkaError.
    """
    settings = dict(conf)
    for key in _PYTHON_OBJECT_KEYS:
        if isinstance(settings.get(key), str):
            raise ConfigError(
                f"Kafka property {key!r} takes a Python object, so it cannot be set in a "
                "properties file",
                hint="remove it from client.properties",
            )
    try:
        return factory(settings)
    except KafkaException as exc:
        error: Any = exc.args[0] if exc.args else None
        reason = error.str() if hasattr(error, "str") else str(exc)
        code = error.code() if hasattr(error, "code") else None
        _log_reason(reason, settings)
        if code == RdKafkaError._INVALID_ARG:
            raise config_rejected(reason, settings) from None
        raise KafkaError(
            f"could not start a Kafka client: {_masked(reason, settings)}",
            hint="run with -v to see librdkafka's log",
        ) from None
    except (ValueError, TypeError, AttributeError) as exc:
        # confluent-kafka's own checks of the settings, before librdkafka sees them.
        _log_reason(str(exc), settings)
        raise config_rejected(str(exc), settings) from None


def check_settings(conf: Mapping[str, str]) -> None:
    """Raise the ConfigError a producer or a consumer would, before anything starts: the
    dashboard's workers would otherwise only report it from their threads, behind the UI."""
    producer = create_client(Producer, client_conf(conf, PRODUCER_DEFAULTS))
    producer.flush(0)
    consumer = create_client(
        Consumer, client_conf(conf, CONSUMER_DEFAULTS, extra={"group.id": "tfl-tui-check"})
    )
    consumer.close()


def config_rejected(reason: str, conf: Mapping[str, Any]) -> ConfigError:
    """The one line for librdkafka's `reason` to refuse `conf`: it names the property, at most.

    `reason` is librdkafka's text, which may quote the offending value: it is parsed, never
    passed on.
    """
    reason = _FAILED_TO_CREATE.sub("", reason.strip())
    match = _UNKNOWN.search(reason)
    if match:
        name = _shown(match["key"], conf)
        detail = name or "(its name is not shown: it does not look like a property name)"
        return ConfigError(
            f"unknown Kafka property {detail}",
            hint=f"check the spelling against {CONFIG_DOCS}, or remove it from client.properties",
        )
    match = _RANGE.search(reason)
    if match:
        return ConfigError(
            f"Kafka property {_shown_or_generic(match['key'], conf)} is outside its allowed range "
            f"{match['low']}..{match['high']}",
            hint=f"see {CONFIG_DOCS}",
        )
    match = _BOOL.search(reason)
    if match:
        return ConfigError(
            f"Kafka property {_shown_or_generic(match['key'], conf)} must be true or false"
        )
    match = _EMPTY.search(reason)
    if match:
        return ConfigError(
            f"Kafka property {_shown_or_generic(match['key'], conf)} has an empty value",
            hint="give it a value or remove the line from client.properties",
        )
    match = _INVALID.search(reason)
    if match:
        return ConfigError(
            f"invalid value for Kafka property {_shown_or_generic(match['key'], conf)}",
            hint=f"see the values it takes in {CONFIG_DOCS}",
        )
    match = _SSL_FILE.search(reason)
    if match:
        return _ssl_file_error(match["key"], conf)
    match = _NOT_CALLABLE.search(reason)
    if match and match["key"] in _PYTHON_OBJECT_KEYS:
        return ConfigError(
            f"Kafka property {match['key']!r} must be a Python callable",
            hint="remove it from client.properties",
        )
    message = "librdkafka refused the Kafka client configuration"
    names = _mentioned(reason, conf)
    if names:
        message += f"; its reason names {' and '.join(names)}"
    return ConfigError(message, hint=f"run with -v to see librdkafka's reason; see {CONFIG_DOCS}")


def _ssl_file_error(key: str, conf: Mapping[str, Any]) -> ConfigError:
    name = _shown_or_generic(key, conf)
    value = conf.get(key)
    if key.endswith(".location") and isinstance(value, str) and value and value != "probe":
        if not os.path.exists(value):
            return ConfigError(
                f"the file named by Kafka property {name} does not exist",
                hint="check the path in client.properties",
            )
        return ConfigError(
            f"cannot use the file named by Kafka property {name}",
            hint="check that it is readable and in PEM format (and any ssl.key.password); "
            "run with -v to see librdkafka's reason",
        )
    return ConfigError(
        f"cannot use the TLS setting in Kafka property {name}",
        hint="run with -v to see librdkafka's reason",
    )


def _spelled(reported: str, conf: Mapping[str, Any]) -> str:
    """The property as the user wrote it: librdkafka reports the canonical name of an alias."""
    if reported in conf:
        return reported
    return next((alias for alias in _ALIASES.get(reported, ()) if alias in conf), reported)


def _shown(reported: str, conf: Mapping[str, Any]) -> str | None:
    """The property name quoted for a message, or None when it may not be shown."""
    key = _spelled(reported, conf)
    if echoable_key(key) or key in _DOTLESS_KEYS or key in _PYTHON_OBJECT_KEYS:
        return repr(key)
    return None


def _shown_or_generic(reported: str, conf: Mapping[str, Any]) -> str:
    return _shown(reported, conf) or "(name not shown)"


def _mentioned(reason: str, conf: Mapping[str, Any]) -> list[str]:
    """The property names in `reason`, in its order, as the user spelled them.

    A name that occurs inside any configured value is left out: it may be part of a secret.
    """
    values = [value for value in conf.values() if isinstance(value, str)]
    found: list[str] = []
    for match in _PROPERTY_NAME.finditer(reason):
        name = match[0]
        if not echoable_key(name) and name not in _DOTLESS_KEYS:
            continue
        if any(name in value for value in values):
            continue
        shown = _shown(name, conf)
        if shown and shown not in found:
            found.append(shown)
    return found


def _masked(reason: str, conf: Mapping[str, Any]) -> str:
    """`reason` with every value of `conf` masked (some librdkafka messages quote them)."""
    redactor = Redactor()
    for value in conf.values():
        if isinstance(value, str) and value.lower() not in ("true", "false"):
            redactor.add(value)
    return redactor.redact(reason)


def _log_reason(reason: str, conf: Mapping[str, Any]) -> None:
    # For -v: librdkafka's own words, values masked.
    LIBRDKAFKA_LOGGER.info("librdkafka refused the configuration: %s", _masked(reason, conf))
