"""Stop search for the dashboard's Stops screen, called from a UI worker thread.

On the demo feed it reads the offline catalogue; otherwise it asks TfL, behind the day's cache
on disk, within the request budget the producer's polls use (one budget for both, as TfL
counts them together).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from tfl_tui.core.dashboard_options import DashboardOptions
from tfl_tui.core.stops import BusStop, Place, StopLookup, search_places
from tfl_tui.tfl.client import TflClient
from tfl_tui.tfl.ratelimit import RequestBudget
from tfl_tui.tfl.simulator import DemoSource
from tfl_tui.tfl.stop_cache import CachedLookup


class StopFinder:
    def __init__(
        self,
        options: DashboardOptions,
        *,
        on_demo: Callable[[], bool],
        budget: Callable[[], RequestBudget | None],
    ) -> None:
        self._options = options
        self._on_demo = on_demo
        self._budget = budget
        self._lock = threading.Lock()  # one search at a time: the client is not shared
        self._demo: DemoSource | None = None
        self._live: CachedLookup | None = None
        self._client: TflClient | None = None

    def _lookup(self) -> StopLookup:
        if self._on_demo():
            if self._demo is None:
                self._demo = DemoSource(seed=self._options.seed)
            return self._demo
        if self._live is None:
            options = self._options
            self._client = TflClient(
                options.tfl_url,
                options.app_key,
                timeout=options.http_timeout,
                budget=self._budget(),
                # A search answers a person typing: a short wait, not a poll's retries.
                lookup_budget=min(options.retry_budget, options.http_timeout),
            )
            self._live = CachedLookup(self._client, source=options.tfl_url)
        return self._live

    def search(self, query: str) -> list[Place]:
        """Places with bus stops for `query`; raises TflTuiError with TfL's reason."""
        with self._lock:
            return search_places(self._lookup(), query)

    def details(self, ids: list[str]) -> list[BusStop]:
        """What TfL knows of these stops (name, letter, towards, lines); ids it does not know
        are left out."""
        with self._lock:
            places = self._lookup().places(ids)
        return [stop for place in places for stop in place.stops if stop.id in ids]

    def close(self) -> None:
        if self._client is not None:
            self._client.cancel()
            self._client.close()
