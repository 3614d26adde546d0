from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tfl_tui.core.masking import (
    MASK,
    RedactingFilter,
    Redactor,
    is_secret_key,
    mask_config,
    mask_url,
)

SECRET = "s3cr3tPa55w0rd/+Qz"
APP_KEY = "0123456789abcdef0123456789abcdef"


# --- is_secret_key ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "sasl.password",
        "ssl.key.password",
        "ssl.keystore.password",
        "ssl.key.pem",
        "ssl_key",
        "sasl.oauthbearer.client.secret",
        "sasl.oauthbearer.config",
        "sasl.jaas.config",
        "basic.auth.user.info",
        "SASL.PASSWORD",
        " sasl.password ",
        "schema.registry.password",
        "my.token",
        "access_token",
        "confluent.api.key",
        "api_key",
        "tfl.app_key",
        "tfl.app.key",
        "apikey",
        "AppKey",
        "some.jaas.thing",
        "client_secret",
        "private_key",
    ],
)
def test_secret_keys(key: str) -> None:
    assert is_secret_key(key)


@pytest.mark.parametrize(
    "key",
    [
        "bootstrap.servers",
        "security.protocol",
        "sasl.mechanisms",
        "sasl.username",
        "ssl.keystore.location",
        "ssl.key.location",
        "ssl.ca.location",
        "ssl.certificate.pem",
        "ssl.ca.pem",
        "client.id",
        "session.timeout.ms",
        "key.serializer",
        "",
    ],
)
def test_non_secret_keys(key: str) -> None:
    assert not is_secret_key(key)


# --- mask_config -----------------------------------------------------------------------------


def test_mask_config_masks_only_secrets_and_copies() -> None:
    callback = print
    conf: dict[str, object] = {
        "bootstrap.servers": "pkc-x:9092",
        "sasl.username": "KEY",
        "sasl.password": SECRET,
        "sasl.jaas.config": f'x required password="{SECRET}";',
        "ssl.keystore.location": "/etc/keystore.p12",
        "session.timeout.ms": 45000,
        "error_cb": callback,
    }
    original = dict(conf)
    masked = mask_config(conf)
    assert masked == {
        "bootstrap.servers": "pkc-x:9092",
        "sasl.username": "KEY",
        "sasl.password": MASK,
        "sasl.jaas.config": MASK,
        "ssl.keystore.location": "/etc/keystore.p12",
        "session.timeout.ms": 45000,
        "error_cb": callback,
    }
    assert conf == original
    assert masked is not conf
    assert SECRET not in repr(masked)


def test_mask_config_keeps_empty_secrets_visible() -> None:
    assert mask_config({"sasl.password": "", "ssl.key.password": None}) == {
        "sasl.password": "",
        "ssl.key.password": None,
    }


def test_mask_config_masks_non_string_secrets() -> None:
    assert mask_config({"sasl.password": 1234}) == {"sasl.password": MASK}


# --- mask_url --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            f"https://api.tfl.gov.uk/StopPoint/490008660N/Arrivals?app_key={APP_KEY}",
            f"https://api.tfl.gov.uk/StopPoint/490008660N/Arrivals?app_key={MASK}",
        ),
        (
            f"https://api.tfl.gov.uk/Line/24/Arrivals?app_id=abc123&app_key={APP_KEY}&mode=bus",
            f"https://api.tfl.gov.uk/Line/24/Arrivals?app_id={MASK}&app_key={MASK}&mode=bus",
        ),
        (
            f"https://h/p?mode=bus&APP_KEY={APP_KEY}#frag",
            f"https://h/p?mode=bus&APP_KEY={MASK}#frag",
        ),
        (
            f"https://h/p?key={SECRET}&token=t0k3n&password=pw&client_secret=cs&x=1",
            f"https://h/p?key={MASK}&token={MASK}&password={MASK}&client_secret={MASK}&x=1",
        ),
        (
            "https://h/p?subscription-key=abcd&api%5Fkey=efgh",
            f"https://h/p?subscription-key={MASK}&api%5Fkey={MASK}",
        ),
        ("http://user:s3cr3t%2F+Qz@host:8080/p?q=1", f"http://user:{MASK}@host:8080/p?q=1"),
        ("http://user:p@ss@host/p", f"http://user:{MASK}@host/p"),
        ("http://user@host/p", "http://user@host/p"),
        ("http://host:8080/p?mode=bus&id=1", "http://host:8080/p?mode=bus&id=1"),
        ("https://h/p?app_key=&flag&key", "https://h/p?app_key=&flag&key"),
        ("https://h/p#app_key=visible-in-fragment", "https://h/p#app_key=visible-in-fragment"),
        ("", ""),
    ],
)
def test_mask_url(url: str, expected: str) -> None:
    assert mask_url(url) == expected


url_safe = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-._~%/", max_size=20)


