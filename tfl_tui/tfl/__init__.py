"""TfL side: the HTTP client, the offline simulator and prediction decoding (no Kafka, no UI)."""
