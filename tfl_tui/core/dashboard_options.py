"""The dashboard's settings, decided once by the command line (pure data, no UI, no Kafka)."""

from __future__ import annotations

from dataclasses import dataclass, field

from tfl_tui.core.defaults import (
    DEFAULT_CONNECT_TIMEOUT_S,
    DEFAULT_FLUSH_TIMEOUT_S,
    DEFAULT_HTTP_TIMEOUT_S,
    DEFAULT_INTERVAL_S,
    DEFAULT_PARTITIONS,
    DEFAULT_RAW_LIMIT,
    DEFAULT_RETRY_BUDGET_S,
    DEFAULT_START,
    DEFAULT_STOP,
    DEFAULT_TFL_URL,
    DEFAULT_TOPIC,
)
from tfl_tui.core.kafka_target import KafkaTarget
from tfl_tui.core.stop_choice import DEFAULT_BUS_STOP, Origin
from tfl_tui.core.stops import BusStop


@dataclass
class DashboardOptions:
    """Everything the dashboard needs from the command line."""

    target: KafkaTarget | None  # None: start the embedded broker inside the app
    topic: str = DEFAULT_TOPIC
    partitions: int = DEFAULT_PARTITIONS
    produce: bool = True
    demo: bool = False
    seed: int | None = None
    stops: list[str] = field(default_factory=lambda: [DEFAULT_STOP])
    # What is known of the stops (names, letters, towards) and where they came from.
    watched: list[BusStop] = field(default_factory=lambda: [DEFAULT_BUS_STOP])
    stops_origin: Origin = Origin.DEFAULT
    interval: float = DEFAULT_INTERVAL_S
    tfl_url: str = DEFAULT_TFL_URL
    app_key: str | None = None
    http_timeout: float = DEFAULT_HTTP_TIMEOUT_S
    retry_budget: float = DEFAULT_RETRY_BUDGET_S
    flush_timeout: float = DEFAULT_FLUSH_TIMEOUT_S
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT_S
    start: str = DEFAULT_START
    raw_limit: int = DEFAULT_RAW_LIMIT

    def __post_init__(self) -> None:
        # One stop list: `watched` says what is known of each of `stops`, in that order.
        known = {stop.id: stop for stop in self.watched}
        self.watched = [known.get(stop_id, BusStop(stop_id)) for stop_id in self.stops]
