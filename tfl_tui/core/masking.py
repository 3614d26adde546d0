"""Keep secrets off screens and out of logs.

Kafka credentials live in client.properties and the TfL app key rides in request URLs, where
exception messages from HTTP libraries happily repeat it. Everything tfl-tui shows or logs about
configuration or requests goes through `mask_config`, `mask_url` or a `Redactor`.

Pure module: stdlib only.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from collections.abc import Mapping
from urllib.parse import quote, quote_plus, unquote_plus

MASK = "******"

# Shorter "secrets" would redact ordinary words and numbers all over the text.
MIN_SECRET_LEN = 4

# librdkafka (and Schema Registry) settings that hold credentials without saying so in the name.
_SECRET_KEYS = frozenset(
    {
        "sasl.password",
        "ssl.key.password",
        "ssl.keystore.password",
        "ssl.key.pem",
        "ssl_key",
        "sasl.oauthbearer.client.secret",
        "sasl.oauthbearer.config",
        "sasl.jaas.config",
        "basic.auth.user.info",  # Schema Registry "API_KEY:API_SECRET"
    }
)
# Key names containing any of these hold secrets. A bare "key" is not among them:
# `ssl.key.location` is only a path.
_SECRET_KEY_PARTS = (
    "password",
    "passwd",
    "secret",
    "token",
    "credential",
    "api.key",
    "api_key",
    "apikey",
    "app.key",
    "app_key",
    "appkey",
    "private.key",
    "private_key",
    "jaas",
)
# URL query parameters that carry credentials besides those is_secret_key recognises.
# TfL's app_id is not strictly secret but identifies the account, so it goes too.
_SECRET_PARAMS = frozenset({"key", "app_id", "appid", "pass", "pwd", "auth", "sig", "signature"})

# Every output line is redacted, however long, so each pattern must run in linear time: no two
# match attempts may rescan the same long run of characters.

# `name=value` in a query string, anchored on `?` or `&` so that it also matches bare paths in
# messages such as requests' "Max retries exceeded with url: /StopPoint/x?app_key=...".
# The name cannot contain '=', so taking it possessively (`++`) loses nothing and never backtracks.
_QUERY_PARAM = re.compile(r"(?P<lead>[?&](?P<name>[^=&#?\s'\"<>]++)=)(?P<value>[^&#\s'\"<>]*)")
# scheme://user:password@ — the password ends at the last '@' before the path.
# Tried at every letter, the scheme would rescan a long run of scheme characters (a word, a hex
# or base64 value) from each of its letters: quadratic. So a match starts only where such a run
# starts (the lookbehind) and takes it possessively; the scheme still begins at the run's first
# letter, and digits or "+.-" before that letter stay in `lead`, unmasked. The user part cannot
# contain ':', nor the user and password parts '/', so attempts never share characters.
_USERINFO = re.compile(
    r"(?P<lead>(?<![A-Za-z0-9+.-])[0-9+.-]*+[A-Za-z][A-Za-z0-9+.-]*+://[^/?#@\s:'\"<>]*+:)"
    r"(?P<password>[^/?#\s'\"<>]*)(?=@)"
)
# Credentials inside a JAAS line (password="...") or sasl.oauthbearer.config (clientSecret=...).
_JAAS_SECRET = re.compile(r"""(?i)(?:password|secret)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s;]+))""")


def is_secret_key(key: str) -> bool:
    """True when a configuration key (librdkafka style, any case) holds a secret value."""
    name = key.strip().lower()
    return name in _SECRET_KEYS or any(part in name for part in _SECRET_KEY_PARTS)


def mask_config(conf: Mapping[str, object]) -> dict[str, object]:
    """A copy of `conf` with secret values replaced by MASK.

    Empty or missing (None) secrets stay as they are: "the password is empty" is useful to see
    and gives nothing away.
    """
    return {
        key: MASK if is_secret_key(key) and value not in (None, "") else value
        for key, value in conf.items()
    }


def mask_url(url: str) -> str:
    """Mask the userinfo password and secret query values of a URL; the rest is unchanged."""
    head, hash_mark, fragment = url.partition("#")
    base, question, query = head.partition("?")
    base = _USERINFO.sub(_mask_password, base)
    if question:
        # Prefix with '?' so the first parameter matches like the others.
        query = _QUERY_PARAM.sub(_mask_param, "?" + query)[1:]
    return base + question + query + hash_mark + fragment


class Redactor:
    """Replaces known secret strings, and credentials in URLs, with MASK in any text."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        # Logging calls redact() from any thread while the app may still be adding secrets.
        self._lock = threading.Lock()

    def add(self, value: str) -> None:
        """Redact `value` (and its URL-encoded forms) from now on; very short values are ignored."""
        if len(value) < MIN_SECRET_LEN:
            return
        with self._lock:
            self._secrets.add(value)
            # A value that is not valid Unicode (lone surrogates) has no URL-encoded form.
            with contextlib.suppress(UnicodeEncodeError):
                self._secrets.update({quote(value, safe=""), quote_plus(value, safe="")})
            self._pattern = None

    def add_config(self, conf: Mapping[str, object]) -> None:
        """Add the values of every secret key, and the credentials embedded in them."""
        for key, value in conf.items():
            if not is_secret_key(key) or not isinstance(value, str):
                continue
            self.add(value)
            for match in _JAAS_SECRET.finditer(value):
                self.add(next(group for group in match.groups() if group is not None))
            if key.strip().lower() == "basic.auth.user.info":
                self.add(value.partition(":")[2])

    def redact(self, text: str) -> str:
        """`text` with every known secret (longest first) and every URL credential masked."""
        pattern = self._compiled()
        if pattern is not None:
            text = pattern.sub(MASK, text)
        text = _USERINFO.sub(_mask_password, text)
        return _QUERY_PARAM.sub(_mask_param, text)

    def _compiled(self) -> re.Pattern[str] | None:
        with self._lock:
            if self._pattern is None and self._secrets:
                # Longest first, so a secret containing another is masked whole.
                ordered = sorted(self._secrets, key=len, reverse=True)
                self._pattern = re.compile("|".join(map(re.escape, ordered)))
            return self._pattern


class RedactingFilter(logging.Filter):
    """Redacts log records before any handler formats them.

    Attach it to the handlers (a filter on a logger does not see records propagated from its
    children). The message is formatted here and the arguments dropped, and the exception is
    rendered to redacted text with `exc_info` cleared, so that no handler can render the raw
    exception (e.g. a traceback showing local variables) and leak a secret.
    """

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not bypass redaction
            message = f"{record.msg} % {record.args!r}"
        record.msg = self.redactor.redact(message)
        record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.exc_info = None
        if record.exc_text:
            record.exc_text = self.redactor.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redactor.redact(record.stack_info)
        return True


def _mask_password(match: re.Match[str]) -> str:
    return match["lead"] + MASK if match["password"] else match[0]


def _mask_param(match: re.Match[str]) -> str:
    if not match["value"] or not _is_secret_param(match["name"]):
        return match[0]
    return match["lead"] + MASK


def _is_secret_param(name: str) -> bool:
    normalized = unquote_plus(name).strip().lower()
    return (
        normalized in _SECRET_PARAMS
        or normalized.endswith(("_key", "-key", ".key"))
        or is_secret_key(normalized)
    )
