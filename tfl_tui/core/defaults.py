"""Every default of tfl-tui, in one place: the command line, its `--help`, the dashboard's
options and the workers all read them here."""

from __future__ import annotations

from pathlib import Path

DEFAULT_CONFIG = Path("client.properties")  # read when it exists
DEFAULT_TOPIC = "london_transport"
DEFAULT_PARTITIONS = 6  # when the topic must be created (the embedded broker always makes 4)
DEFAULT_GROUP = "london_transport_group"  # the tutorial's consumer group
DEFAULT_STOP = "490000254W"  # the tutorial's: Waterloo Station / York Road, stop W
DEFAULT_STOP_NAME = "Waterloo Station / York Road"
DEFAULT_TFL_URL = "https://api.tfl.gov.uk"
DEFAULT_INTERVAL_S = 30.0  # TfL refreshes its predictions about every 30 s
DEFAULT_HTTP_TIMEOUT_S = 10.0
# Transient TfL failures are retried for at most this long per stop and cycle (and `--once`).
DEFAULT_RETRY_BUDGET_S = 30.0
DEFAULT_FLUSH_TIMEOUT_S = 5.0
DEFAULT_CONNECT_TIMEOUT_S = 5.0
DEFAULT_START = "earliest"  # the board is rebuilt from the whole topic, as the tutorial reads it
DEFAULT_RAW_LIMIT = 500  # records the raw panel keeps
