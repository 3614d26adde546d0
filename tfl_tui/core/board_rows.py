"""A row of the arrivals board, how its parts read, and the filter that picks rows.

Pure module: the board (`core/board.py`) makes rows; the widget and the headless commands show
them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the board: the next buses of one line to one destination at one stop."""

    key: tuple[str, str, str]  # (stop id, line, destination): stable across updates
    line: str
    destination: str
    stop: str
    etas: tuple[int, ...]  # seconds until each of the next buses, soonest first
    updated: datetime  # newest poll behind the row
    stale: bool
    entry_ids: tuple[str, ...]


def format_eta(seconds: int) -> str:
    """`Due` under a minute, then whole minutes: `1 min`, `12 min`."""
    return "Due" if seconds < 60 else f"{seconds // 60} min"


def format_etas(etas: Iterable[int]) -> str:
    return " · ".join(format_eta(s) for s in etas)


def format_age(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s ago"
    if seconds < 3600:
        return f"{seconds // 60}m ago"
    return f"{seconds // 3600}h ago"


def format_updated(row: Row, now: datetime) -> str:
    """The Updated column: how old the newest poll behind the row is, and whether it is stale."""
    age = format_age((now - row.updated).total_seconds())
    return f"stale · {age}" if row.stale else age


_WITHIN = re.compile(r"^<\s*(\d+(?:\.\d+)?)$")


@dataclass(frozen=True, slots=True)
class BoardFilter:
    """What `/` understands: words, `line:ID`, `<N` (buses due within N minutes).

    A word matches a row when it is part of its destination or its stop's name, or is its line
    (`55`, `n38`: the whole line, so `n38` does not find the N381). `<N` keeps only the buses
    due within N minutes, and the rows that have one. `victoria <10` is the tutorial's ksqlDB
    example: buses to Victoria within 10 minutes.
    """

    words: tuple[str, ...] = ()
    lines: tuple[str, ...] = ()
    within_minutes: float | None = None

    @classmethod
    def parse(cls, text: str) -> BoardFilter:
        words: list[str] = []
        lines: list[str] = []
        within: float | None = None
        # "< 10" is read as "<10": people type a space after the sign.
        for part in re.sub(r"<\s+(?=\d)", "<", text.lower()).split():
            if part.startswith("line:"):
                if part[5:]:
                    lines.append(part[5:])
                continue
            match = _WITHIN.match(part)
            if match:
                within = float(match.group(1))
            elif part != "<":  # a lone "<" while typing "<10" matches everything
                words.append(part)
        return cls(tuple(words), tuple(lines), within)

    @property
    def active(self) -> bool:
        return bool(self.words or self.lines or self.within_minutes is not None)

    def describe(self) -> str:
        parts = [*self.words, *(f"line:{line}" for line in self.lines)]
        if self.within_minutes is not None:
            minutes = self.within_minutes
            parts.append(f"<{int(minutes) if minutes.is_integer() else minutes}")
        return " ".join(parts)

    def matches_names(self, line: str, destination: str, stop: str) -> bool:
        """The words and `line:` part: whatever the countdowns."""
        if self.words:
            destination, stop, line = destination.lower(), stop.lower(), line.lower()
            if any(
                word not in destination and word not in stop and word != line for word in self.words
            ):
                return False
        return not self.lines or line.lower() in self.lines

    @property
    def within_seconds(self) -> float | None:
        return None if self.within_minutes is None else self.within_minutes * 60

    def matches(self, row: Row) -> bool:
        if not self.matches_names(row.line, row.destination, row.stop):
            return False
        return self.within_minutes is None or (
            bool(row.etas) and row.etas[0] <= self.within_minutes * 60
        )


def _line_order(line: str) -> tuple[int, str]:
    """Natural order of line names: 26 < 77 < 139 < N381."""
    # isdecimal, not isdigit: "²" is a digit that int() refuses (a line name from the topic).
    digits = "".join(ch for ch in line if ch.isdecimal())
    return (int(digits) if digits else 10**6, line)
