"""`tfl-tui history --stop S`: the buses that came to a stop, from the topic (core/arrivals.py
says how they are told), with the wait between them and how their predictions moved."""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timedelta

from tfl_tui.commands.topic_reading import topic_reader
from tfl_tui.console import log, out
from tfl_tui.core.arrivals import Arrival, infer, said_line
from tfl_tui.core.board_at import LOOKBACK
from tfl_tui.core.errors import ExitCode
from tfl_tui.core.polling import utc_now
from tfl_tui.core.records import decode_record
from tfl_tui.core.stops import names_stop
from tfl_tui.core.timespec import LONDON, format_duration


def _clock(moment: datetime | None) -> str:
    return moment.astimezone(LONDON).strftime("%H:%M:%S") if moment else "--:--:--"


def _minutes(span: timedelta | None) -> str:
    if span is None:
        return "—"
    minutes = round(span.total_seconds() / 60)
    return f"{minutes} min"


def _wanted(arrival: Arrival, stops: list[str], lines: list[str]) -> bool:
    named = any(names_stop(spec, [arrival.stop_id], arrival.stop) for spec in stops)
    return named and (not lines or arrival.line.lower() in lines)


def _json(arrival: Arrival) -> str:
    def iso(moment: datetime | None) -> str | None:
        return moment.isoformat(timespec="seconds") if moment else None

    return json.dumps(
        {
            "stop_id": arrival.stop_id,
            "stop": arrival.stop,
            "line": arrival.line,
            "destination": arrival.destination,
            "vehicle": arrival.vehicle,
            "outcome": arrival.outcome,
            "came_at": iso(arrival.came_at),
            "gap_s": None if arrival.gap is None else int(arrival.gap.total_seconds()),
            "gone_at": iso(arrival.gone_at),
            "said": [{"at": iso(s.at), "eta_s": s.eta_s} for s in arrival.said],
        },
        ensure_ascii=False,
    )


def text_line(arrival: Arrival) -> str:
    when = arrival.came_at or arrival.said[-1].expected
    return "  ".join(
        [
            _clock(when),
            arrival.line.ljust(4),
            arrival.destination[:24].ljust(24),
            arrival.outcome.ljust(8),
            f"wait {_minutes(arrival.gap)}".ljust(11) if arrival.outcome == "came" else " " * 11,
            arrival.vehicle.ljust(8),
            said_line(arrival),
        ]
    )


def run(args: argparse.Namespace) -> int:
    now = utc_now()
    since = now - args.since
    with topic_reader(args) as reader:
        records = (decode_record(record) for record in reader.records(since=since - LOOKBACK))
        arrivals = infer(records, since=since)
    lines = [line.lower() for line in args.lines or ()]
    chosen = [a for a in arrivals if _wanted(a, args.stops, lines)]
    for arrival in chosen:
        out(_json(arrival) if args.json else text_line(arrival))
    came = [a for a in chosen if a.came_at is not None]
    longest = max(came, key=lambda a: a.gap or timedelta(0), default=None)
    log.info(
        "last %s at %s: %d came, %d vanished, %d still expected%s",
        format_duration(args.since),
        ", ".join(sorted({a.stop for a in chosen})) or ", ".join(args.stops),
        len(came),
        len([a for a in chosen if a.outcome == "vanished"]),
        len([a for a in chosen if a.outcome == "expected"]),
        f"; longest wait {_minutes(longest.gap)} (line {longest.line} before "
        f"{_clock(longest.came_at)[:5]})"
        if longest is not None and longest.gap is not None
        else "",
    )
    if not chosen:
        log.info("no bus of that stop%s on the topic then", " and line" if lines else "")
    return ExitCode.OK
