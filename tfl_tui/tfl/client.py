"""HTTP client for TfL's `/StopPoint/{id}/Arrivals`, and its stop search and stop detail.

Transient failures (connection errors, timeouts, 5xx, 429) are retried with exponential backoff
and full jitter until a deadline; `Retry-After` is honoured. Permanent ones (an unknown stop,
a bad request) fail at once with TfL's own explanation. The `app_key` travels as a query
parameter, as TfL wants, and never appears in a message.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Sequence
from email.utils import parsedate_to_datetime
from enum import Enum
from typing import Any
from urllib.parse import quote

import requests

from tfl_tui import __version__
from tfl_tui.core.defaults import DEFAULT_RETRY_BUDGET_S, DEFAULT_TFL_URL
from tfl_tui.core.errors import TflCancelled, TflError, TflUnreachable
from tfl_tui.core.stops import Match, Place, chunks, parse_places, parse_search
from tfl_tui.tfl.ratelimit import RequestBudget, requests_per_minute

# Told about each failed poll attempt before the client backs off: (stop id, error, delay in s).
RetryCallback = Callable[[str, TflError, float], None]
USER_AGENT = f"tfl-tui/{__version__} (terminal arrivals board; python-requests)"
# An Arrivals answer is a few KB per bus; anything beyond this is not an Arrivals answer.
MAX_BODY_BYTES = 8 * 1024 * 1024
BACKOFF_BASE_S = 0.5
BACKOFF_CAP_S = 8.0
# 429 without Retry-After: TfL's window is a minute; a few seconds is a polite first pause.
DEFAULT_RETRY_AFTER_S = 5.0


class TflNotFound(TflError):
    """HTTP 404: TfL knows no such stop (or stops)."""


class _Expect(Enum):
    """The JSON an endpoint answers with (its value says so in an error)."""

    ARRIVALS = "a list of arrivals"
    OBJECT = "a JSON object"
    ANY = "StopPoint objects"

    def accepts(self, body: Any) -> bool:
        if self is _Expect.ARRIVALS:
            return isinstance(body, list)
        if self is _Expect.OBJECT:
            return isinstance(body, dict)
        return isinstance(body, list | dict)


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:  # the HTTP-date form
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _api_error_message(body: Any) -> str | None:
    """TfL's `ApiError` object: {"httpStatusCode", "exceptionType", "message", ...}."""
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        kind = body.get("exceptionType")
        message = " ".join(body["message"].split())[:200]
        return f"{message} ({kind})" if isinstance(kind, str) and kind else message
    return None


def _describe_body(response: requests.Response, body: bytes) -> str:
    kind = response.headers.get("Content-Type", "").split(";")[0].strip() or "no content type"
    return f"{len(body)} bytes of {kind}"


