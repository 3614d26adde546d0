from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tfl_tui.core.client_properties import (
    MAX_FILE_BYTES,
    PropertiesError,
    parse_properties,
    permission_warning,
    read_properties,
)
from tfl_tui.core.errors import ConfigError, ExitCode

REPO_ROOT = Path(__file__).resolve().parents[2]
SECRET = "s3cr3tPa55w0rd/+Qz"  # base64-like, as Confluent API secrets are

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes only")


def tutorial_reader(text: str) -> dict[str, str]:
    """The reader from the Confluent tutorial that users' files were written for."""
    config = {}
    for line in text.splitlines():
        line = line.strip()  # noqa: PLW2901 - the tutorial's code, verbatim
        if len(line) != 0 and line[0] != "#":
            parameter, value = line.strip().split("=", 1)
            config[parameter] = value.strip()
    return config


def parse_error(text: str, source: str = "client.properties") -> PropertiesError:
    with pytest.raises(PropertiesError) as info:
        parse_properties(text, source)
    return info.value


# --- syntax ----------------------------------------------------------------------------------


def test_tutorial_file() -> None:
    text = (
        "# Required connection configs for Kafka producer, consumer, and admin\n"
        "bootstrap.servers=pkc-abc.eu-west-2.aws.confluent.cloud:9092\n"
        "security.protocol=SASL_SSL\n"
        "sasl.mechanisms=PLAIN\n"
        "sasl.username=ABCDEFGHIJKLMNOP\n"
        f"sasl.password={SECRET}\n"
        "\n"
        "# Best practice for higher availability in librdkafka clients prior to 1.7\n"
        "session.timeout.ms=45000\n"
    )
    expected = {
        "bootstrap.servers": "pkc-abc.eu-west-2.aws.confluent.cloud:9092",
        "security.protocol": "SASL_SSL",
        "sasl.mechanisms": "PLAIN",
        "sasl.username": "ABCDEFGHIJKLMNOP",
        "sasl.password": SECRET,
        "session.timeout.ms": "45000",
    }
    assert parse_properties(text) == expected
    assert tutorial_reader(text) == expected


@pytest.mark.parametrize(
    "line",
    [
        "key=value",
        "key = value",
        "key:value",
        "key : value",
        "key value",
        "key\tvalue",
        "key \t value \t",
        "   key=value",
        "\t\fkey=value  ",
    ],
)
def test_separators_and_trimming(line: str) -> None:
    assert parse_properties(line) == {"key": "value"}


def test_only_the_first_separator_is_skipped() -> None:
    assert parse_properties("a = = b") == {"a": "= b"}
    assert parse_properties("a := b") == {"a": "= b"}
    assert parse_properties("a b=c") == {"a": "b=c"}


def test_key_ends_at_first_separator_as_in_java() -> None:
    assert parse_properties("a:b=c") == {"a": "b=c"}


def test_equals_inside_value_is_kept() -> None:
    jaas = (
        "org.apache.kafka.common.security.plain.PlainLoginModule required "
        'username="KEY" password="a=b==";'
    )
    assert parse_properties(f"sasl.jaas.config={jaas}") == {"sasl.jaas.config": jaas}


def test_empty_values_with_separator_are_allowed() -> None:
    assert parse_properties("a=\nb:\nc =  \n") == {"a": "", "b": "", "c": ""}


@pytest.mark.parametrize("comment", ["# note", "! note", "   # indented", "\t! indented", "#", "!"])
def test_comments_are_skipped(comment: str) -> None:
    assert parse_properties(f"{comment}\nkey=value") == {"key": "value"}


def test_blank_lines_are_skipped() -> None:
    assert parse_properties("\n   \n\t\na=1\n\n\nb=2\n\n") == {"a": "1", "b": "2"}


def test_empty_text() -> None:
    assert parse_properties("") == {}
    assert parse_properties("# only a comment\n") == {}


