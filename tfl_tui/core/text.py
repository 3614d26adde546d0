"""The one place where text from outside is made safe to show.

TfL answers, record keys, values and headers, and broker error texts are hostile: a destination
name may carry `ESC ] 0 ; … BEL` (sets the terminal's title), `ESC [ 2 J` (clears the screen) or
colours. Everything that reaches a screen, stdout or stderr passes through `safe_text`, which
shows control characters (and anything else that is not printable) as visible escapes
(`\\x1b`) instead of letting the terminal act on them. Rich markup is a separate matter for
the UI: it shows text as `rich.text.Text`, which never parses markup.

Pure module: stdlib only.
"""

from __future__ import annotations

from collections.abc import Callable

_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _visible(char: str) -> str:
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _json_escape(char: str) -> str:
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # beyond the BMP, JSON spells a character as a surrogate pair
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def _escape_line(text: str, escape: Callable[[str], str]) -> str:
    if text.isprintable():  # the usual case, decided in C
        return text
    return "".join(char if char.isprintable() else escape(char) for char in text)


def safe_text(text: str, *, multiline: bool = False) -> str:
    """`text` with every character that is not printable shown as a visible escape.

    Not printable (Python's `str.isprintable`): C0 and C1 controls, DEL, line and paragraph
    separators, format characters such as the bidirectional overrides (text shown in another
    order than it is read), lone surrogates, unassigned code points and spaces other than
    " ". `multiline` keeps line feeds (pretty-printed JSON, tracebacks); CR is escaped either
    way. Text with nothing to escape comes back as it is.
    """
    if multiline:
        return "\n".join(_escape_line(line, _visible) for line in text.split("\n"))
    return _escape_line(text, _visible)


def safe_json(encoded: str) -> str:
    """JSON text (from `json.dumps(..., ensure_ascii=False)`) that stays valid JSON and safe.

    The encoder escapes C0 controls itself but passes DEL, C1, separators, format characters
    and lone surrogates through; here they become `\\uXXXX` escapes, which decode to the same
    string. Outside strings JSON holds only printable ASCII and plain white space, so escaping
    changes no structure.
    """
    return _escape_line(encoded, _json_escape)


def counted(count: int, noun: str) -> str:
    """`1 record`, `2 records`: the number and its noun, in agreement."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit} more characters)"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)].rstrip() + "…"


def fit_keeping_tail(text: str, width: int) -> str:
    """A stop's label (`Waterloo Station / York Road (W) → Vauxhall`) cut to `width`, keeping
    what tells two stops of one place apart: the letter in brackets whole, then as much of
    where its buses go as fits. The place before a ` / ` goes first (`York Road (W) → …`),
    then the rest of the name is cut with an ellipsis."""
    if len(text) <= width:
        return text
    main, arrow, towards = text.partition(" → ")
    head, bracket, tail = main.rpartition(" (")
    if not head or not tail.endswith(")"):
        head, kept = main, ""
    else:
        kept = f"{bracket}{tail}"
    if " / " in head:
        head = head.rpartition(" / ")[2]  # cut short, the street tells more than the place
    room = width - min(len(head), 6) - len(kept)
    going = _cut(arrow + towards, room) if arrow and room >= len(arrow) + 4 else ""
    name_room = width - len(kept) - len(going)
    if name_room < 2:
        return _cut(text, width)
    return _cut(head, name_room) + kept + going
