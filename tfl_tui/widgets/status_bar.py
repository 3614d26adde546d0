"""The status lines: broker and topic, producer, consumer, replay progress, polls per stop."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from tfl_tui.core.status import Status
from tfl_tui.core.text import safe_text


def render_status(status: Status, now: datetime) -> Text:
    """One line per part; each is made safe on its own (stop names and errors come from TfL
    and the broker), and only the line breaks between them are ours."""
    lines: list[tuple[str, str]] = []
    connection = status.connection
    style = "bold red" if connection.startswith("disconnected") else "green"
    first = [(f"{status.broker} · topic {status.topic} · ", ""), (connection, style)]
    replay = status.replay_line()
    if replay:
        lines.append((replay, "bold yellow"))
    elif status.replay_generation and status.replay_done:
        first.append((" · caught up", "green"))
    lines.append((status.producer_line(), ""))
    lines.append((status.consumer_line(), ""))
    for outcome in status.polls.values():
        lines.append((status.poll_line(outcome, now), "red" if outcome.error else "dim"))
    if status.last_notice:
        lines.append((status.last_notice, "yellow"))
    if status.last_failure:
        lines.append((status.last_failure, "red"))
    text = Text()
    for part, part_style in first:
        text.append(safe_text(part), style=part_style)
    for line, line_style in lines:
        text.append("\n" + safe_text(line), style=line_style)
    return text


class StatusBar(Static):
    def show(self, status: Status, now: datetime) -> None:
        self.update(render_status(status, now))
