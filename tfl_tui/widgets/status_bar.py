"""The status lines: broker and topic, producer, consumer, replay progress, polls per stop."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from tfl_tui.status import Status


def render_status(status: Status, now: datetime) -> Text:
    text = Text()
    connection = status.connection
    style = "bold red" if connection.startswith("disconnected") else "green"
    text.append(f"{status.broker} · topic {status.topic} · ")
    text.append(connection, style=style)
    replay = status.replay_line()
    if replay:
        text.append("\n" + replay, style="bold yellow")
    elif status.replay_generation and status.replay_done:
        text.append(" · caught up", style="green")
    text.append("\n" + status.producer_line())
    text.append("\n" + status.consumer_line())
    for outcome in status.polls.values():
        text.append("\n" + status.poll_line(outcome, now), style="red" if outcome.error else "dim")
    if status.last_failure:
        text.append("\n" + status.last_failure, style="red")
    return text


class StatusBar(Static):
    def show(self, status: Status, now: datetime) -> None:
        self.update(render_status(status, now))
