"""The board's columns at any width: countdowns first, names shrink before them and grow back
to their whole length when there is room."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tfl_tui.core.board_layout import (
    CELL_PADDING,
    Content,
    Layout,
    board_layout,
    etas_width,
)

# Real names: "Elephant & Castle / Victoria Street (RB)" is 40 characters.
ONE_STOP = Content(line=4, destination=31, stop=32, updated=15, stops=1)
TWO_STOPS = Content(line=4, destination=31, stop=40, updated=15, stops=2)


def used(layout: Layout) -> int:
    widths = (layout.line, layout.next_width, layout.destination, layout.stop, layout.updated)
    return sum(w + 2 * CELL_PADDING for w in widths if w)


def test_80_columns_show_line_destination_and_two_arrivals_at_least() -> None:
    for content in (ONE_STOP, TWO_STOPS):
        layout = board_layout(76, content)  # an 80-column terminal, less border and scrollbar
        assert layout.etas >= 2
        assert layout.destination >= 12
        assert used(layout) <= 76


def test_60_columns_show_a_shortened_destination_and_the_next_arrival() -> None:
    layout = board_layout(56, TWO_STOPS)
    assert layout.etas >= 1 and layout.destination >= 6
    assert used(layout) <= 56


def test_wide_terminals_show_whole_names_and_everything() -> None:
    layout = board_layout(196, TWO_STOPS)
    assert layout == Layout(line=4, etas=3, destination=31, stop=40, updated=15)


def test_one_stop_has_no_stop_column() -> None:
    assert board_layout(196, ONE_STOP).stop == 0


def test_names_shrink_before_the_third_countdown_goes() -> None:
    layout = board_layout(60, ONE_STOP)
    assert layout.etas == 3 and layout.destination < ONE_STOP.destination


@given(
    st.integers(min_value=0, max_value=400),
    st.builds(
        Content,
        line=st.integers(1, 8),
        destination=st.integers(0, 80),
        stop=st.integers(0, 80),
        updated=st.integers(5, 16),
        stops=st.integers(1, 5),
    ),
)
def test_a_layout_fits_whenever_the_minimum_does(width: int, content: Content) -> None:
    layout = board_layout(width, content)
    minimum = Layout(
        line=max(content.line, 4),
        etas=1,
        destination=min(content.destination, 6),
        stop=min(content.stop, 6) if content.stops > 1 else 0,
        updated=0,
    )
    if used(minimum) <= width:
        assert used(layout) <= width
    assert layout.destination <= max(content.destination, 0)
    assert layout.etas >= 1 and etas_width(layout.etas) == layout.next_width
    assert (layout.stop > 0) == (content.stops > 1 and content.stop > 0)
