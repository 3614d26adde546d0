"""Option values the command line refuses (exit 2, argparse's one-line error) or normalises."""

from __future__ import annotations

import pytest

from tfl_tui.cli import build_parser, main, parse_args
from tfl_tui.core.defaults import DEFAULT_STOP, DEFAULT_TFL_URL

SECONDS_OPTIONS = [
    ("produce", "--interval"),
    ("produce", "--http-timeout"),
    ("produce", "--retry-budget"),
    ("produce", "--flush-timeout"),
    ("produce", "--connect-timeout"),
    ("consume", "--timeout"),
    ("consume", "--connect-timeout"),
]


@pytest.fixture(autouse=True)
def no_tfl_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TFL_API_URL", raising=False)
    monkeypatch.delenv("TFL_APP_KEY", raising=False)


def refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """The error line of a command line argparse refuses with exit 2."""
    with pytest.raises(SystemExit) as exited:
        parse_args(list(argv))
    assert exited.value.code == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if "error:" in line]
    assert len(errors) == 1, err
    assert "Traceback" not in err
    return errors[0]


@pytest.mark.parametrize(("command", "option"), SECONDS_OPTIONS)
@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "Infinity", "+inf"])
def test_seconds_must_be_finite(
    capsys: pytest.CaptureFixture[str], command: str, option: str, value: str
) -> None:
    line = refused(capsys, command, option, value)
    assert f"argument {option}: {value!r} is not a finite number" in line


def test_the_dashboard_refuses_nan_too(capsys: pytest.CaptureFixture[str]) -> None:
    assert "is not a finite number" in refused(capsys, "--interval", "nan")


@pytest.mark.parametrize(("command", "option"), SECONDS_OPTIONS)
def test_finite_seconds_are_accepted(command: str, option: str) -> None:
    args = build_parser().parse_args([command, option, "0.5"])
    assert getattr(args, option.lstrip("-").replace("-", "_")) == 0.5


@pytest.mark.parametrize("command", [[], ["produce"], ["consume"]])
@pytest.mark.parametrize(
    "topic", ["", ".", "..", "a/b", "with space", "caf\u00e9", "tab\there", "x" * 250]
)
def test_topic_must_be_a_legal_kafka_topic_name(
    capsys: pytest.CaptureFixture[str], command: list[str], topic: str
) -> None:
    line = refused(capsys, *command, "--topic", topic)
    assert f"argument --topic: {topic!r} is not a valid Kafka topic name" in line
    assert "1 to 249 letters, digits, '.', '_' or '-'" in line


@pytest.mark.parametrize("topic", ["london_transport", "a.b-c_D9", "...", "x" * 249, "t"])
def test_legal_topic_names_are_accepted(topic: str) -> None:
    assert build_parser().parse_args(["consume", "--topic", topic]).topic == topic


def test_the_consumer_group_must_not_be_empty(capsys: pytest.CaptureFixture[str]) -> None:
    # librdkafka aborts the whole process (an assertion in C) on an empty group.id.
    line = refused(capsys, "consume", "--group", "")
    assert "argument --group: the consumer group id must not be empty" in line


@pytest.mark.parametrize("command", [[], ["produce"]])
@pytest.mark.parametrize(
    ("stop", "message"),
    [
        ("", "a stop must not be empty"),
        ("   ", "a stop must not be empty"),
        (".", "'.' is not a stop id or name"),
        ("..", "'..' is not a stop id or name"),
        (" .. ", "'..' is not a stop id or name"),
        ("4900\x1b[2J", "contains control characters"),
        ("4900\n00254W", "contains control characters"),
        ("4900\u200b00254W", "contains control characters"),
    ],
)
def test_stop_ids_that_cannot_be_a_url_path_segment_are_refused(
    capsys: pytest.CaptureFixture[str], command: list[str], stop: str, message: str
) -> None:
    line = refused(capsys, *command, "--stop", DEFAULT_STOP, "--stop", stop)
    assert "argument --stop:" in line
    assert message in line
    assert "\x1b" not in line  # shown escaped, never sent to the terminal


def test_stop_ids_lose_surrounding_blanks() -> None:
    assert parse_args(["produce", "--stop", " 490000254W\t"]).stops == ["490000254W"]


def test_a_stop_name_keeps_one_space_between_words() -> None:
    assert parse_args(["--stop", "  Waterloo   Bridge "]).stops == ["Waterloo Bridge"]