class TflClient:
    """Fetches Arrivals for one stop at a time, within a shared request budget."""

    def __init__(
        self,
        base_url: str = DEFAULT_TFL_URL,
        app_key: str | None = None,
        *,
        timeout: float = 10.0,
        budget: RequestBudget | None = None,
        session: requests.Session | None = None,
        on_retry: RetryCallback | None = None,
        rng: random.Random | None = None,
        lookup_budget: float = DEFAULT_RETRY_BUDGET_S,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._app_key = app_key or None
        self.timeout = timeout
        self.budget = budget or RequestBudget(requests_per_minute(bool(self._app_key)))
        self._session = session or requests.Session()
        self._session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
        # cancel() ends waits (backoff, budget) early, e.g. when the app quits or switches feed.
        self._cancelled = threading.Event()
        self._on_retry = on_retry
        self._rng = rng or random.Random()  # jitter only; never security-relevant
        self.lookup_budget = lookup_budget  # how long a search or stop detail may retry

    def describe(self) -> str:
        access = "with app key" if self._app_key else "anonymous"
        return f"TfL API at {self.base_url} ({access})"

    def min_interval(self, stops: int) -> float:
        return self.budget.min_interval(stops)

    def cancel(self) -> None:
        """Give up any wait in progress; later fetches fail at their first wait."""
        self._cancelled.set()

    def close(self) -> None:
        self._session.close()

    def fetch(self, stop_id: str, deadline: float | None = None) -> list[Any]:
        """The raw JSON array TfL answers for `stop_id`, retrying transient failures.

        `deadline` (a `time.monotonic()` value) bounds the whole call including retries;
        without one a single attempt is made. Raises TflError when no usable answer came.
        """
        path = f"/StopPoint/{quote(stop_id, safe='')}/Arrivals"
        body = self._get(path, f"stop {stop_id}", deadline, _Expect.ARRIVALS, retry_key=stop_id)
        return body if isinstance(body, list) else []

    def search_stops(self, query: str, deadline: float | None = None) -> list[Match]:
        """The bus stops and places TfL finds for `query` (its `/StopPoint/Search`)."""
        path = f"/StopPoint/Search/{quote(query, safe='')}"
        deadline = deadline or time.monotonic() + self.lookup_budget
        body = self._get(path, f"search {query!r}", deadline, _Expect.OBJECT, {"modes": "bus"})
        return parse_search(body)

    def places(self, ids: Sequence[str], deadline: float | None = None) -> list[Place]:
        """The stop groups, hubs or stops `ids` name, with their bus stops (`/StopPoint/{ids}`,
        up to MAX_IDS_PER_REQUEST a request); ids TfL does not know are left out."""
        found: list[Place] = []
        deadline = deadline or time.monotonic() + self.lookup_budget
        for chunk in chunks(list(ids)):
            path = "/StopPoint/" + ",".join(quote(i, safe="") for i in chunk)
            try:
                body = self._get(path, f"stop {','.join(chunk)}", deadline, _Expect.ANY)
            except TflNotFound:
                continue
            found += parse_places(body, chunk)
        return found

    def _get(
        self,
        path: str,
        subject: str,
        deadline: float | None,
        expect: _Expect,
        params: dict[str, str] | None = None,
        *,
        retry_key: str | None = None,
    ) -> Any:
        """TfL's JSON answer to `path`; `subject` names it in errors, `retry_key` (a polled
        stop's id) in the retry callback, which only polls tell."""
        attempt = 0
        while True:
            try:
                return self._attempt(path, subject, deadline, expect, params)
            except TflError as error:
                if not error.transient:
                    raise
                delay = error.retry_after
                if delay is None:
                    ceiling = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2**attempt)
                    delay = self._rng.uniform(ceiling / 2, ceiling)
                attempt += 1
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is None or delay + self.timeout / 4 > remaining:
                    raise
                if self._cancelled.is_set():
                    raise TflCancelled("stopped before retrying") from None
                if self._on_retry is not None and retry_key is not None:
                    self._on_retry(retry_key, error, delay)
                self._pause(delay)

    def _wait_for_slot(self, deadline: float | None) -> None:
        wait = self.budget.wait_time()
        if wait > 0:
            if deadline is not None and time.monotonic() + wait > deadline:
                raise TflError(
                    f"request budget exhausted (next slot in {wait:.0f}s)", transient=True
                )
            self._pause(wait)
        self.budget.take()

    def _pause(self, seconds: float) -> None:
        if self._cancelled.wait(seconds):
            raise TflCancelled("stopped while waiting to retry")

    def _attempt(
        self,
        path: str,
        subject: str,
        deadline: float | None,
        expect: _Expect,
        params: dict[str, str] | None,
    ) -> Any:
        self._wait_for_slot(deadline)
        url = f"{self.base_url}{path}"
        params = dict(params or {})
        if self._app_key:
            params["app_key"] = self._app_key
        timeout = self.timeout
        if deadline is not None:
            timeout = max(0.5, min(timeout, deadline - time.monotonic()))
        try:
            response = self._session.get(url, params=params, timeout=timeout, stream=True)
        except requests.Timeout:
            raise TflError(
                f"{subject}: TfL did not answer within {timeout:.0f}s", transient=True
            ) from None
        except requests.ConnectionError:
            # The exception text may carry the URL (and so the key): never show it.
            raise TflUnreachable(
                f"{subject}: cannot connect to {self.base_url}",
                hint="check the network, or run with --demo for the offline simulator",
            ) from None
        except requests.RequestException as error:
            raise TflError(f"{subject}: request failed ({type(error).__name__})") from None
        with response:
            return self._read(subject, response, expect)

    def _read(self, subject: str, response: requests.Response, expect: _Expect) -> Any:
        try:
            raw = response.raw.read(MAX_BODY_BYTES + 1, decode_content=True)
        except (requests.RequestException, OSError) as error:
            raise TflError(
                f"{subject}: answer broke off ({type(error).__name__})", transient=True
            ) from None
        if len(raw) > MAX_BODY_BYTES:
            raise TflError(
                f"{subject}: answer larger than {MAX_BODY_BYTES // 2**20} MB, not an Arrivals list"
            )
        status = response.status_code
        try:
            body: Any = json.loads(raw) if raw else None
        except (ValueError, UnicodeDecodeError):
            body = None
            invalid_json = True
        else:
            invalid_json = False

        if status == 429:
            retry = _retry_after(response)
            retry = DEFAULT_RETRY_AFTER_S if retry is None else retry
            self.budget.hold_off(retry)
            raise TflError(
                f"{subject}: rate limited by TfL (HTTP 429)",
                transient=True,
                retry_after=retry,
                hint="set TFL_APP_KEY (or --app-key) for 500 requests/min instead of 50",
            )
        if status >= 400:
            detail = _api_error_message(body) or _describe_body(response, raw)
            if status == 404:
                raise TflNotFound(
                    f"{subject}: TfL does not know this stop: {detail}",
                    hint="stop ids are NaPTAN codes such as 490000254W; "
                    "`tfl-tui stops NAME` finds them by name",
                )
            if status in (401, 403):
                raise TflError(
                    f"{subject}: TfL refused the request (HTTP {status}): {detail}",
                    hint="check the app key (TFL_APP_KEY / --app-key)",
                )
            raise TflError(
                f"{subject}: TfL answered HTTP {status}: {detail}", transient=status >= 500
            )
        if invalid_json:
            raise TflError(
                f"{subject}: TfL answered with invalid JSON ({_describe_body(response, raw)})",
                transient=True,
            )
        if not expect.accepts(body):
            what = (
                _api_error_message(body)
                or f"a JSON {type(body).__name__ if body is not None else 'null'}"
            )
            raise TflError(f"{subject}: expected {expect.value}, got {what}", transient=True)
        return body
