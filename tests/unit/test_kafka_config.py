"""Client configuration: the user's settings reach librdkafka unchanged, over our defaults."""

from __future__ import annotations

from tfl_tui.kafka.client_settings import (
    CONSUMER_DEFAULTS,
    LIBRDKAFKA_LOGGER,
    PRODUCER_DEFAULTS,
    client_conf,
)

CLOUD = {
    "bootstrap.servers": "pkc-abc.europe-west2.gcp.confluent.cloud:9092",
    "security.protocol": "SASL_SSL",
    "sasl.mechanisms": "PLAIN",
    "sasl.username": "KEY",
    "sasl.password": "fake-secret",
    "ssl.endpoint.identification.algorithm": "https",
    "ssl.ca.location": "/etc/ssl/certs/ca-certificates.crt",
}


def test_tls_and_sasl_settings_pass_through_unchanged() -> None:
    for defaults in (PRODUCER_DEFAULTS, CONSUMER_DEFAULTS):
        conf = client_conf(CLOUD, defaults)
        for key, value in CLOUD.items():
            assert conf[key] == value


def test_the_users_settings_win_over_our_defaults() -> None:
    conf = client_conf({**CLOUD, "compression.type": "zstd", "acks": "1"}, PRODUCER_DEFAULTS)
    assert conf["compression.type"] == "zstd"
    assert conf["acks"] == "1"
    assert client_conf(CLOUD, PRODUCER_DEFAULTS)["enable.idempotence"] == "true"


def test_what_the_command_must_set_wins_over_the_users_settings() -> None:
    conf = client_conf(
        {**CLOUD, "group.id": "theirs"},
        CONSUMER_DEFAULTS,
        extra={"group.id": "london_transport_group"},
    )
    assert conf["group.id"] == "london_transport_group"


def test_librdkafka_logs_and_errors_are_routed_to_us() -> None:
    def on_error(error: object) -> None:
        del error

    conf = client_conf(CLOUD, {}, error_cb=on_error)
    assert conf["logger"] is LIBRDKAFKA_LOGGER
    assert conf["error_cb"] is on_error
