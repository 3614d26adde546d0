"""tfl-tui: London bus arrivals from TfL, through Kafka, onto your terminal."""

__version__ = "0.1.0"
