"""Command line: `tfl-tui broker | produce | consume` (the dashboard joins as the default)."""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import signal
import sys
import textwrap
import unicodedata
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

from tfl_tui import __version__
from tfl_tui.core.defaults import (
    DEFAULT_CONNECT_TIMEOUT_S,
    DEFAULT_FLUSH_TIMEOUT_S,
    DEFAULT_GROUP,
    DEFAULT_HTTP_TIMEOUT_S,
    DEFAULT_INTERVAL_S,
    DEFAULT_PARTITIONS,
    DEFAULT_RETRY_BUDGET_S,
    DEFAULT_START,
    DEFAULT_STOP,
    DEFAULT_STOP_NAME,
    DEFAULT_TFL_URL,
    DEFAULT_TOPIC,
)
from tfl_tui.core.errors import ExitCode, TflTuiError
from tfl_tui.core.timespec import BadTime, parse_duration

EXIT_CODES = """\
exit codes:
  0    success
  1    failure (e.g. a broker is already running)
  2    bad command-line arguments
  3    unusable configuration (client.properties, flags)
  4    Kafka unreachable, or the topic cannot be created or read
  5    TfL gave no usable answer for a stop (produce --once)
  6    records were produced but not all were delivered
  130  interrupted before the work was done
"""

KAFKA_HELP = (
    "which Kafka:\n"
    "  --bootstrap-servers overrides the servers of --config (default ./client.properties when "
    "it exists, in librdkafka's format: Confluent Cloud's SASL_SSL settings work as written). "
    "With neither, the commands use the `tfl-tui broker` running on this machine.\n"
)