def test_a_repeated_stop_is_polled_once_in_first_order() -> None:
    args = parse_args(
        ["produce", "--stop", "B", "--stop", "A", "--stop", "B", "--stop", " A ", "--stop", "C"]
    )
    assert args.stops == ["B", "A", "C"]


def test_no_stop_given_leaves_the_choice_to_the_saved_stops() -> None:
    # None: the saved stops are watched, else the default (tfl_tui.core.stop_choice).
    assert parse_args(["produce"]).stops is None
    assert parse_args([]).stops is None


@pytest.mark.parametrize(
    "url",
    [
        "ftp://api.tfl.gov.uk",
        "file:///etc/passwd",
        "api.tfl.gov.uk",
        "notaurl",
        "http://",
        "https://:8080",
        "http:///StopPoint",
        "http://127.0.0.1:99999",
        "http://127.0.0.1:port",
        "https://api.tfl.gov.uk?app_key=fake-key-in-the-url-1234",
        "https://api.tfl.gov.uk#fragment",
        "https://api.tfl.gov.uk/ StopPoint",
        "",
    ],
)
def test_tfl_url_must_be_an_absolute_http_url(capsys: pytest.CaptureFixture[str], url: str) -> None:
    line = refused(capsys, "produce", "--tfl-url", url)
    assert "argument --tfl-url: expected an absolute http:// or https:// URL with a host" in line
    assert "fake-key-in-the-url-1234" not in line  # a URL may carry credentials: not echoed


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080",
        "https://api.tfl.gov.uk/",
        "HTTPS://api.tfl.gov.uk",
        "http://[::1]:80",
    ],
)
def test_http_and_https_urls_are_accepted(url: str) -> None:
    assert parse_args(["produce", "--tfl-url", url]).tfl_url == url


def test_tfl_url_from_the_environment_is_checked_where_tfl_is_polled(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TFL_API_URL", "ftp://example.invalid")
    for argv in (["produce"], ["produce", "--once"], []):
        assert "$TFL_API_URL: expected an absolute http:// or https:// URL" in refused(
            capsys, *argv
        )
    # Commands that do not poll TfL are not stopped by it.
    for argv in (["consume"], ["broker"], ["produce", "--demo"], ["--no-produce"]):
        parse_args(argv)
    # An explicit --tfl-url wins over the environment.
    assert parse_args(["produce", "--tfl-url", "http://127.0.0.1:1"]).tfl_url == (
        "http://127.0.0.1:1"
    )


def test_tfl_url_defaults_to_the_environment_then_to_tfl(monkeypatch: pytest.MonkeyPatch) -> None:
    assert parse_args(["produce"]).tfl_url == DEFAULT_TFL_URL
    monkeypatch.setenv("TFL_API_URL", "http://127.0.0.1:8123")
    assert parse_args(["produce"]).tfl_url == "http://127.0.0.1:8123"


def test_main_exits_2_on_a_bad_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["consume", "--topic", ""])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "tfl-tui consume: error: argument --topic: '' is not a valid Kafka topic name" in err
    assert "Traceback" not in err


def test_help_describes_the_rules(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["produce", "--help"])
    assert exited.value.code == 0
    # argparse wraps help text; compare with the line breaks taken out.
    text = " ".join(capsys.readouterr().out.split())
    assert "a place's name (all its stops, both sides of the road)" in text
    assert "Default: the saved stops" in text
    assert "TfL API base URL, http:// or https://" in text
    assert "topic to use: letters, digits, '.', '_', '-'" in text


@pytest.mark.parametrize("columns", [60, 80, 100])
@pytest.mark.parametrize(
    "command", [[], ["broker"], ["produce"], ["consume"], ["stops"], ["board"]]
)
def test_help_fits_the_terminal(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    columns: int,
    command: list[str],
) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    with pytest.raises(SystemExit):
        build_parser().parse_args([*command, "--help"])
    lines = capsys.readouterr().out.splitlines()
    too_wide = [line for line in lines if len(line) > columns]
    # Usage lines hold option names whole; everything else, prose and lists, is wrapped.
    assert [line for line in too_wide if "[" not in line] == []
    assert any("exit codes" in line for line in lines) or command == []


@pytest.mark.parametrize("at", ["-1h", "-15m", "-90s"])
def test_a_relative_time_is_no_option(at: str) -> None:
    # argparse would read `-1h` as an option of its own.
    assert parse_args(["board", "--at", at, "--json"]).at == at
