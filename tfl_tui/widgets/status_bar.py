"""The status lines: two in plain words by default (the stops, then Kafka), the whole detail
(broker, partitions, offsets, rates, every stop's last poll) on `s`."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from tfl_tui.core.status import Status
from tfl_tui.core.text import safe_text

Lines = list[list[tuple[str, str]]]  # each line: (text, style) parts


def _summary(status: Status, now: datetime, stops: int) -> Lines:
    failing = any(outcome.error for outcome in status.polls.values())
    down = status.kafka_problem is not None
    return [
        [(status.people_line(now, stops), "red" if failing else "")],
        [(status.pipeline_line(), "bold red" if down else "green")],
    ]


def _detail(status: Status, now: datetime) -> Lines:
    connection = status.connection
    style = "bold red" if connection.startswith("disconnected") else "green"
    first = [(f"{status.broker} · topic {status.topic} · ", ""), (connection, style)]
    lines: Lines = [first]
    replay = status.replay_line()
    if replay:
        lines.append([(replay, "bold yellow")])
    elif status.replay_generation and status.replay_done:
        first.append((" · caught up", "green"))
    lines.append([(status.producer_line(), "")])
    lines.append([(status.consumer_line(), "")])
    for outcome in status.polls.values():
        lines.append([(status.poll_line(outcome, now), "red" if outcome.error else "dim")])
    return lines


def render_status(status: Status, now: datetime, *, stops: int, detail: bool = False) -> Text:
    """Each part is made safe on its own (stop names and errors come from TfL and the broker);
    only the line breaks between them are ours."""
    lines = _detail(status, now) if detail else _summary(status, now, stops)
    if status.last_notice:
        lines.append([(status.last_notice, "yellow")])
    if status.last_failure:
        lines.append([(status.last_failure, "red")])
    text = Text()
    for number, line in enumerate(lines):
        if number:
            text.append("\n")
        for part, style in line:
            text.append(safe_text(part), style=style)
    if not detail:  # one line each, cut short on a narrow terminal: `s` shows them whole
        text.no_wrap = True
        text.overflow = "ellipsis"
    return text


class StatusBar(Static):
    """The status lines; the app holds them in a scrolling box, so that the detail (every
    stop's poll, however many) scrolls with the keys."""

    detail = False

    def show(self, status: Status, now: datetime, *, stops: int) -> None:
        self.update(render_status(status, now, stops=stops, detail=self.detail))
