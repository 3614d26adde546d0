"""The house rule on imports, checked in a fresh interpreter (this one has imported everything).

Pure modules import neither the UI nor a Kafka or HTTP client; `kafka/` imports no UI; and the
CLI module stays light enough that `tfl-tui --help` loads neither confluent-kafka nor requests.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import pytest

from tfl_tui import core

# Every module of tfl_tui.core, and the pure parts of the TfL adapter.
PURE = [
    *(f"tfl_tui.core.{module.name}" for module in pkgutil.iter_modules(core.__path__)),
    "tfl_tui.tfl.prediction",
    "tfl_tui.tfl.simulator",
    "tfl_tui.tfl.ratelimit",
]
KAFKA = [
    "tfl_tui.kafka.broker",
    "tfl_tui.kafka.client_factory",
    "tfl_tui.kafka.client_settings",
    "tfl_tui.kafka.consumer",
    "tfl_tui.kafka.producer",
    "tfl_tui.kafka.topic",
    "tfl_tui.workers.base",
    "tfl_tui.workers.consumer",
    "tfl_tui.workers.producer",
    "tfl_tui.workers.supervisor",
]
HELP = "from tfl_tui.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass"

PROBE = """
import importlib, json, sys
{setup}
loaded = {{name.partition(".")[0] for name in sys.modules}}
print(json.dumps(sorted(loaded & set({watched!r}))))
"""


def loaded_after(setup: str, watched: list[str]) -> list[str]:
    """Which of the `watched` top-level packages a fresh interpreter holds after `setup`."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(setup=setup, watched=watched)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    loaded: list[str] = json.loads(result.stdout.splitlines()[-1])
    return loaded


def importing(modules: list[str]) -> str:
    return "\n".join(f"importlib.import_module({name!r})" for name in modules)


def test_the_core_is_listed() -> None:
    assert "tfl_tui.core.board" in PURE and len(PURE) > 10


def test_pure_modules_import_no_ui_kafka_or_http() -> None:
    assert loaded_after(importing(PURE), ["textual", "confluent_kafka", "requests"]) == []


def test_kafka_modules_import_no_ui() -> None:
    assert loaded_after(importing(KAFKA), ["textual"]) == []


def test_cli_help_loads_no_kafka_or_http_client() -> None:
    assert loaded_after(HELP, ["confluent_kafka", "requests"]) == []


@pytest.mark.parametrize(
    ("module", "package"),
    [("tfl_tui.kafka.producer", "confluent_kafka"), ("tfl_tui.tfl.client", "requests")],
)
def test_the_probe_sees_a_real_import(module: str, package: str) -> None:
    # Guards the checks above against passing because the probe itself is broken.
    assert loaded_after(importing([module]), [package]) == [package]
