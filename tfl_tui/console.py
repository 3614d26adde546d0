"""Terminal output for the headless commands: data on stdout, status on stderr, secrets never.

Every status line goes through logging with a redacting filter, so a secret that slips into an
exception or a librdkafka message is masked before it is printed; stdout lines are redacted
the same way. Both are made safe to show (`tfl_tui.core.text.safe_text`) as the last step: the
names and errors in them come from TfL, the topic and the broker.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

from tfl_tui.core.errors import TflTuiError
from tfl_tui.core.masking import RedactingFilter, Redactor
from tfl_tui.core.text import safe_text
from tfl_tui.kafka.client_settings import LIBRDKAFKA_LOGGER

log = logging.getLogger("tfl_tui")
redactor = Redactor()


class SafeFormatter(logging.Formatter):
    """A log line shows no control character: the message is kept on one line, a traceback
    keeps its line breaks. librdkafka's own lines (with -v) say whose they are."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        text = super().formatMessage(record)
        if record.name == LIBRDKAFKA_LOGGER.name:
            text = f"librdkafka: {text}"
        return safe_text(text)

    def format(self, record: logging.LogRecord) -> str:
        return safe_text(super().format(record), multiline=True)


def setup_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(SafeFormatter("%(message)s"))
    handler.addFilter(RedactingFilter(redactor))
    log.handlers[:] = [handler]
    log.setLevel(logging.DEBUG if verbose else logging.INFO)
    log.propagate = False
    # librdkafka's own log lines (`debug=` output included) are for debugging; its errors
    # reach us through error_cb.
    LIBRDKAFKA_LOGGER.setLevel(logging.DEBUG if verbose else logging.CRITICAL)


@contextlib.contextmanager
def terminal_owned_by_ui() -> Iterator[None]:
    """While the TUI draws on the terminal, a stray log line would tear the screen: hold them
    back (everything the user must see reaches the UI as an event)."""
    previous = log.disabled
    log.disabled = True
    try:
        yield
    finally:
        log.disabled = previous


def out(line: str) -> None:
    """One line of data on stdout, flushed so pipes and tests see it at once."""
    print(safe_text(redactor.redact(line)), flush=True)


def report_error(error: TflTuiError) -> None:
    first, *more = error.message.splitlines() or [""]
    log.error("error: %s", first)
    for line in more:  # a listing (e.g. the places a name matches), a line each
        log.error("%s", line)
    if error.hint:
        log.error("hint: %s", error.hint)


class KafkaErrorReporter:
    """librdkafka's error_cb: one line per distinct error, repeated at most every 30 s."""

    REPEAT_AFTER_S = 30.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_shown: dict[str, float] = {}
        self.last_error: str | None = None
        self.fatal: str | None = None

    def __call__(self, error: Any) -> None:
        text = error.str()
        now = time.monotonic()
        with self._lock:
            self.last_error = text
            if error.fatal():
                self.fatal = text
            shown = self._last_shown.get(text)
            if shown is not None and now - shown < self.REPEAT_AFTER_S:
                return
            self._last_shown[text] = now
        log.warning("kafka: %s", text)
