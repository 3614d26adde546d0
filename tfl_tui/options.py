"""The dashboard's settings, decided once by the command line (pure data, no UI, no Kafka)."""

from __future__ import annotations

from dataclasses import dataclass, field

from tfl_tui.settings import KafkaTarget


@dataclass
class DashboardOptions:
    """Everything the dashboard needs from the command line."""

    target: KafkaTarget | None  # None: start the embedded broker inside the app
    topic: str = "london_transport"
    partitions: int = 6
    produce: bool = True
    demo: bool = False
    seed: int | None = None
    stops: list[str] = field(default_factory=lambda: ["490000254W"])
    interval: float = 30.0
    tfl_url: str = "https://api.tfl.gov.uk"
    app_key: str | None = None
    http_timeout: float = 10.0
    retry_budget: float = 30.0
    flush_timeout: float = 5.0
    connect_timeout: float = 5.0
    start: str = "earliest"
    raw_limit: int = 500