HELP_WIDTH = 100  # at most; narrower terminals get narrower help


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Help as wide as the terminal (up to HELP_WIDTH): prose paragraphs are filled again,
    indented lines (lists, exit codes) are wrapped each under its own indent."""

    def __init__(self, prog: str) -> None:
        width = max(40, min(HELP_WIDTH, shutil.get_terminal_size((HELP_WIDTH, 24)).columns))
        super().__init__(prog, max_help_position=min(34, width // 3), width=width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        paragraphs = []
        for paragraph in text.split("\n\n"):
            lines = paragraph.splitlines()
            if not any(line.startswith(" ") for line in lines):
                joined = " ".join(line.strip() for line in lines)
                paragraphs.append(textwrap.fill(joined, width, initial_indent=indent,
                                                subsequent_indent=indent,
                                                break_on_hyphens=False))  # fmt: skip
                continue
            wrapped = []
            for line in lines:
                lead = indent + line[: len(line) - len(line.lstrip())]
                wrapped += textwrap.wrap(
                    line.strip(),
                    width,
                    initial_indent=lead,
                    subsequent_indent=lead,
                    break_on_hyphens=False,
                ) or [""]
            paragraphs.append("\n".join(wrapped))
        return "\n\n".join(paragraphs)


def _positive(convert: Callable[[str], float], kind: str) -> Callable[[str], Any]:
    def parse(text: str) -> float:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {kind}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text!r} must be greater than 0")
        return value

    return parse


_positive_float = _positive(float, "a number")
_positive_int = _positive(int, "a whole number")

# Kafka's own rule for topic names (org.apache.kafka.common.internals.Topic).
_TOPIC_NAME = re.compile(r"[a-zA-Z0-9._-]{1,249}")


def _topic(text: str) -> str:
    if not _TOPIC_NAME.fullmatch(text) or text in (".", ".."):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a valid Kafka topic name: use 1 to 249 letters, digits, "
            "'.', '_' or '-' (but not '.' or '..' alone)"
        )
    return text


def _group(text: str) -> str:
    if not text:
        raise argparse.ArgumentTypeError("the consumer group id must not be empty")
    return text


def _stop(text: str) -> str:
    """A stop id, group id or name (blanks around it dropped, between words made one)."""
    stop = text.strip()
    if not stop:
        raise argparse.ArgumentTypeError("a stop must not be empty")
    if stop in (".", ".."):
        raise argparse.ArgumentTypeError(f"{stop!r} is not a stop id or name")
    if any(unicodedata.category(char).startswith("C") for char in stop):
        raise argparse.ArgumentTypeError(
            f"{stop!r} is not a stop id or name: it contains control characters"
        )
    return " ".join(stop.split())


def _duration(text: str) -> timedelta:
    try:
        return parse_duration(text)
    except BadTime as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _base_url(text: str) -> str:
    # The URL is not repeated: it may carry credentials.
    bad = argparse.ArgumentTypeError(
        "expected an absolute http:// or https:// URL with a host and no query or fragment, "
        f"such as {DEFAULT_TFL_URL}"
    )
    if any(char.isspace() or unicodedata.category(char).startswith("C") for char in text):
        raise bad
    try:
        parts = urlsplit(text)
        _port = parts.port  # raises ValueError for a port that is not a number in range
    except ValueError:
        raise bad from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise bad
    if parts.query or parts.fragment or "?" in text or "#" in text:
        raise bad
    return text


def _kafka_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("Kafka")
    group.add_argument(
        "--config",
        type=Path,
        metavar="PATH",
        help="librdkafka client.properties (default: ./client.properties if any)",
    )
    group.add_argument(
        "--bootstrap-servers",
        metavar="HOST:PORT[,...]",
        help="Kafka servers; overrides the config's bootstrap.servers",
    )
    group.add_argument(
        "--topic",
        type=_topic,
        default=DEFAULT_TOPIC,
        help=f"topic to use: letters, digits, '.', '_', '-' (default: {DEFAULT_TOPIC})",
    )
    group.add_argument(
        "--partitions",
        type=_positive_int,
        default=DEFAULT_PARTITIONS,
        help="partitions when the topic must be created (default: "
        f"{DEFAULT_PARTITIONS}; the embedded broker always makes 4)",
    )
    group.add_argument(
        "--connect-timeout",
        type=_positive_float,
        default=DEFAULT_CONNECT_TIMEOUT_S,
        metavar="SECONDS",
        help="how long to wait for the broker to answer at start "
        f"(default: {DEFAULT_CONNECT_TIMEOUT_S:g})",
    )
    parent.add_argument(
        "-v", "--verbose", action="store_true", help="show debug output, including librdkafka's log"
    )
    return parent


def _produce_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False, parents=[_tfl_options()])
    group = parent.add_argument_group("stops to poll")
    group.add_argument(
        "--stop",
        dest="stops",
        action="append",
        type=_stop,
        metavar="NAME|ID",
        help="a stop to poll, repeatable: a place's name (all its stops, both sides of the "
        "road), a group id (490G…) or a stop id (490000254W); a name matching several places "
        "lists them. Default: the saved stops (`tfl-tui stops add`), else "
        f"{DEFAULT_STOP}, {DEFAULT_STOP_NAME}",
    )
    group.add_argument(
        "--interval",
        type=_positive_float,
        default=DEFAULT_INTERVAL_S,
        metavar="SECONDS",
        help=f"seconds between polls of every stop (default: {DEFAULT_INTERVAL_S:g}; TfL "
        "refreshes about every 30 s; stretched to stay within TfL's request budget, in the "
        "dashboard too)",
    )
    group.add_argument(
        "--flush-timeout",
        type=_positive_float,
        default=DEFAULT_FLUSH_TIMEOUT_S,
        metavar="SECONDS",
        help="on exit, how long to wait for undelivered records "
        f"(default: {DEFAULT_FLUSH_TIMEOUT_S:g})",
    )
    return parent


def _tfl_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("TfL source")
    group.add_argument(
        "--app-key",
        default=os.environ.get("TFL_APP_KEY") or None,
        help="TfL app key (default: $TFL_APP_KEY; anonymous access works, "
        "50 requests/min instead of 500). Never printed",
    )
    group.add_argument(
        "--tfl-url",
        type=_base_url,
        # None: main() takes $TFL_API_URL (argparse would check a default in every command).
        default=None,
        metavar="URL",
        help="TfL API base URL, http:// or https:// "
        f"(default: $TFL_API_URL, else {DEFAULT_TFL_URL})",
    )
    group.add_argument(
        "--http-timeout",
        type=_positive_float,
        default=DEFAULT_HTTP_TIMEOUT_S,
        metavar="SECONDS",
        help=f"timeout of one TfL request (default: {DEFAULT_HTTP_TIMEOUT_S:g})",
    )
    group.add_argument(
        "--retry-budget",
        type=_positive_float,
        default=DEFAULT_RETRY_BUDGET_S,
        metavar="SECONDS",
        help="how long transient TfL failures (429, 5xx, timeouts, invalid answers) are "
        "retried, with backoff, per stop and poll (default: 30)",
    )
    group.add_argument(
        "--demo", action="store_true", help="use the offline simulator instead of the TfL API"
    )
    group.add_argument("--seed", type=int, help="simulator seed, for repeatable demo data")
    return parent


def _wrap(*paragraphs: str) -> str:
    return "\n\n".join(textwrap.fill(p, width=96, break_on_hyphens=False) for p in paragraphs)


def build_parser() -> argparse.ArgumentParser:
    kafka = _kafka_options()
    produce_options = _produce_options()
    parser = argparse.ArgumentParser(
        prog="tfl-tui",
        parents=[kafka, produce_options],
        formatter_class=_Formatter,
        description=_wrap(
            "London bus arrivals from the TfL API, through a Kafka topic "
            f"(default {DEFAULT_TOPIC!r}: key = lineId, value = TfL's prediction JSON).",
            "With no command: the live dashboard. It polls TfL in a producer worker, reads the "
            "topic in a consumer worker and shows the upcoming buses per line and destination "
            "(counting down every second) and the raw records with partition and offset. "
            "With no Kafka configured or running it starts an embedded in-memory broker.",
        ),
        epilog="dashboard keys: / filter · Esc clear · r replay from earliest · p pause · "
        "m raw messages · s stops · g group by stop · i status detail · "
        "Enter records of a row · h its history · t time travel · ? help · q quit\n\n"
        "quick start, three terminals:\n"
        "  tfl-tui broker                  # embedded in-memory Kafka broker\n"
        "  tfl-tui produce --demo --once   # one poll of the offline simulator\n"
        "  tfl-tui consume                 # read the topic from the beginning\n\n"
        + KAFKA_HELP
        + "\n"
        + EXIT_CODES,
    )
    dashboard = parser.add_argument_group("dashboard")
    dashboard.add_argument(
        "--no-produce",
        action="store_true",
        help="do not poll TfL: watch a topic that another process feeds",
    )
    dashboard.add_argument(
        "--from",
        dest="start",
        choices=["earliest", "latest"],
        default=DEFAULT_START,
        help="where the board starts reading: earliest rebuilds it from the whole topic "
        "(default), latest shows only new records",
    )
    parser.set_defaults(command=None)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    broker = commands.add_parser(
        "broker",
        parents=[_verbose_only()],
        formatter_class=_Formatter,
        help="run an embedded in-memory Kafka broker for the other commands",
        description=_wrap(
            "Serve librdkafka's built-in mock Kafka cluster until Ctrl+C. Prints "
            "bootstrap.servers=HOST:PORT and announces itself so that `produce`, `consume` and "
            "the dashboard find it with no configuration.",
            "Limits: everything is in memory and gone when it stops; topics are auto-created "
            "with 4 partitions; only about 5 MB are kept per partition (older records are "
            "trimmed; compressed batches, as `produce` sends them, stretch that about 10x).",
        ),
        epilog=EXIT_CODES,
    )
    broker.set_defaults(command="broker")

    produce = commands.add_parser(
        "produce",
        parents=[kafka, produce_options],
        formatter_class=_Formatter,
        help="poll TfL and produce one record per bus prediction",
        description=_wrap(
            "Poll TfL's StopPoint Arrivals for each stop and produce every prediction "
            "to the topic: key = lineId, value = the prediction JSON as TfL sent it, headers = "
            "stop id, poll time, poll sequence and snapshot size. Idempotent, acks=all, "
            "lz4-compressed. Prints one line per delivered record on stdout, status on stderr."
        ),
        epilog=KAFKA_HELP + "\n" + EXIT_CODES,
    )
    produce.add_argument(
        "--backfill",
        type=_duration,
        metavar="DURATION",
        help="with --demo: first write DURATION (e.g. 3h, 90m) of simulated polls, every "
        "--interval, stamped with their past times, to try time travel with; with --once, "
        "only that",
    )
    produce.add_argument(
        "--once",
        action="store_true",
        help="poll every stop once (retrying 429/5xx/timeouts within --retry-budget), "
        "flush and exit: 0 only if every stop answered and every record was delivered",
    )

    stops = commands.add_parser(
        "stops",
        parents=[_tfl_options(), _verbose_only()],
        formatter_class=_Formatter,
        help="find bus stops by name; keep the ones you watch",
        usage="tfl-tui stops [options] QUERY\n"
        "       tfl-tui stops add|remove NAME|ID...\n"
        "       tfl-tui stops [list] [--json]",
        description=_wrap(
            "With a QUERY: every bus stop TfL finds for it, a line each: stop id, letter, "
            "name, where its buses go, lines (rail and tube left out, hubs opened up). "
            "add/remove/list keep the stops that `produce` and the dashboard watch when no "
            "--stop is given, in $XDG_CONFIG_HOME/tfl-tui/stops.toml (~/.config/tfl-tui/). "
            "Look-ups are cached for a day in $XDG_CACHE_HOME/tfl-tui/ (~/.cache/tfl-tui/).",
        ),
        epilog="examples:\n"
        "  tfl-tui stops waterloo                  # stops whose name has 'waterloo'\n"
        "  tfl-tui stops --demo elephant           # the same, from the offline catalogue\n"
        '  tfl-tui stops add "Waterloo Station / York Road"   # both sides of the road\n'
        "  tfl-tui stops add 490000254W            # one stop, by id\n"
        "  tfl-tui stops remove 490000254W\n"
        "  tfl-tui stops list                      # what is saved (also: tfl-tui stops)\n\n"
        "A name of several words may be quoted or not; each id counts alone.\n\n" + EXIT_CODES,
    )
    stops.add_argument(
        "words",
        nargs="*",
        metavar="WORDS",
        help="a QUERY to search for; or add, remove or list and their stops",
    )
    stops.add_argument(
        "--json",
        action="store_true",
        help='a JSON list of {"id", "letter", "name", "towards", "lines", "group"}',
    )

    consume = commands.add_parser(
        "consume",
        parents=[kafka],
        formatter_class=_Formatter,
        help="read the topic, one line per record",
        description=_wrap(
            "Read the topic as the tutorial's consumer does (consumer group "
            f"{DEFAULT_GROUP}), one line per record on stdout with partition and offset. "
            "Records that are not valid predictions are printed flagged INVALID, never fatal."
        ),
        epilog=KAFKA_HELP + "\n" + EXIT_CODES,
    )
    consume.add_argument(
        "--from",
        dest="start",
        choices=["earliest", "latest", "committed"],
        default="earliest",
        help="earliest: every partition from the beginning (default); latest: "
        "only new records; committed: resume the group's committed offsets",
    )
    consume.add_argument(
        "--group",
        type=_group,
        default=DEFAULT_GROUP,
        help=f"consumer group id (default: {DEFAULT_GROUP})",
    )
    consume.add_argument(
        "--max-messages", type=_positive_int, metavar="N", help="stop after N records"
    )
    consume.add_argument(
        "--timeout",
        type=_positive_float,
        metavar="SECONDS",
        help="stop after SECONDS with no new record (default: run until Ctrl+C)",
    )
    consume.add_argument(
        "--json",
        action="store_true",
        help="one JSON object per line: topic, partition, offset, key, "
        "timestamp, headers, value (parsed), and `problem` when flagged",
    )
    board = commands.add_parser(
        "board",
        parents=[kafka],
        formatter_class=_Formatter,
        help="print the board as it stood at a moment, read from the topic",
        description=_wrap(
            "Read the topic and print the arrivals board as it stood at TIME (default: now), "
            "with the next buses counted from TIME: the dashboard's own fold, so the two "
            "agree. Where the broker can seek by time (real Kafka) only the hour before TIME "
            "is read; the embedded broker is read from the beginning. Rows on stdout, what "
            "was read on stderr.",
        ),
        epilog="examples:\n"
        "  tfl-tui board                       # the board now\n"
        "  tfl-tui board --at -1h --json       # an hour ago, a JSON object per row\n"
        "  tfl-tui board --at 08:15            # today at 08:15, London time\n"
        "  tfl-tui board --at 2026-12-01T08:15 --stop 490000254W\n\n"
        "try it offline: tfl-tui produce --demo --once --backfill 3h\n\n"
        + KAFKA_HELP
        + "\n"
        + EXIT_CODES,
    )
    board.add_argument(
        "--at",
        default="now",
        metavar="TIME",
        help="now (default), relative (-15m, -2h), a London time today (08:15) or ISO 8601",
    )
    board.add_argument(
        "--stop",
        dest="stops",
        action="append",
        type=_stop,
        metavar="NAME|ID",
        help="only this stop's rows, repeatable: its id, or words of its name",
    )
    board.add_argument(
        "--interval",
        type=_positive_float,
        default=DEFAULT_INTERVAL_S,
        metavar="SECONDS",
        help="the poll interval of the producer, for marking rows stale "
        f"(default: {DEFAULT_INTERVAL_S:g})",
    )
    board.add_argument(
        "--json",
        action="store_true",
        help="one JSON object per row: at, line, destination, stop_id, stop, etas_s, "
        "arrivals (ISO), updated, stale",
    )

    history = commands.add_parser(
        "history",
        parents=[kafka],
        formatter_class=_Formatter,
        help="the buses that came to a stop, from the topic",
        description=_wrap(
            "Read the topic and tell, for a stop, when each bus came, the wait since the one "
            "before it (same line and destination), and how its predictions moved. TfL never "
            "says a bus came: its predictions stop. A bus came when its predictions stopped at "
            "or after its last expected arrival (up to 2 minutes before counts), at that "
            "time; one whose predictions stopped earlier vanished (cancelled, curtailed); one "
            "still listed is expected. Lines on stdout, a summary on stderr.",
        ),
        epilog="examples:\n"
        "  tfl-tui history --stop 490000254W\n"
        '  tfl-tui history --stop "york road" --line 77 --since 3h --json\n\n'
        "try it offline: tfl-tui produce --demo --once --backfill 3h\n\n"
        + KAFKA_HELP
        + "\n"
        + EXIT_CODES,
    )
    history.add_argument(
        "--stop",
        dest="stops",
        action="append",
        required=True,
        type=_stop,
        metavar="NAME|ID",
        help="the stop, repeatable: its id, or words of its name as on the board",
    )
    history.add_argument(
        "--line", dest="lines", action="append", metavar="LINE", help="only this line, repeatable"
    )
    history.add_argument(
        "--since",
        type=_duration,
        default=timedelta(hours=2),
        metavar="DURATION",
        help="how far back (default: 2h; e.g. 30m, 3h)",
    )
    history.add_argument(
        "--json",
        action="store_true",
        help="one JSON object per bus: stop_id, stop, line, destination, vehicle, outcome "
        "(came, vanished, expected), came_at, gap_s, gone_at, said [{at, eta_s}]",
    )

    return parser


def _verbose_only() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("-v", "--verbose", action="store_true", help="show debug output")
    return parent


def _sigterm_as_interrupt(_signum: int, _frame: FrameType | None) -> None:
    # SIGTERM takes the same orderly path as Ctrl+C: flush, report, exit.
    raise KeyboardInterrupt


def _runner(command: str | None) -> Callable[[argparse.Namespace], int]:
    # Imported lazily: `--help` should not pay for confluent-kafka and requests.
    if command is None:
        from tfl_tui.commands import dashboard

        return dashboard.run
    if command == "broker":
        from tfl_tui.commands import broker

        return broker.run
    if command == "produce":
        from tfl_tui.commands import produce

        return produce.run
    if command == "stops":
        from tfl_tui.commands import stops

        return stops.run
    if command == "board":
        from tfl_tui.commands import board

        return board.run
    if command == "history":
        from tfl_tui.commands import history

        return history.run
    from tfl_tui.commands import consume

    return consume.run


def _tfl_url_from_environment(parser: argparse.ArgumentParser, args: argparse.Namespace) -> str:
    """$TFL_API_URL, else TfL's own; checked when this command will poll TfL with it."""
    url = os.environ.get("TFL_API_URL") or DEFAULT_TFL_URL
    polls_tfl = (
        args.command in (None, "produce", "stops")
        and not args.demo
        and not getattr(args, "no_produce", False)
    )
    if polls_tfl:
        try:
            _base_url(url)
        except argparse.ArgumentTypeError as error:
            parser.error(f"$TFL_API_URL: {error}")
    return url