def test_no_escape_processing_so_windows_paths_survive() -> None:
    text = r"ssl.ca.location=C:\certs\new\ca.pem" + "\n" + r"x=\t\u0041\\"
    assert parse_properties(text) == {
        "ssl.ca.location": r"C:\certs\new\ca.pem",
        "x": r"\t\u0041\\",  # an even number of trailing backslashes does not continue
    }


def test_line_continuation() -> None:
    text = 'sasl.jaas.config=PlainLoginModule required \\\n    username="u" \\\n\tpassword="p";\n'
    assert parse_properties(text) == {
        "sasl.jaas.config": 'PlainLoginModule required username="u" password="p";'
    }


def test_continuation_can_split_key_from_value() -> None:
    assert parse_properties("key\\\n  =value\n") == {"key": "value"}


def test_continuation_line_that_looks_like_a_comment_is_part_of_the_value() -> None:
    assert parse_properties("a=1\\\n  # not a comment\nb=2") == {"a": "1# not a comment", "b": "2"}


def test_comment_lines_do_not_continue() -> None:
    assert parse_properties("# comment \\\na=1") == {"a": "1"}


def test_blank_continuation_line_ends_the_value_as_in_java() -> None:
    assert parse_properties("a=1\\\n\nb=2\n") == {"a": "1", "b": "2"}


def test_backslash_followed_by_whitespace_does_not_continue() -> None:
    assert parse_properties("a=1\\ \nb=2") == {"a": "1\\", "b": "2"}


def test_utf8_bom_is_ignored() -> None:
    assert parse_properties("\ufeffbootstrap.servers=localhost:9092") == {
        "bootstrap.servers": "localhost:9092"
    }


def test_bom_only_at_start_is_special() -> None:
    assert parse_properties("a=x\ufeff") == {"a": "x\ufeff"}


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n"])
def test_line_endings(newline: str) -> None:
    text = newline.join(["# c", "a=1", "b=2 \\", "  3", ""])
    assert parse_properties(text) == {"a": "1", "b": "2 3"}


def test_later_duplicates_win() -> None:
    assert parse_properties("a=1\nb=2\na=3\n") == {"a": "3", "b": "2"}


def test_unicode_values() -> None:
    assert parse_properties("client.id=tfl-tui-café-🚌") == {"client.id": "tfl-tui-café-🚌"}


# --- errors ----------------------------------------------------------------------------------


def test_lone_key_is_an_error_with_file_and_line() -> None:
    text = "a=1\n\n# comment\nsasl.username\nb=2\n"
    error = parse_error(text)
    assert error.message == (
        "client.properties:4: 'sasl.username' has no value (expected key=value)"
    )
    assert error.line == 4
    assert error.source == "client.properties"
    assert isinstance(error, ConfigError)
    assert error.exit_code == ExitCode.CONFIG
    assert error.hint


def test_lone_key_with_trailing_whitespace_is_an_error() -> None:
    assert parse_error("sasl.username   \t").line == 1


@pytest.mark.parametrize("line", ["=value", ":value", "  = value", "=", ":"])
def test_empty_key_is_an_error(line: str) -> None:
    error = parse_error(f"a=1\n{line}\n")
    assert error.line == 2
    assert "key is missing" in error.message


def test_error_line_is_the_first_line_of_a_continued_line() -> None:
    error = parse_error("a=1\\\n  2\nb=2\n\\\n = x\n")
    assert error.line == 4


def test_line_numbers_count_crlf_and_cr_lines_once() -> None:
    assert parse_error("a=1\r\nb=2\r\nlonely.key\r\n").line == 3
    assert parse_error("a=1\rb=2\rlonely.key\r").line == 3


def test_line_numbers_count_the_bom_line_as_line_1() -> None:
    assert parse_error("\ufefflonely.key\n").line == 1


