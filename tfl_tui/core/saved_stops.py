"""The stops a user watches, kept between runs in `$XDG_CONFIG_HOME/tfl-tui/stops.toml`.

TOML, so it can be read and edited by hand. It is written atomically (a temporary file renamed
over the old one), and a file that does not read is reported with its line and never written
over: the user's list is theirs.
"""

from __future__ import annotations

import json
import os
import tempfile
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tfl_tui.core.errors import ConfigError
from tfl_tui.core.stops import BusStop

FILE_NAME = "stops.toml"
HEADER = """\
# The bus stops tfl-tui watches when no --stop is given.
# Change them with `tfl-tui stops add NAME|ID`, `tfl-tui stops remove ...`,
# or with `s` in the dashboard. Only `id` is needed; the rest is shown.
# tfl-tui writes this file anew at each change: other comments are not kept.
"""


def _xdg(variable: str, fallback: str) -> Path:
    base = os.environ.get(variable, "")
    # The XDG spec: a relative path in the variable is invalid and must be ignored.
    root = Path(base) if base and os.path.isabs(base) else Path.home() / fallback
    return root / "tfl-tui"


def config_dir() -> Path:
    return _xdg("XDG_CONFIG_HOME", ".config")


def cache_dir() -> Path:
    return _xdg("XDG_CACHE_HOME", ".cache")


def saved_stops_path() -> Path:
    return config_dir() / FILE_NAME


def load(path: Path | None = None) -> list[BusStop]:
    """The saved stops; none when the file does not exist. Raises ConfigError when it does not
    read, saying where."""
    path = path or saved_stops_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read {path}: {error}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(
            f"{path} is not valid TOML: {error}",
            hint="fix or remove that line; tfl-tui will not write over the file meanwhile",
        ) from None
    items = data.get("stop", [])
    if not isinstance(items, list):
        raise ConfigError(f"{path}: `stop` must be a list of [[stop]] tables")
    stops: list[BusStop] = []
    for number, item in enumerate(items, 1):
        stop = BusStop.from_json(item)
        if stop is None:
            raise ConfigError(
                f"{path}: stop {number} has no valid `id` (a NaPTAN id such as 490000254W)",
                hint="fix or remove that [[stop]] table",
            )
        if stop.id not in {s.id for s in stops}:
            stops.append(stop)
    return stops


def _toml_string(text: str) -> str:
    # A JSON string with non-ASCII kept as it is is a valid TOML basic string.
    return json.dumps(text, ensure_ascii=False)


def _toml_value(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml_string(str(v)) for v in value) + "]"
    return _toml_string(str(value))


def render(stops: Iterable[BusStop]) -> str:
    parts = [HEADER]
    for stop in stops:
        fields = {k: v for k, v in stop.to_json().items() if v or k == "id"}
        parts.append(
            "\n[[stop]]\n" + "".join(f"{k} = {_toml_value(v)}\n" for k, v in fields.items())
        )
    return "".join(parts)


def save(stops: Iterable[BusStop], path: Path | None = None) -> Path:
    """Write the stops atomically (never half a file); returns where."""
    path = path or saved_stops_path()
    text = render(stops)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{FILE_NAME}.", dir=path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(text)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise ConfigError(f"cannot save the stops to {path}: {error.strerror or error}") from None
    return path