@given(url_safe, url_safe, st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1))
def test_mask_url_never_keeps_the_app_key(path: str, other: str, key: str) -> None:
    url = f"https://api.tfl.gov.uk/{path}?mode={other}&app_key={key}&x=1"
    assert mask_url(url) == f"https://api.tfl.gov.uk/{path}?mode={other}&app_key={MASK}&x=1"


@given(url_safe)
def test_mask_url_leaves_urls_without_secrets_alone(path: str) -> None:
    url = f"https://api.tfl.gov.uk/{path}?mode=bus&lineIds=24"
    assert mask_url(url) == url


# --- Redactor --------------------------------------------------------------------------------


def test_redactor_replaces_every_occurrence() -> None:
    redactor = Redactor()
    redactor.add(SECRET)
    assert redactor.redact(f"a {SECRET} b {SECRET}") == f"a {MASK} b {MASK}"


def test_redactor_longest_secret_first() -> None:
    redactor = Redactor()
    redactor.add("abcd")
    redactor.add("abcdefgh")
    assert redactor.redact("xabcdefghx abcd") == f"x{MASK}x {MASK}"


def test_redactor_ignores_short_values() -> None:
    redactor = Redactor()
    for value in ["", "a", "ab", "abc"]:
        redactor.add(value)
    assert redactor.redact("a abc ab") == "a abc ab"


def test_redactor_also_masks_url_encoded_forms() -> None:
    redactor = Redactor()
    redactor.add("p@ss word/+")
    assert redactor.redact("p%40ss%20word%2F%2B and p%40ss+word%2F%2B") == f"{MASK} and {MASK}"


def test_redactor_add_config() -> None:
    redactor = Redactor()
    redactor.add_config(
        {
            "bootstrap.servers": "pkc-x.confluent.cloud:9092",
            "sasl.username": "ABCDEFGHIJKLMNOP",
            "sasl.password": SECRET,
            "sasl.jaas.config": 'PlainLoginModule required username="u1" password="jaaspass";',
            "sasl.oauthbearer.config": "clientId=me clientSecret=oauthsecret scope=x",
            "basic.auth.user.info": "SRKEY:srsecretvalue",
            "ssl.key.password": 1234,  # not a string: ignored, not an error
        }
    )
    text = (
        f"connect pkc-x.confluent.cloud:9092 as ABCDEFGHIJKLMNOP with {SECRET}, "
        "jaaspass, oauthsecret and srsecretvalue"
    )
    assert redactor.redact(text) == (
        f"connect pkc-x.confluent.cloud:9092 as ABCDEFGHIJKLMNOP with {MASK}, "
        f"{MASK}, {MASK} and {MASK}"
    )


def test_redactor_masks_urls_and_bare_paths_without_knowing_the_key() -> None:
    redactor = Redactor()
    text = (
        "HTTPSConnectionPool(host='api.tfl.gov.uk', port=443): Max retries exceeded with url: "
        f"/StopPoint/490008660N/Arrivals?app_key={APP_KEY} (Caused by timeout); "
        f"GET 'https://api.tfl.gov.uk/x?mode=bus&app_key={APP_KEY}' via http://u:pw12@proxy:3128"
    )
    redacted = redactor.redact(text)
    assert APP_KEY not in redacted
    assert "pw12" not in redacted
    assert redacted == (
        "HTTPSConnectionPool(host='api.tfl.gov.uk', port=443): Max retries exceeded with url: "
        f"/StopPoint/490008660N/Arrivals?app_key={MASK} (Caused by timeout); "
        f"GET 'https://api.tfl.gov.uk/x?mode=bus&app_key={MASK}' via http://u:{MASK}@proxy:3128"
    )


def test_redactor_leaves_plain_text_alone() -> None:
    redactor = Redactor()
    redactor.add(SECRET)
    text = "bus 24 to Pimlico in 3 min; key=value pairs are fine outside URLs"
    assert redactor.redact(text) == text


# Without '*' a secret cannot reappear by joining its neighbours to the mask.
no_star = st.characters(blacklist_characters="*")


@given(
    st.text(no_star, min_size=4, max_size=30),
    st.text(max_size=30),
    st.text(max_size=30),
)
def test_redactor_never_leaks_an_added_secret(secret: str, before: str, after: str) -> None:
    redactor = Redactor()
    redactor.add(secret)
    assert secret not in redactor.redact(before + secret + after)


# The scheme pattern starts at the beginning of a run of scheme characters; digits, '+', '.' or
# '-' leading that run must not stop it from masking the scheme that begins at the first letter.
scheme_chars = st.text(alphabet="aZ09+.-", max_size=20)


@given(scheme_chars)
def test_redactor_masks_userinfo_after_any_scheme_characters(prefix: str) -> None:
    text = f"via {prefix}http://u:pw12@proxy:3128 and {prefix}1x://u:pw12@h"
    assert Redactor().redact(text) == (
        f"via {prefix}http://u:{MASK}@proxy:3128 and {prefix}1x://u:{MASK}@h"
    )


