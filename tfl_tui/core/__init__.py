"""Pure domain logic: imports neither textual nor confluent_kafka (checked by import-linter
and tests/unit/test_purity.py)."""
