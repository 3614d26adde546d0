"""Errors a user can act on: each carries one clear line and the process exit code.

Anything raised as a TflTuiError is shown as its message (never a traceback) by the CLI and as
a notification by the dashboard. Messages must never contain secret values.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes of every tfl-tui command (also listed in `tfl-tui --help`)."""

    OK = 0
    FAILURE = 1  # something went wrong that fits no narrower code
    USAGE = 2  # bad command-line arguments (argparse's own code)
    CONFIG = 3  # client.properties or settings unusable
    KAFKA = 4  # broker unreachable, topic missing or not authorized
    TFL = 5  # TfL (or the stand-in) did not give a usable answer
    UNDELIVERED = 6  # records were produced but not all were acknowledged by the broker
    INTERRUPTED = 130  # Ctrl+C before the work was done


class TflTuiError(Exception):
    """Base for failures shown to the user as one line, plus an optional hint."""

    exit_code: ExitCode = ExitCode.FAILURE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class ConfigError(TflTuiError):
    exit_code = ExitCode.CONFIG


class KafkaError(TflTuiError):
    exit_code = ExitCode.KAFKA


class TflError(TflTuiError):
    """TfL gave no usable answer. `transient` errors are worth retrying (429, 5xx, timeouts)."""

    exit_code = ExitCode.TFL

    def __init__(
        self,
        message: str,
        *,
        transient: bool = False,
        retry_after: float | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.transient = transient
        self.retry_after = retry_after


class TflCancelled(TflError):
    """The fetch was given up on purpose (quitting, or switching to the demo feed)."""


class TflUnreachable(TflError):
    """No connection to TfL at all (DNS, refused, no network): the demo feed may help."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message, transient=True, hint=hint)
