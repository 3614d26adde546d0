"""Read librdkafka `client.properties` files.

Users arrive with the file from the Confluent tutorial, whose reader takes `key=value` lines and
skips `#` comments. We accept that and the rest of Java's .properties line syntax (`:` or
whitespace separators, `!` comments, backslash line continuation), because that is what the
file format promises and what other Kafka tools accept.

Values are otherwise taken literally: there is no Java escape processing (`\\t`, `\\uXXXX`...),
so a Windows path such as `C:\\certs\\ca.pem` survives unchanged, as it does in the tutorial.

Error messages name the file, the line and at most the key, never a value: values may be
secrets, and errors end up on screens and in logs.

Pure module apart from `read_properties`/`permission_warning`: no Kafka, no Textual.
"""

from __future__ import annotations

import os
import re
import shlex
import stat
from pathlib import Path

from tfl_tui.core.errors import ConfigError

# Java's .properties whitespace; Python's str.strip() would also eat \v and Unicode spaces.
_WHITESPACE = " \t\f"
_SEPARATORS = "=:"
_KEY_END = _SEPARATORS + _WHITESPACE
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_BOM = "\ufeff"

# A real client.properties is a few KiB; the cap stops a wrong path (a log, /dev/zero) from
# being read into memory.
MAX_FILE_BYTES = 1024 * 1024

# Only keys that look like property names are quoted back in errors: a "key" that is really a
# pasted API secret on a line of its own must not be echoed either.
_ECHOABLE_KEY = re.compile(r"[a-z][a-z0-9_-]*(?:\.[a-z0-9_-]+)+")
_MAX_ECHOED_KEY_LEN = 80

_SYNTAX_HINT = "write each setting on its own line as key=value; lines starting with # are comments"


class PropertiesError(ConfigError):
    """A malformed line: the message is `source:line: reason` and never contains a value."""

    def __init__(self, source: str, line: int, reason: str, *, hint: str | None = None) -> None:
        super().__init__(f"{source}:{line}: {reason}", hint=hint)
        self.source = source
        self.line = line
        self.reason = reason


def parse_properties(text: str, source: str = "<string>") -> dict[str, str]:
    """Parse .properties text into a dict; later duplicate keys win, as in Java.

    `source` names the text in error messages (usually the file's path).
    """
    if text.startswith(_BOM):
        text = text[len(_BOM) :]
    lines = _LINE_BREAK.split(text)
    # A continuation followed by nothing but blank lines runs off the end of the file.
    last_content = max((i for i, line in enumerate(lines) if line.strip(_WHITESPACE)), default=-1)

    result: dict[str, str] = {}
    i = 0
    while i < len(lines):
        start = i + 1  # 1-based number of the logical line's first physical line
        logical = lines[i].lstrip(_WHITESPACE)
        i += 1
        # Comment lines never continue, even when they end in a backslash (as in Java).
        if not logical or logical[0] in "#!":
            continue
        while _continues(logical):
            logical = logical[:-1]
            if i > last_content:
                raise PropertiesError(
                    source,
                    i,
                    f"{_describe(logical)} ends with '\\' (a line continuation) but the file"
                    " ends there; remove the trailing backslash",
                    hint=_SYNTAX_HINT,
                )
            # Leading whitespace of a continuation is dropped; a blank one ends the value.
            logical += lines[i].lstrip(_WHITESPACE)
            i += 1
        key, value = _split(logical, source, start)
        result[key] = value
    return result


def read_properties(path: Path) -> dict[str, str]:
    """Read and parse a UTF-8 .properties file; every failure is a one-line ConfigError."""
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(
            f"config file not found: {path}",
            hint="copy client.properties.example to client.properties and fill it in",
        ) from None
    except IsADirectoryError:
        raise ConfigError(f"config file {path} is a directory, not a file") from None
    except PermissionError:
        if path.is_dir():  # Windows reports a directory as permission denied
            raise ConfigError(f"config file {path} is a directory, not a file") from None
        raise ConfigError(
            f"cannot read config file {path}: permission denied",
            hint=f"check the file's owner and mode (ls -l {shlex.quote(str(path))})",
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise ConfigError(
            f"config file {path} is larger than {MAX_FILE_BYTES // 1024} KiB;"
            " is it really a client.properties file?"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # Name the line only: the offending bytes may belong to a secret.
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"{path}:{line}: not valid UTF-8 text", hint="save the file with UTF-8 encoding"
        ) from None
    return parse_properties(text, source=str(path))


def permission_warning(path: Path) -> str | None:
    """Warn, like ssh does for private keys, when group or others may read or write the file."""
    if os.name != "posix":
        return None  # Windows ACLs are not reflected in st_mode
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None  # read_properties reports an unreadable file properly
    if not mode & 0o077:
        return None
    return (
        f"warning: {path} is accessible by others (mode {mode:04o}); it may hold secrets:"
        f" chmod 600 {shlex.quote(str(path))}"
    )


def _continues(line: str) -> bool:
    """True when the line ends in an odd number of backslashes (Java's continuation rule)."""
    trailing = len(line) - len(line.rstrip("\\"))
    return trailing % 2 == 1


def _split(logical: str, source: str, line: int) -> tuple[str, str]:
    """Split a logical line (leading whitespace already gone) into key and value."""
    n = len(logical)
    end = 0
    while end < n and logical[end] not in _KEY_END:
        end += 1
    key = logical[:end]
    if not key:
        raise PropertiesError(
            source,
            line,
            "the line starts with a separator, so the key is missing (expected key=value)",
            hint=_SYNTAX_HINT,
        )
    # As in Java: whitespace, at most one '=' or ':', whitespace; the rest is the value.
    pos = end
    while pos < n and logical[pos] in _WHITESPACE:
        pos += 1
    has_separator = pos < n and logical[pos] in _SEPARATORS
    if has_separator:
        pos += 1
    while pos < n and logical[pos] in _WHITESPACE:
        pos += 1
    value = logical[pos:].rstrip(_WHITESPACE)
    if not has_separator and not value:
        raise PropertiesError(
            source,
            line,
            f"{_describe(logical)} has no value (expected key=value)",
            hint=_SYNTAX_HINT,
        )
    return key, value


def echoable_key(key: str) -> bool:
    """True when `key` looks like a property name, so an error message may quote it: a "key"
    that is really a pasted secret (on a line of its own, say) must not be echoed."""
    return len(key) <= _MAX_ECHOED_KEY_LEN and _ECHOABLE_KEY.fullmatch(key) is not None


def _describe(logical: str) -> str:
    """Name the line's key for an error message, or say 'the line' when it may be a secret."""
    end = 0
    while end < len(logical) and logical[end] not in _KEY_END:
        end += 1
    key = logical[:end]
    return repr(key) if echoable_key(key) else "the line"
