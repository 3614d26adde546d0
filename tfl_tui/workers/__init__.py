"""Background workers of the dashboard (threads; Kafka and TfL I/O, never widgets)."""
