"""`tfl-tui stops`: find bus stops by name, and keep the ones you watch.

tfl-tui stops QUERY            one line per bus stop found (--json: a list)
tfl-tui stops add NAME|ID...   watch them from now on (saved in stops.toml)
tfl-tui stops remove NAME|ID...
tfl-tui stops list             the saved stops (also: `tfl-tui stops` alone)
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence

from tfl_tui.console import log, out, redactor
from tfl_tui.core import saved_stops
from tfl_tui.core.errors import ExitCode, TflTuiError
from tfl_tui.core.stop_choice import DEFAULT_BUS_STOP, ChosenStops, Origin, choose_stops
from tfl_tui.core.stops import (
    BusStop,
    StopLookup,
    StopNotFound,
    is_group_id,
    is_stop_id,
    names_stop,
    resolve,
    search_places,
)
from tfl_tui.core.text import counted

ACTIONS = ("add", "remove", "list", "search")


class UsageError(TflTuiError):
    exit_code = ExitCode.USAGE


def make_lookup(args: argparse.Namespace) -> StopLookup:
    """The demo catalogue, or TfL behind a day's cache on disk."""
    if args.demo:
        from tfl_tui.tfl.simulator import DemoSource

        return DemoSource(seed=args.seed)
    from tfl_tui.tfl.client import TflClient
    from tfl_tui.tfl.stop_cache import CachedLookup

    if args.app_key:
        redactor.add(args.app_key)
    client = TflClient(
        args.tfl_url, args.app_key, timeout=args.http_timeout, lookup_budget=args.retry_budget
    )
    return CachedLookup(client, source=args.tfl_url)


def chosen_stops(args: argparse.Namespace) -> ChosenStops:
    """The stops `produce` and the dashboard watch (see core.stop_choice)."""
    return choose_stops(args.stops, lambda: make_lookup(args))


def _table(stops: Sequence[BusStop]) -> list[str]:
    """Aligned lines: id, letter, name, → towards, lines."""
    if not stops:
        return []
    widths = [
        max(len(text) for text in column) for column in zip(*map(_cells, stops), strict=False)
    ]
    return [
        "  ".join(
            cell.ljust(width) for cell, width in zip(_cells(stop), widths, strict=True)
        ).rstrip()
        for stop in stops
    ]


def _cells(stop: BusStop) -> tuple[str, str, str, str, str]:
    towards = f"→ {stop.towards}" if stop.towards else ""
    return stop.id, stop.letter or "-", stop.name or "?", towards, " ".join(stop.lines)


def _print(stops: Sequence[BusStop], as_json: bool) -> None:
    if as_json:
        out(json.dumps([stop.to_json() for stop in stops], ensure_ascii=False))
        return
    for line in _table(stops):
        out(line)


def search(args: argparse.Namespace, query: str) -> int:
    places = search_places(make_lookup(args), query)
    stops = [stop for place in places for stop in place.stops]
    if not stops:
        if args.json:
            out("[]")
        log.error("error: no bus stop matches %r", query)
        log.error("hint: try part of a street or place name, e.g. `tfl-tui stops waterloo`")
        return ExitCode.FAILURE
    _print(stops, args.json)
    if not args.json:
        log.info(
            "%s at %s. Watch one place (both sides of the road): tfl-tui --stop %s",
            counted(len(stops), "bus stop"),
            counted(len(places), "place"),
            json.dumps(places[0].name or places[0].id, ensure_ascii=False),
        )
    return ExitCode.OK


def _details(lookup: StopLookup, spec: str) -> list[BusStop]:
    """The stops `spec` means, with their names: a bare id is looked up too."""
    if not is_stop_id(spec):
        return resolve(lookup, spec)
    places = lookup.places([spec.upper()])
    if not places or not places[0].stops:
        raise StopNotFound(
            f"TfL knows no bus stop {spec}", hint="`tfl-tui stops QUERY` finds stops by name"
        )
    return list(places[0].stops)


