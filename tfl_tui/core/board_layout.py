"""How the board's columns share the terminal's width. Pure: widths in, widths out.

The countdowns are what people came for: they never shrink, and at least the next two show
whenever the terminal allows. Names shrink (with an ellipsis) before that, and grow back to
their whole length when there is room; the stop column appears only when more than one stop is
watched, and "Updated" only when everything else fits.
"""

from __future__ import annotations

from dataclasses import dataclass

CELL_PADDING = 1  # a table cell's padding on each side
ETA_WIDTH = 6  # "12 min"; "Due" and "1 min" are shorter
ETA_SEPARATOR = 3  # " · "
MAX_ETAS = 3
NAME_SHARE = 16  # what a name gets before the third countdown does
MIN_NAME = 6  # a destination shorter than this says nothing


@dataclass(frozen=True, slots=True)
class Content:
    """The widest text of each column, over the rows on the board."""

    line: int
    destination: int
    stop: int
    updated: int
    stops: int  # how many stops the rows are of


@dataclass(frozen=True, slots=True)
class Layout:
    line: int
    etas: int  # how many arrivals each row lists
    destination: int
    stop: int  # 0: no stop column
    updated: int  # 0: no updated column

    @property
    def next_width(self) -> int:
        return etas_width(self.etas)


def etas_width(count: int) -> int:
    return count * ETA_WIDTH + (count - 1) * ETA_SEPARATOR


def _cells(*widths: int) -> int:
    """Width of the cells of these columns, padding included (a 0 is no column)."""
    return sum(width + 2 * CELL_PADDING for width in widths if width)


def board_layout(width: int, content: Content) -> Layout:
    """Column widths for a table `width` cells wide showing rows of `content`."""
    line = max(content.line, len("Line"))
    with_stop = content.stops > 1
    etas = 1
    destination = min(content.destination, MIN_NAME)
    stop = min(content.stop, MIN_NAME) if with_stop else 0

    def room() -> int:
        return width - _cells(line, etas_width(etas), destination, stop)

    # Wishes in order of importance; each takes what it can of what is left.
    if room() >= ETA_WIDTH + ETA_SEPARATOR:
        etas = 2
    destination += max(0, min(min(content.destination, NAME_SHARE) - destination, room()))
    if with_stop:
        stop += max(0, min(min(content.stop, NAME_SHARE) - stop, room()))
    if room() >= ETA_WIDTH + ETA_SEPARATOR and etas == 2:
        etas = MAX_ETAS
    destination += max(0, min(content.destination - destination, room()))
    if with_stop:
        stop += max(0, min(content.stop - stop, room()))
    updated = content.updated if room() >= _cells(content.updated) else 0
    return Layout(line=line, etas=etas, destination=destination, stop=stop, updated=updated)
