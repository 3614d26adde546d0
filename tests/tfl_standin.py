"""A local HTTP server that plays the TfL StopPoint API for tests, with scripted answers.

It serves `/StopPoint/{id}/Arrivals`, `/StopPoint/Search/{query}` and `/StopPoint/{ids}`. Each
stop, query or ids segment gets a queue of `Answer`s; every request pops the next one (the last
one repeats). Searches and stop details can also come from whole canned catalogues
(`serve_catalogue`). Requests are recorded (kind, path, query, headers, time) so tests can check
what tfl-tui sent.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

SEARCH_RESPONSE_TYPE = "Tfl.Api.Presentation.Entities.SearchResponse, Tfl.Api.Presentation.Entities"


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"[]"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (a slow or hanging TfL)
    content_type: str = "application/json; charset=utf-8"

    @classmethod
    def json(cls, value: Any, status: int = 200, **kwargs: Any) -> Answer:
        return cls(status=status, body=json.dumps(value).encode(), **kwargs)

    @classmethod
    def api_error(
        cls,
        status: int,
        exception_type: str,
        message: str,
        relative_uri: str = "/StopPoint/x/Arrivals",
    ) -> Answer:
        return cls.json(
            {
                "$type": "Tfl.Api.Presentation.Entities.ApiError, Tfl.Api.Presentation.Entities",
                "timestampUtc": "2026-11-25T12:00:00.1234567Z",
                "exceptionType": exception_type,
                "httpStatusCode": status,
                "httpStatus": "NotFound" if status == 404 else "Error",
                "relativeUri": relative_uri,
                "message": message,
            },
            status=status,
        )

    @classmethod
    def html(cls, status: int = 500) -> Answer:
        page = b"<html><body><h1>500 Internal Server Error</h1></body></html>"
        return cls(status=status, body=page, content_type="text/html")


ARRIVALS, SEARCH, STOP_POINTS = "arrivals", "search", "stop_points"

SearchCatalogue = Callable[[str], Any]  # query -> TfL's search answer
DetailCatalogue = Callable[[Sequence[str]], Any]  # ids -> TfL's answer, or None for a 404


@dataclass(frozen=True)
class SeenRequest:
    stop_id: str  # the stop id; for a search the query, for stop details the ids segment
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    at: float  # time.monotonic() when it arrived
    kind: str = ARRIVALS  # or SEARCH, STOP_POINTS

    @property
    def ids(self) -> list[str]:
        """The ids a stop-details request asked for."""
        return [part.strip() for part in self.stop_id.split(",") if part.strip()]


class TflStandIn:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._answers: dict[str, list[Answer]] = {}
        # Search and stop-detail queues, keyed by casefolded query / ids segment.
        self._searches: dict[str, list[Answer]] = {}
        self._stop_points: dict[str, list[Answer]] = {}
        self._search_catalogue: SearchCatalogue | None = None
        self._detail_catalogue: DetailCatalogue | None = None
        self.requests: list[SeenRequest] = []
        self._stopping = threading.Event()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                stand_in._serve(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def script(self, stop_id: str, *answers: Answer) -> None:
        with self._lock:
            self._answers[stop_id] = list(answers)

    def script_search(self, query: str, *answers: Answer) -> None:
        """Answers to `/StopPoint/Search/{query}` (the query compared case aside)."""
        with self._lock:
            self._searches[query.casefold()] = list(answers)

    def script_stop_points(self, ids_text: str, *answers: Answer) -> None:
        """Answers to `/StopPoint/{ids_text}`: the comma-joined ids exactly as sent, case aside."""
        with self._lock:
            self._stop_points[ids_text.casefold()] = list(answers)

    def serve_catalogue(
        self, search: SearchCatalogue | None = None, detail: DetailCatalogue | None = None
    ) -> None:
        """Answers for searches and stop details nothing was scripted for: `search(query)` is
        sent as it is, `detail(ids)` too unless it gives None (then a 404 as TfL's). For
        example `serve_catalogue(stop_catalogue.search_response,
        stop_catalogue.stop_point_response)`."""
        with self._lock:
            self._search_catalogue = search
            self._detail_catalogue = detail

    def requests_for(self, stop_id: str) -> list[SeenRequest]:
        """The Arrivals requests for one stop."""
        with self._lock:
            return [r for r in self.requests if r.kind == ARRIVALS and r.stop_id == stop_id]

    def requests_of(self, kind: str) -> list[SeenRequest]:
        """Every request of one kind (ARRIVALS, SEARCH, STOP_POINTS), in order."""
        with self._lock:
            return [r for r in self.requests if r.kind == kind]

    def _next_answer(self, stop_id: str) -> Answer:
        with self._lock:
            queue = self._answers.get(stop_id)
            if not queue:
                return Answer.api_error(
                    404,
                    "EntityNotFoundException",
                    f"The following stop point is not recognised: {stop_id}",
                )
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def _next_search(self, query: str, path: str) -> Answer:
        with self._lock:
            queue = self._searches.get(query.casefold())
            if queue:
                return queue.pop(0) if len(queue) > 1 else queue[0]
            catalogue = self._search_catalogue
        if catalogue is not None:
            return Answer.json(catalogue(query))
        # As TfL does: a search that finds nothing is a 200 with no matches.
        return Answer.json(
            {"$type": SEARCH_RESPONSE_TYPE, "query": query, "total": 0, "matches": []}
        )

    def _next_stop_points(self, ids_text: str, path: str) -> Answer:
        with self._lock:
            queue = self._stop_points.get(ids_text.casefold())
            if queue:
                return queue.pop(0) if len(queue) > 1 else queue[0]
            catalogue = self._detail_catalogue
        body = None
        if catalogue is not None:
            body = catalogue([part.strip() for part in ids_text.split(",") if part.strip()])
        if body is not None:
            return Answer.json(body)
        return Answer.api_error(
            404,
            "EntityNotFoundException",
            f"The following stop point is not recognised: {ids_text}",
            path,
        )

    def _route(self, segments: list[str]) -> tuple[str, str] | None:
        """(kind, subject) of a request path's segments, or None when TfL has no such path."""
        if len(segments) == 3 and segments[:2] == ["StopPoint", "Search"] and segments[2]:
            return SEARCH, segments[2]
        if len(segments) == 3 and segments[0] == "StopPoint" and segments[2] == "Arrivals":
            return ARRIVALS, segments[1]
        if len(segments) == 2 and segments[0] == "StopPoint" and segments[1] not in ("", "Search"):
            return STOP_POINTS, segments[1]
        return None

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        # Split before unquoting, so a quoted "/" inside a query stays in its segment.
        segments = [unquote(s) for s in parts.path.strip("/").split("/")]
        route = self._route(segments)
        if route is None:
            handler.send_error(404)
            return
        kind, subject = route
        with self._lock:
            self.requests.append(
                SeenRequest(
                    subject,
                    parts.path,
                    parse_qs(parts.query),
                    dict(handler.headers),
                    time.monotonic(),
                    kind,
                )
            )
        if kind == SEARCH:
            answer = self._next_search(subject, parts.path)
        elif kind == STOP_POINTS:
            answer = self._next_stop_points(subject, parts.path)
        else:
            answer = self._next_answer(subject)
        if answer.delay and self._stopping.wait(answer.delay):
            return
        try:
            handler.send_response(answer.status)
            handler.send_header("Content-Type", answer.content_type)
            handler.send_header("Content-Length", str(len(answer.body)))
            for name, value in answer.headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(answer.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout under test): that is the point

    def close(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
