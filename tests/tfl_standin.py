"""A local HTTP server that plays the TfL Arrivals API for tests, with scripted answers.

Each stop gets a queue of `Answer`s; every request pops the next one (the last one repeats).
Requests are recorded (path, query, headers, time) so tests can check what tfl-tui sent.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit


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
    def api_error(cls, status: int, exception_type: str, message: str) -> Answer:
        return cls.json(
            {
                "$type": "Tfl.Api.Presentation.Entities.ApiError, Tfl.Api.Presentation.Entities",
                "timestampUtc": "2026-11-25T12:00:00.1234567Z",
                "exceptionType": exception_type,
                "httpStatusCode": status,
                "httpStatus": "NotFound" if status == 404 else "Error",
                "relativeUri": "/StopPoint/x/Arrivals",
                "message": message,
            },
            status=status,
        )

    @classmethod
    def html(cls, status: int = 500) -> Answer:
        page = b"<html><body><h1>500 Internal Server Error</h1></body></html>"
        return cls(status=status, body=page, content_type="text/html")


@dataclass(frozen=True)
class SeenRequest:
    stop_id: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    at: float  # time.monotonic() when it arrived


class TflStandIn:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._answers: dict[str, list[Answer]] = {}
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

    def requests_for(self, stop_id: str) -> list[SeenRequest]:
        with self._lock:
            return [r for r in self.requests if r.stop_id == stop_id]

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

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        segments = [unquote(s) for s in parts.path.strip("/").split("/")]
        if len(segments) != 3 or segments[0] != "StopPoint" or segments[2] != "Arrivals":
            handler.send_error(404)
            return
        stop_id = segments[1]
        with self._lock:
            self.requests.append(
                SeenRequest(
                    stop_id,
                    parts.path,
                    parse_qs(parts.query),
                    dict(handler.headers),
                    time.monotonic(),
                )
            )
        answer = self._next_answer(stop_id)
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