@pytest.mark.parametrize(
    "text",
    [
        f"a=1\nsasl.password={SECRET}\\",
        f"a=1\nsasl.password={SECRET}\\\n",
        f"a=1\nsasl.password={SECRET}\\\n\n  \n",
        f"a=1\nsasl.password={SECRET}\\\r\n",
    ],
)
def test_continuation_at_end_of_file_is_an_error_without_the_value(text: str) -> None:
    error = parse_error(text)
    assert error.line == 2
    assert "'sasl.password'" in error.message
    assert "continuation" in error.message
    assert SECRET not in str(error)
    assert SECRET not in (error.hint or "")
    assert SECRET not in repr(error)


def test_continuation_error_names_the_line_with_the_backslash() -> None:
    error = parse_error("a=1\nsasl.password=abc\\\n  def\\\n")
    assert error.line == 3


@pytest.mark.parametrize(
    "line",
    [
        SECRET,  # an API secret pasted on a line of its own
        "ABCDEFGHIJKLMNOP",  # a Confluent API key
        "hunter2longword",  # no dot: could be anything
        f"={SECRET}",
        f": {SECRET}",
        f"{SECRET}\\",
    ],
)
def test_errors_never_echo_something_that_may_be_a_secret(line: str) -> None:
    error = parse_error(f"a=1\n{line}\n")
    assert error.line == 2
    token = line.strip("=: \\")
    assert token not in error.message
    assert token not in (error.hint or "")


def test_unrecognisable_key_is_not_quoted() -> None:
    assert parse_error("ABCDEFGHIJKLMNOP\n").message == (
        "client.properties:1: the line has no value (expected key=value)"
    )


def test_error_message_defaults_to_string_source() -> None:
    with pytest.raises(PropertiesError, match=r"^<string>:1: "):
        parse_properties("lonely.key")


# --- round trips -----------------------------------------------------------------------------

keys = st.from_regex(r"[a-z][a-z0-9_]{0,8}(\.[a-z0-9_]{1,8}){0,3}", fullmatch=True)
# Printable values without line breaks, as trimmed by the parser, not ending in a continuation.
values = (
    st.text(
        alphabet=st.characters(
            blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="\x85"
        ),
        max_size=40,
    )
    .map(lambda v: v.strip(" \t\f"))
    .filter(lambda v: not v.endswith("\\"))
)


@given(st.dictionaries(keys, values, max_size=10), st.sampled_from(["\n", "\r\n"]))
def test_round_trip(conf: dict[str, str], newline: str) -> None:
    text = newline.join(f"{k}={v}" for k, v in conf.items())
    assert parse_properties(text) == conf


ascii_values = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=30
).filter(lambda v: not v.endswith("\\"))


@given(st.dictionaries(keys, ascii_values, max_size=10))
def test_agrees_with_the_tutorial_reader(conf: dict[str, str]) -> None:
    text = "# generated\n" + "".join(f"{k} = {v}\n" for k, v in conf.items())
    assert parse_properties(text) == {k.strip(): v for k, v in tutorial_reader(text).items()}


@given(st.text(max_size=200))
def test_arbitrary_text_parses_or_raises_properties_error(text: str) -> None:
    try:
        result = parse_properties(text)
    except PropertiesError as error:
        assert error.line >= 1
    else:
        assert all(key for key in result)


# --- files -----------------------------------------------------------------------------------


def test_example_file_parses() -> None:
    conf = read_properties(REPO_ROOT / "client.properties.example")
    assert conf == {
        "bootstrap.servers": "pkc-xxxxx.region.provider.confluent.cloud:9092",
        "security.protocol": "SASL_SSL",
        "sasl.mechanisms": "PLAIN",
        "sasl.username": "<CLUSTER_API_KEY>",
        "sasl.password": "<CLUSTER_API_SECRET>",
        "session.timeout.ms": "45000",
        "client.id": "tfl-tui",
    }


def test_example_local_variant_parses_when_uncommented() -> None:
    text = (REPO_ROOT / "client.properties.example").read_text(encoding="utf-8")
    local = "\n".join(
        line.removeprefix("#") for line in text.splitlines() if line.startswith(("#b", "#s"))
    )
    assert parse_properties(local) == {
        "bootstrap.servers": "127.0.0.1:9092",
        "security.protocol": "PLAINTEXT",
    }


