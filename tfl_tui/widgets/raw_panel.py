"""Recent raw records (partition, offset, key, time, compact JSON) and the selected one in full."""

from __future__ import annotations

import json
from collections import deque

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Static

from tfl_tui.core.defaults import DEFAULT_RAW_LIMIT
from tfl_tui.core.records import Decoded, london_time
from tfl_tui.core.text import clip, safe_text
from tfl_tui.widgets.cells import Cell

VALUE_PREVIEW = 160
COLUMNS = (("P", 2), ("Offset", 9), ("Key", 8), ("Time", 16), ("Value", VALUE_PREVIEW))


def _shown(text: str, limit: int) -> str:
    # Escapes take more room than the characters they stand for: cut after making it safe.
    return safe_text(text[: limit * 2])[:limit]


def render_record(decoded: Decoded) -> RenderableType:
    """A record in full: pretty, highlighted JSON, or the flagged raw text and the reason."""
    record = decoded.record
    key = clip(safe_text(str(record.key_text)), 200)
    where = Text(
        f"partition {record.partition} · offset {record.offset} · key {key} · "
        f"{london_time(record.timestamp_ms, with_date=True) or 'no timestamp'}",
        style="bold",
    )
    if decoded.problem:
        problem = Text(safe_text(f"INVALID: {decoded.problem}"), style="bold red")
        if decoded.is_json:
            body: RenderableType = json_view(json.dumps(decoded.value, indent=2)[:20000])
        else:
            body = Text(clip(safe_text(decoded.text, multiline=True), 4000))
        return Group(where, problem, body)
    return Group(where, json_view(json.dumps(decoded.value, indent=2, ensure_ascii=False)))


def json_view(pretty: str) -> Syntax:
    """Pretty JSON, highlighted, with nothing a terminal could act on."""
    return Syntax(safe_text(pretty, multiline=True), "json", word_wrap=True, theme="ansi_dark")


def preview(decoded: Decoded) -> str:
    """Compact JSON for the table; TfL's `$type` (the same on every record) is left out so the
    fields that differ come first. The detail pane shows the record exactly as it is."""
    value = decoded.value
    if decoded.is_json and isinstance(value, dict) and "$type" in value:
        shown = {k: v for k, v in value.items() if k != "$type"}
        return json.dumps(shown, ensure_ascii=False, separators=(",", ":"))[: VALUE_PREVIEW * 2]
    return decoded.text.replace("\n", " ")


def record_cells(decoded: Decoded) -> tuple[Text, ...]:
    record = decoded.record
    stamp = london_time(record.timestamp_ms)
    value = Text(_shown(preview(decoded), VALUE_PREVIEW))
    if decoded.problem:
        value = Text.assemble(
            ("INVALID ", "bold red"), (f"({safe_text(decoded.problem)}) ", "red"), value
        )
    return (
        Text(str(record.partition)),
        Text(str(record.offset)),
        Text(_shown(record.key_text or "null", 24)),
        Text(stamp or "", style="dim"),
        value,
    )


def _key(decoded: Decoded) -> str:
    return f"{decoded.record.partition}:{decoded.record.offset}"


class RawPanel(Horizontal):
    """Keeps the newest `limit` records; follows the newest unless the user is reading.

    `add` only queues records (it runs for every batch, thousands of records a second during a
    replay); `sync` puts them in the table, as often as the app redraws.
    """

    def __init__(self, limit: int = DEFAULT_RAW_LIMIT, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.limit = limit
        self._records: deque[Decoded] = deque()
        self._pending: deque[Decoded] = deque(maxlen=limit)
        self._by_key: dict[str, Decoded] = {}
        self.flagged = 0

    def compose(self) -> ComposeResult:
        table: DataTable[Cell] = DataTable(id="raw-table", cursor_type="row")
        for label, width in COLUMNS:
            table.add_column(label, width=width)
        yield table
        with VerticalScroll(id="raw-detail-scroll"):
            yield Static("Select a record to see it in full.", id="raw-detail")

    @property
    def table(self) -> DataTable[Cell]:
        return self.query_one("#raw-table", DataTable)

    def clear(self) -> None:
        self._records.clear()
        self._pending.clear()
        self._by_key.clear()
        self.flagged = 0
        self.table.clear()

    def add(self, batch: list[Decoded]) -> None:
        """Queue a batch for the next `sync`; only its newest `limit` records can be shown."""
        self.flagged += sum(not d.ok for d in batch)
        self._pending.extend(batch[-self.limit :])

    def sync(self) -> None:
        """Show what `add` queued: append the new rows, drop the oldest beyond `limit`."""
        if not self._pending:
            return
        fresh = [d for d in self._pending if _key(d) not in self._by_key]
        self._pending.clear()
        table = self.table
        if len(fresh) + len(self._records) > self.limit * 3 // 2:
            # Mostly new rows (a replay): starting over is cheaper than trimming row by row.
            keep = max(0, self.limit - len(fresh))
            old = list(self._records)[len(self._records) - keep :] if keep else []
            table.clear()
            self._records.clear()
            self._by_key.clear()
            fresh = old + fresh
        for decoded in fresh:
            key = _key(decoded)
            if key in self._by_key:
                continue  # the same record again (a replay overlapping the panel)
            self._records.append(decoded)
            self._by_key[key] = decoded
            table.add_row(*map(Cell, record_cells(decoded)), key=key)
        while len(self._records) > self.limit:
            old_record = self._records.popleft()
            key = _key(old_record)
            self._by_key.pop(key, None)
            table.remove_row(key)
        if not table.has_focus and table.row_count:
            table.move_cursor(row=table.row_count - 1, animate=False)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id != "raw-table" or event.row_key.value is None:
            return
        decoded = self._by_key.get(event.row_key.value)
        if decoded is not None:
            self.query_one("#raw-detail", Static).update(render_record(decoded))