_RELATIVE = re.compile(r"-\d[\ddhms.]*")


def _relative_times_joined(argv: Sequence[str] | None) -> list[str]:
    """`--at -1h` as `--at=-1h`: argparse would take `-1h` for an option."""
    words = list(sys.argv[1:] if argv is None else argv)
    joined: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        following = words[index + 1] if index + 1 < len(words) else ""
        if word == "--at" and _RELATIVE.fullmatch(following):
            joined.append(f"{word}={following}")
            index += 2
            continue
        joined.append(word)
        index += 1
    return joined


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line as the commands get it; bad arguments exit 2 with argparse's error."""
    parser = build_parser()
    args, extra = parser.parse_known_args(_relative_times_joined(argv))
    if extra and args.command == "stops" and not any(word.startswith("-") for word in extra):
        args.words += extra  # `stops add --demo waterloo`: options may come between the words
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if getattr(args, "stops", None):
        args.stops = list(dict.fromkeys(args.stops))  # a repeated stop is polled once
    # None: no --stop given, so the saved stops (or the default) are watched.
    if getattr(args, "backfill", None) is not None and not args.demo:
        parser.error("--backfill needs --demo: TfL keeps no past arrivals to fetch")
    if getattr(args, "tfl_url", "absent") is None:
        args.tfl_url = _tfl_url_from_environment(parser, args)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)

    from tfl_tui.console import report_error, setup_logging

    setup_logging(args.verbose)
    signal.signal(signal.SIGTERM, _sigterm_as_interrupt)
    try:
        return int(_runner(args.command)(args))
    except TflTuiError as error:
        report_error(error)
        return int(error.exit_code)
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        # `tfl-tui consume | head`: the reader left; that is not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return ExitCode.OK