def test_read_properties_with_bom_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "client.properties"
    path.write_bytes(b"\xef\xbb\xbfa=1\r\nb = caf\xc3\xa9\r\n")
    assert read_properties(path) == {"a": "1", "b": "café"}


def test_read_properties_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "client.properties"
    path.write_text("a=1\nlonely.key\n", encoding="utf-8")
    with pytest.raises(PropertiesError) as info:
        read_properties(path)
    assert info.value.message == f"{path}:2: 'lonely.key' has no value (expected key=value)"


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.properties"
    with pytest.raises(ConfigError) as info:
        read_properties(path)
    assert info.value.message == f"config file not found: {path}"
    assert info.value.__suppress_context__


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        read_properties(tmp_path)
    assert str(tmp_path) in info.value.message
    assert "directory" in info.value.message


@posix_only
@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads anything")
def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "client.properties"
    path.write_text("a=1\n", encoding="utf-8")
    path.chmod(0)
    with pytest.raises(ConfigError) as info:
        read_properties(path)
    assert info.value.message == f"cannot read config file {path}: permission denied"


def test_permission_denied_without_chmod(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Runs even as root, where chmod 0 does not stop reading.
    def deny(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    path = tmp_path / "client.properties"
    path.write_text("a=1\n", encoding="utf-8")
    monkeypatch.setattr(Path, "open", deny)
    with pytest.raises(ConfigError) as info:
        read_properties(path)
    assert info.value.message == f"cannot read config file {path}: permission denied"


def test_other_os_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(self: Path, *args: object, **kwargs: object) -> None:
        raise OSError(5, "Input/output error", str(self))

    path = tmp_path / "client.properties"
    monkeypatch.setattr(Path, "open", fail)
    with pytest.raises(ConfigError) as info:
        read_properties(path)
    assert info.value.message == f"cannot read config file {path}: Input/output error"


def test_not_utf8_names_the_line_but_not_the_bytes(tmp_path: Path) -> None:
    path = tmp_path / "client.properties"
    path.write_bytes(b"a=1\nsasl.password=caf\xe9-secret\n")
    with pytest.raises(ConfigError) as info:
        read_properties(path)
    assert info.value.message == f"{path}:2: not valid UTF-8 text"
    assert "secret" not in info.value.message.replace(str(path), "")


def test_oversized_file(tmp_path: Path) -> None:
    path = tmp_path / "client.properties"
    path.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    with pytest.raises(ConfigError, match="larger than"):
        read_properties(path)


# --- permissions -----------------------------------------------------------------------------


@posix_only
@pytest.mark.parametrize("mode", [0o600, 0o400, 0o700, 0o000])
def test_private_file_gives_no_warning(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "client.properties"
    path.write_text("a=1\n", encoding="utf-8")
    path.chmod(mode)
    assert permission_warning(path) is None


@posix_only
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o602, 0o610, 0o777])
def test_file_open_to_group_or_others_gives_a_warning(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "client.properties"
    path.write_text("a=1\n", encoding="utf-8")
    path.chmod(mode)
    assert stat.S_IMODE(path.stat().st_mode) == mode
    assert permission_warning(path) == (
        f"warning: {path} is accessible by others (mode {mode:04o}); it may hold secrets:"
        f" chmod 600 {path}"
    )


@posix_only
def test_warning_quotes_the_path_for_the_shell(tmp_path: Path) -> None:
    path = tmp_path / "my client.properties"
    path.write_text("a=1\n", encoding="utf-8")
    path.chmod(0o644)
    warning = permission_warning(path)
    assert warning is not None
    assert warning.endswith(f"chmod 600 '{path}'")


def test_no_warning_for_missing_file(tmp_path: Path) -> None:
    assert permission_warning(tmp_path / "nope") is None


def test_no_warning_on_non_posix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "client.properties"
    path.write_text("a=1\n", encoding="utf-8")
    path.chmod(0o666)
    monkeypatch.setattr(os, "name", "nt")
    assert permission_warning(path) is None
