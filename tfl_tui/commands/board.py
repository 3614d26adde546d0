"""`tfl-tui board [--at TIME]`: the board as it stood at TIME, read from the topic, printed.

The same fold as the dashboard (core/board_at.py), so the two agree on any moment.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timedelta

from tfl_tui.commands.topic_reading import topic_reader
from tfl_tui.console import log, out
from tfl_tui.core.board import Board
from tfl_tui.core.board_at import LOOKBACK, fold_records_until
from tfl_tui.core.board_rows import Row, format_etas
from tfl_tui.core.errors import ExitCode, TflTuiError
from tfl_tui.core.polling import utc_now
from tfl_tui.core.stops import names_stop
from tfl_tui.core.text import counted
from tfl_tui.core.timespec import BadTime, describe_moment, parse_moment


class UsageError(TflTuiError):
    exit_code = ExitCode.USAGE


def _json(row: Row, at: datetime) -> str:
    arrivals = [(at + timedelta(seconds=eta)).isoformat(timespec="seconds") for eta in row.etas]
    return json.dumps(
        {
            "at": at.isoformat(timespec="seconds"),
            "line": row.line,
            "destination": row.destination,
            "stop_id": row.key[0],
            "stop": row.stop,
            "etas_s": list(row.etas),
            "arrivals": arrivals,
            "updated": row.updated.isoformat(timespec="seconds"),
            "stale": row.stale,
        },
        ensure_ascii=False,
    )


def _table(rows: list[Row]) -> list[str]:
    if not rows:
        return []
    several = len({row.key[0] for row in rows}) > 1
    cells = [
        (row.line, format_etas(row.etas), row.destination, row.stop if several else "")
        for row in rows
    ]
    widths = [max(len(cell[i]) for cell in cells) for i in range(4)]
    return [
        "  ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)).rstrip() for cell in cells
    ]


def run(args: argparse.Namespace) -> int:
    now = utc_now()
    try:
        at = parse_moment(args.at, now)
    except BadTime as error:
        raise UsageError(f"--at: {error}") from None
    if at > now + timedelta(seconds=1):
        raise UsageError(
            f"--at {args.at}: that is {describe_moment(at, now).split(' · ')[1]}",
            hint="the topic tells what was; for now, leave --at out",
        )
    with topic_reader(args) as reader:
        stale_after = timedelta(seconds=2 * args.interval)
        folded = fold_records_until(reader.records(at - LOOKBACK), at, Board(stale_after))
    rows = folded.board.rows(at)
    if args.stops:
        rows = [
            row for row in rows if any(names_stop(s, [row.key[0]], row.stop) for s in args.stops)
        ]
    if args.json:
        for row in rows:
            out(_json(row, at))
    else:
        for line in _table(rows):
            out(line)
    how = (
        f"sought by time: read from {describe_moment(at - LOOKBACK, now).split(' · ')[0]}"
        if reader.by_time
        else "read from the beginning (this broker cannot seek by time)"
    )
    log.info(
        "board at %s: %s, from %s of %s records read (%s polled later, %s replaced by newer "
        "polls, not decoded); %s",
        describe_moment(at, now),
        counted(len(rows), "row"),
        f"{folded.applied:,}",
        f"{reader.read:,}",
        f"{folded.later:,}",
        f"{folded.replaced:,}",
        how,
    )
    if not rows and not folded.applied and folded.later:
        log.info("nothing had been polled by then: the topic starts later")
    elif not rows:
        log.info("no buses were due then%s", " at those stops" if args.stops else "")
    return ExitCode.OK
