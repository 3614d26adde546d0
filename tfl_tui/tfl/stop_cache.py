"""Stop look-ups kept on disk for a day, so a daily start costs no search request.

Searches and places are stored as read (with the time they were fetched) per TfL address, in
`$XDG_CACHE_HOME/tfl-tui/stops.json`. It is only a cache: one that does not read is started
afresh, and one that cannot be written is done without.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tfl_tui.core.saved_stops import cache_dir
from tfl_tui.core.stops import BusStop, Match, Place, StopLookup, normalise

MAX_AGE_S = 24 * 3600
VERSION = 1
MAX_SEARCHES = 500  # the oldest go first beyond this: the file stays small


def _place_json(place: Place) -> dict[str, Any]:
    return {"id": place.id, "name": place.name, "stops": [s.to_json() for s in place.stops]}


def _place(value: Any) -> Place | None:
    if not isinstance(value, dict) or not isinstance(value.get("id"), str):
        return None
    stops = [BusStop.from_json(s) for s in value.get("stops") or ()]
    name = value.get("name")
    return Place(value["id"], name if isinstance(name, str) else "", tuple(s for s in stops if s))


class CachedLookup:
    """A StopLookup that asks `inner` only for what it has not fetched within a day."""

    def __init__(
        self,
        inner: StopLookup,
        source: str,
        path: Path | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._inner = inner
        self._source = source  # the TfL address: the stand-in's answers are not TfL's
        self.path = path or cache_dir() / "stops.json"
        self._clock = clock
        self._data = self._read()

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = None
        if not isinstance(data, dict) or data.get("version") != VERSION:
            data = {"version": VERSION}
        sources = data.setdefault("sources", {})
        if not isinstance(sources, dict):
            sources = data["sources"] = {}
        mine = sources.setdefault(self._source, {})
        if not isinstance(mine, dict):
            mine = sources[self._source] = {}
        for part in ("searches", "places"):
            if not isinstance(mine.get(part), dict):
                mine[part] = {}
        return data

    @property
    def _mine(self) -> dict[str, dict[str, Any]]:
        mine: dict[str, dict[str, Any]] = self._data["sources"][self._source]
        return mine

    def _fresh(self, item: Any) -> bool:
        at = item.get("at") if isinstance(item, dict) else None
        return isinstance(at, int | float) and 0 <= self._clock() - at < MAX_AGE_S

    def search_stops(self, query: str) -> list[Match]:
        key = normalise(query)
        item: Any = self._mine["searches"].get(key)
        if self._fresh(item):
            return [
                Match(m[0], m[1], m[2])
                for m in item["matches"]
                if isinstance(m, list) and len(m) == 3 and all(isinstance(x, str) for x in m)
            ]
        matches = self._inner.search_stops(query)
        searches = self._mine["searches"]
        searches[key] = {
            "at": self._clock(),
            "matches": [[m.id, m.name, m.towards] for m in matches],
        }
        while len(searches) > MAX_SEARCHES:
            del searches[next(iter(searches))]
        self._write()
        return matches

    def places(self, ids: Sequence[str]) -> list[Place]:
        stored = self._mine["places"]
        known: dict[str, Place] = {}
        for ident in ids:
            item: Any = stored.get(ident.upper())
            place = _place(item.get("place")) if self._fresh(item) else None
            if place is not None:
                known[ident.upper()] = place
        missing = [ident for ident in ids if ident.upper() not in known]
        if missing:
            # Each place comes back under the id asked for (parse_places); unknown ids do not.
            for place in self._inner.places(missing):
                known[place.id.upper()] = place
                stored[place.id.upper()] = {"at": self._clock(), "place": _place_json(place)}
            self._write()
        return [known[i.upper()] for i in ids if i.upper() in known]

    def _write(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=".stops.", dir=self.path.parent)
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                json.dump(self._data, file, ensure_ascii=False)
            os.replace(temporary, self.path)
        except OSError:
            pass  # a cache that cannot be written costs requests, nothing else
