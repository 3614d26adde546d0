"""Times and durations as people type them: `3h`, `1h30m`, `-15m`, `08:15`, ISO 8601.

Pure module. Clock times without a date are London's, today (TfL's and its users' time zone);
an ISO time without an offset is London's too.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
_PART = re.compile(r"(\d+(?:\.\d+)?)([dhms])")
_UNITS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")


class BadTime(ValueError):
    """Text that is no time or duration; the message says what would be."""


def parse_duration(text: str) -> timedelta:
    """`3h`, `90m`, `1h30m`, `45s`, `2d`: a positive span of time."""
    compact = "".join(text.lower().split())
    parts = _PART.findall(compact)
    if not parts or "".join(f"{n}{u}" for n, u in parts) != compact:
        raise BadTime(f"{text!r} is not a duration: use e.g. 3h, 90m, 1h30m or 45s")
    seconds = sum(float(number) * _UNITS[unit] for number, unit in parts)
    if seconds <= 0:
        raise BadTime(f"{text!r} must be longer than nothing")
    return timedelta(seconds=seconds)


def format_duration(span: timedelta) -> str:
    """`3h`, `1h30m`, `45s`: as parse_duration reads it."""
    seconds = int(span.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0s"


def parse_moment(text: str, now: datetime) -> datetime:
    """A moment, in UTC: `now`, relative (`-15m`, `-2h`), a London clock time today (`08:15`,
    `08:15:30`) or ISO 8601 (`2026-12-01T08:15`, with or without an offset)."""
    spec = text.strip()
    if spec.lower() == "now":
        return now
    if spec.startswith("-"):
        return now - parse_duration(spec[1:])
    clock = _CLOCK.fullmatch(spec)
    if clock:
        hour, minute, second = (int(g) if g else 0 for g in clock.groups())
        if hour > 23 or minute > 59 or second > 59:
            raise BadTime(f"{text!r} is not a time of day")
        today = now.astimezone(LONDON).date()
        return datetime.combine(today, time(hour, minute, second), LONDON).astimezone(UTC)
    try:
        moment = datetime.fromisoformat(spec)
    except ValueError:
        raise BadTime(
            f"{text!r} is not a time: use now, -15m, -2h, 08:15 (London, today) or "
            "2026-12-01T08:15 (ISO 8601)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LONDON)
    return moment.astimezone(UTC)


def describe_moment(moment: datetime, now: datetime) -> str:
    """`08:15:00 · 23 min ago` (London time; the date too when not today)."""
    local = moment.astimezone(LONDON)
    shown = local.strftime("%H:%M:%S")
    if local.date() != now.astimezone(LONDON).date():
        shown = local.strftime("%Y-%m-%d %H:%M:%S")
    seconds = int((now - moment).total_seconds())
    if abs(seconds) < 5:
        return f"{shown} · now"
    if abs(seconds) < 60:
        span = f"{abs(seconds)} s"
    else:
        minutes = abs(seconds) // 60
        span = f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"
    return f"{shown} · {span} ago" if seconds > 0 else f"{shown} · in {span}"
