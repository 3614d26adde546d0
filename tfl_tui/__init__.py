"""tfl-tui: London bus arrivals from TfL, through Kafka, onto your terminal."""

__version__ = "0.1.0"

import logging

# A library stays silent unless the application configures logging (the CLI does).
logging.getLogger("tfl_tui").addHandler(logging.NullHandler())
