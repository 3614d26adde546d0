"""Kafka side: embedded broker, client configuration, topic ensure, producer and consumer."""