def add(args: argparse.Namespace, specs: Sequence[str]) -> int:
    watched = saved_stops.load()  # a broken file stops us here, before anything is written
    known = {stop.id for stop in watched}
    lookup = make_lookup(args)
    new: list[BusStop] = []
    for spec in specs:
        for stop in _details(lookup, spec):
            if stop.id in known:
                log.info("already watched: %s %s", stop.id, stop.label())
            else:
                known.add(stop.id)
                new.append(stop)
    if new:
        path = saved_stops.save([*watched, *new])
        for stop in new:
            log.info("watching %s %s", stop.id, stop.label())
        log.info("saved in %s", path)
    return ExitCode.OK


def _matches(stop: BusStop, spec: str) -> bool:
    """Its id or group id, else words of its name (`remove elephant` takes every Elephant &
    Castle stop)."""
    return names_stop(spec, [stop.id, stop.group], stop.label())


def remove(args: argparse.Namespace, specs: Sequence[str]) -> int:
    watched = saved_stops.load()
    unknown = [spec for spec in specs if not any(_matches(s, spec) for s in watched)]
    if unknown:
        log.error("error: not among the saved stops: %s", ", ".join(map(repr, unknown)))
        log.error("hint: `tfl-tui stops list` shows them; give an id, a group id or a name")
        return ExitCode.FAILURE
    kept = [stop for stop in watched if not any(_matches(stop, spec) for spec in specs)]
    path = saved_stops.save(kept)
    for stop in watched:
        if stop not in kept:
            log.info("no longer watching %s %s", stop.id, stop.label())
    if not kept:
        log.info("no stops saved: the default stop %s is watched", DEFAULT_BUS_STOP.id)
    log.info("saved in %s", path)
    return ExitCode.OK


def show_saved(args: argparse.Namespace) -> int:
    watched = saved_stops.load()
    _print(watched, args.json)
    if not watched and not args.json:
        log.info(
            "No stops saved (%s): tfl-tui watches %s, %s.",
            saved_stops.saved_stops_path(),
            DEFAULT_BUS_STOP.id,
            DEFAULT_BUS_STOP.label(),
        )
        log.info("Find yours with `tfl-tui stops NAME`, keep them with `tfl-tui stops add NAME`.")
    return ExitCode.OK


def specs_of(words: Sequence[str]) -> list[str]:
    """What each stop named on the command line is: an id, a quoted name, or unquoted words
    in a row read as one name (`stops add waterloo bridge`)."""
    specs: list[str] = []
    loose: list[str] = []
    for word in words:
        if " " in word.strip() or is_stop_id(word) or is_group_id(word):
            if loose:
                specs.append(" ".join(loose))
                loose = []
            specs.append(word.strip())
        else:
            loose.append(word)
    if loose:
        specs.append(" ".join(loose))
    return specs


def run(args: argparse.Namespace) -> int:
    words: list[str] = list(args.words)
    action = words[0] if words and words[0] in ACTIONS else "search" if words else "list"
    rest = words[1:] if words and words[0] in ACTIONS else words
    if action == "list":
        if rest:
            raise UsageError("`stops list` takes no arguments", hint="tfl-tui stops list")
        return show_saved(args)
    if not rest:
        raise UsageError(
            f"`stops {action}` needs a stop: a name, a group id (490G…) or a stop id",
            hint=f"e.g. tfl-tui stops {action} 490000254W, or a place's name as "
            "`tfl-tui stops QUERY` shows it",
        )
    if action == "search":
        return search(args, " ".join(rest))
    specs = specs_of(rest)
    return add(args, specs) if action == "add" else remove(args, specs)


def describe_choice(chosen: ChosenStops) -> str:
    where = {
        Origin.FLAGS: "",
        Origin.SAVED: " (saved; `tfl-tui stops` to change)",
        Origin.DEFAULT: " (the default; `tfl-tui stops NAME` finds yours)",
    }[chosen.origin]
    return chosen.describe() + where