# Every output line is redacted, and a record value can be megabytes long. These shapes made
# the URL patterns backtrack quadratically (100 KB of letters took 13 s; 1 MB never finished).
# "…" in a template stands for `unit` repeated to about LONG_RUN characters. There is no timing
# assertion: on quadratic code this test simply does not finish.
LONG_RUN = 4_000_000


@pytest.mark.parametrize(
    ("unit", "template", "expected"),
    [
        # Characters a scheme may contain: words, hex, base64.
        pytest.param("a", "…", "…", id="letters"),
        pytest.param("Ab1+Cd2.Ef3-", '{"value": "…"}', '{"value": "…"}', id="json-scheme-chars"),
        pytest.param("a", "…://u:pw12 no at", "…://u:pw12 no at", id="long-scheme-no-at"),
        pytest.param("a", "…://u:pw12@host/p", f"…://u:{MASK}@host/p", id="long-scheme"),
        pytest.param("u", "x://…", "x://…", id="long-user-no-colon"),
        pytest.param("u", "x://…:pw12@host", f"x://…:{MASK}@host", id="long-user"),
        pytest.param("p", "x://u:…", "x://u:…", id="long-password-no-at"),
        pytest.param("p", "x://u:…@host", f"x://u:{MASK}@host", id="long-password"),
        pytest.param(":@", "x://u:…host", f"x://u:{MASK}@host", id="password-of-at-signs"),
        pytest.param("a://", "…u:pw12@host", f"…u:{MASK}@host", id="many-schemes"),
        pytest.param(":@?&=#/", "…", "…", id="separators"),
        pytest.param("&x", f"…&app_key={APP_KEY}", f"…&app_key={MASK}", id="many-params"),
        pytest.param("x", "?…", "?…", id="long-name-no-equals"),
        pytest.param("x", "?…_key=v1", f"?…_key={MASK}", id="long-name"),
        pytest.param("v", "?app_key=…&x=1", f"?app_key={MASK}&x=1", id="long-value"),
        pytest.param(SECRET[:-1], f"…{SECRET}", f"…{MASK}", id="secret-prefixes"),
    ],
)
def test_redactor_is_linear_on_long_values(unit: str, template: str, expected: str) -> None:
    run = unit * (LONG_RUN // len(unit))
    redactor = Redactor()
    redactor.add(SECRET)
    assert redactor.redact(template.replace("…", run)) == expected.replace("…", run)


# --- RedactingFilter -------------------------------------------------------------------------


@pytest.fixture
def logged() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    redactor = Redactor()
    redactor.add(SECRET)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(RedactingFilter(redactor))
    logger = logging.getLogger("tests.unit.test_secrets.redacting")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    try:
        yield logger, stream
    finally:
        logger.removeHandler(handler)


def test_filter_redacts_message_and_args(logged: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = logged
    logger.info("password is %s", SECRET)
    logger.info(f"inline {SECRET}")
    logger.info("dict %(pw)s", {"pw": SECRET})
    logger.warning("fetch %s failed", f"https://api.tfl.gov.uk/x?app_key={APP_KEY}")
    output = stream.getvalue()
    assert SECRET not in output
    assert APP_KEY not in output
    assert output.splitlines() == [
        f"INFO password is {MASK}",
        f"INFO inline {MASK}",
        f"INFO dict {MASK}",
        f"WARNING fetch https://api.tfl.gov.uk/x?app_key={MASK} failed",
    ]


def test_filter_redacts_exceptions(logged: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = logged
    try:
        raise RuntimeError(f"login failed with {SECRET}")
    except RuntimeError:
        logger.exception("kafka error")
    output = stream.getvalue()
    assert SECRET not in output
    assert "Traceback" in output
    assert f"RuntimeError: login failed with {MASK}" in output


def test_filter_redacts_stack_info(logged: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = logged
    # A stack shows source lines, so this call's own line puts the secret in it.
    logger.info("here", stack_info=True, extra={"s": "s3cr3tPa55w0rd/+Qz"})
    assert SECRET not in stream.getvalue()
    assert "Stack (most recent call last)" in stream.getvalue()


def test_filter_survives_bad_format_arguments(logged: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = logged
    logger.info("two %s %s", SECRET)  # noqa: PLE1206 - one argument short on purpose
    output = stream.getvalue()
    assert SECRET not in output
    assert MASK in output


def test_filter_keeps_every_record_and_is_idempotent() -> None:
    redactor = Redactor()
    redactor.add(SECRET)
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "a %s", (SECRET,), None)
    flt = RedactingFilter(redactor)
    assert flt.filter(record)
    assert flt.filter(record)
    assert record.getMessage() == f"a {MASK}"
    assert record.args == ()


def test_filter_does_not_reformat_percent_signs_in_args() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "load %s", ("100%s",), None)
    RedactingFilter(Redactor()).filter(record)
    assert record.getMessage() == "load 100%s"
