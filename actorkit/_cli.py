"""`python -m actorkit`: the command line."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING, ClassVar, NoReturn, cast

from ._cli_errors import (
    BAD_ARGUMENTS,
    PROG,
    escaping,
    fail,
    plug_closed,
    silenced,
    unwritable,
)
from ._http_auth import PASSWORD_VARIABLE, TOKEN_VARIABLE, USER_VARIABLE

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

HOST, PORT = "127.0.0.1", 9464
"""Where the demo serves its metrics unless told (`--host`, `--port`) or `--no-http`."""

INTERRUPTED = 130
"""A command stopped by Ctrl-C before it did its work, as shells report one: 128 + SIGINT."""


def _seconds(text: str) -> float:
    """The library's own check (`check_seconds`): no infinity, nothing past its longest wait."""
    from ._seconds import check_seconds

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds as a number, got {text!r}") from None
    try:
        return check_seconds(value, "the value")
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0..65535 (0 picks a free one), got {text}")
    return value


def _seq(text: str) -> int:
    """Only parsed here: `print_journal` checks the range."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a sequence number, got {text!r}") from None


class _Parser(argparse.ArgumentParser):
    """Help written as the commands' own output is: argparse swallows an error writing it and
    exits 0, or leaves the text buffered for the interpreter's exit to fail on (status 120,
    `Exception ignored`). Output that cannot be written is one error line and status 1; a
    reader that went away (`--help | head -1`) is none."""

    stdout_closed: ClassVar[bool] = False
    """Set by `main`: stdout was closed at start, and given the null device."""

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        if not message:
            return
        command = self.prog.removeprefix(PROG).strip()
        # Closed at start, stdout is None, and help is handed None, not the null device.
        if self.stdout_closed and (file is None or file is sys.stdout):
            sys.exit(fail(command, "cannot write the output: stdout is closed"))
        out = cast(IO[str] | None, file or sys.stderr)
        if out is None:  # stderr closed at start as well
            return
        try:
            out.write(message)
            out.flush()
        except BrokenPipeError:
            silenced(out)
        except OSError as error:
            if out is sys.stderr:  # nowhere left to say it; the status still tells
                silenced(out)
                return
            sys.exit(fail(command, str(unwritable(out, error))))


class _Command(_Parser):
    """A command's parser. For `journal`: an id that starts with '-' is an option to
    argparse, one it does not know, so the id is then missing. Telling argparse to take
    unknown options as positionals would turn every mistyped flag into an id; instead the
    error names the argument it read as an option and how to pass it as the id."""

    given: Sequence[str] = ()

    def parse_known_args(  # type: ignore[override]  # typeshed's overloads
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        """Refuses what the command does not take itself: handed up, argparse would say it
        with the top-level usage, as if no command had been named."""
        self.given = list(sys.argv[1:] if args is None else args)
        parsed, extras = super().parse_known_args(args, namespace)
        if extras:
            why = "each argument after '--' is read as a positional one: put options before '--'"
            after = f" ({why})" if "--" in self.given else ""
            self.error(f"unrecognized arguments: {' '.join(extras)}{after}")
        return parsed, extras

    def error(self, message: str) -> NoReturn:
        if "persistence_id" in message and (dashed := self._unknown_option()) is not None:
            message = (
                f"{dashed!r} is read as an option, and then no persistence id is given; for an "
                f"id that starts with '-', put it after '--': {self.prog} URL -- {dashed}"
            )
        super().error(message)

    def _unknown_option(self) -> str | None:
        for arg in self.given:
            if arg == "--":
                return None
            head = arg.split("=", 1)[0]
            if len(head) > 1 and head[0] == "-" and not self._known(head):
                return arg
        return None

    def _known(self, head: str) -> bool:
        """An option of this command, or an abbreviation argparse takes for one."""
        options = [name for action in self._actions for name in action.option_strings]
        if head.startswith("--"):
            return any(name.startswith(head) for name in options)
        return head[:2] in options or head.lstrip("-").isdigit()


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="actorkit: actors for asyncio",
        epilog="Every error is one line on stderr, python -m actorkit COMMAND: error: ... "
        "(after the usage, for a flag argparse refuses), and exits 2 for a command line that "
        "cannot work as written, 1 for a command that could not do its work.",
    )
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Command
    )
    demo = sub.add_parser(
        "demo",
        help="run a live multi-agent demo with metrics",
        description="A supervised team of agents with tasks, pub-sub, asks and timers. "
        "Prints a status line every second and a summary; Ctrl-C stops it cleanly.",
        epilog="Exit status: 0 stopped at the duration, by Ctrl-C or SIGTERM, or as the reader "
        "of its output went away; 1 the system could not run as told (a port in use, a host "
        "that does not resolve, an unreachable NATS server, output that cannot be written); "
        "2 bad arguments (a --host, --name or --nats URL no system can take included).",
    )
    demo.add_argument("--duration", type=_seconds, help="seconds to run (default: until Ctrl-C)")
    # No argparse defaults: a flag given with --no-http is seen, and refused (`main`).
    demo.add_argument("--host", help=f"HTTP bind address ({HOST})")
    demo.add_argument("--port", type=_port, help=f"HTTP port ({PORT}; 0 = any free)")
    demo.add_argument("--no-http", action="store_true", help="do not serve /metrics")
    demo.add_argument(
        "--nats",
        metavar="URL",
        help="run as one node of a cluster on this NATS server (credentials in the URL show "
        "in ps: use a server that needs none; docs/distributed.md)",
    )
    demo.add_argument("--name", help="system name (default: demo; with --nats: hostname-pid)")
    top = sub.add_parser(
        "top",
        help="live view of a running system's actors",
        description="Reads /actors and /metrics of a running system and shows its tree.",
        epilog='An endpoint served with serve_http(auth="TOKEN") takes its bearer token from '
        f'the {TOKEN_VARIABLE} environment variable, one served with auth=("user", "pw") '
        f"its basic auth from {USER_VARIABLE} and {PASSWORD_VARIABLE} (not flags or the URL: "
        "other users of the host can read the command line). They are never printed. "
        "On a stdout that is not a terminal it prints each frame after the last, as top -b "
        "does. Exit status: 0 stopped by Ctrl-C or SIGTERM, --once printed its frame, or the "
        "reader of its output went away; 1 the endpoint or a credential variable cannot be "
        "used, or the output written; 2 bad arguments (a URL top does not take included).",
    )
    top.add_argument(
        "url",
        nargs="?",
        default="http://127.0.0.1:9464",
        help="the system's URL (default: %(default)s)",
    )
    # No argparse default: an --interval given with --once is seen, and refused (`main`).
    top.add_argument("--interval", type=_seconds, help="refresh period (1 s; not with --once)")
    top.add_argument("--once", action="store_true", help="print one frame and exit")
    journal = sub.add_parser(
        "journal",
        help="print a durable actor's events",
        description="One event a line: sequence number, commit time (UTC, ISO 8601), event "
        "(type name and fields; the event classes need not be importable here).",
        epilog="Exit status: 0 printed (nothing, for a journal with no events from --from on); "
        "1 the store cannot be read, or the output written; 2 bad arguments (a malformed store "
        "URL included, and --from past 1 on a durable state's id); 3 no events and no state "
        "under the id; 130 stopped by Ctrl-C.",
    )
    journal.add_argument(
        "store",
        help="sqlite:///relative.db, sqlite:////abs.db (a path percent-decoded: %%20 is a "
        "space, %%25 a %%), postgresql://",
    )
    journal.add_argument(
        "persistence_id",
        help="the actor's persistence id (default: its path); one that starts with '-' goes "
        "after '--': journal URL -- -id",
    )
    journal.add_argument("--from", dest="from_seq", type=_seq, default=1, help="first seq (1)")
    return parser


def _extra_missing(error: ModuleNotFoundError) -> str:
    """The install line for a module of the persistence extra; any other missing module is
    actorkit's own fault and goes on, traceback and all."""
    from ._imports import raise_extra_missing

    try:
        raise_extra_missing("journal", "persistence", error)
    except ModuleNotFoundError as named:
        if named is error:
            raise
        return str(named)


def main(argv: Sequence[str] | None = None) -> int:
    stdout_closed = _Parser.stdout_closed = plug_closed()
    args = build_parser().parse_args(argv)
    if stdout_closed:
        return fail(args.command, "cannot write the output: stdout is closed")
    escaping(sys.stdout)
    # Each command's modules load inside its Ctrl-C handling: aiohttp and rich take a third
    # of a second, when a Ctrl-C (a typo just seen) would otherwise show their import's trace.
    if args.command == "journal":
        try:
            from ._runner import run
            from .persistence._journal import print_journal

            return run(print_journal(args.store, args.persistence_id, args.from_seq))
        except KeyboardInterrupt:  # a store that does not answer may hold it for its timeout
            return fail("journal", "interrupted", INTERRUPTED)
        except ModuleNotFoundError as error:  # `pip install actorkit`: --help lists journal
            return fail("journal", _extra_missing(error))
    if args.command == "top":
        if args.once and args.interval is not None:
            return fail(
                "top",
                "--once and --interval cannot both be given: --once prints one frame and "
                "exits, so --interval would be ignored; drop --once to refresh every "
                "--interval seconds, or drop --interval",
                BAD_ARGUMENTS,
            )
        interval = 1.0 if args.interval is None else args.interval
        token, user, password = (
            os.environ.get(name) for name in (TOKEN_VARIABLE, USER_VARIABLE, PASSWORD_VARIABLE)
        )
        try:
            from ._runner import run
            from ._top import top

            return run(top(args.url, interval, args.once, None, token, user, password))
        except KeyboardInterrupt:
            return 0
    given = [flag for flag in ("host", "port") if getattr(args, flag) is not None]
    if args.no_http and given:
        flags = " and ".join(f"--{flag}" for flag in given)
        return fail(
            "demo",
            f"--no-http and {flags} cannot both be given: --no-http serves nothing, so "
            f"{flags} would be ignored; drop --no-http to serve /metrics there, or drop {flags}",
            BAD_ARGUMENTS,
        )
    try:
        from ._demo import run_demo
    except KeyboardInterrupt:  # as one while it runs: it ends with 0
        return 0
    return run_demo(
        duration=args.duration,
        host=HOST if args.host is None else args.host,
        port=None if args.no_http else PORT if args.port is None else args.port,
        nats=args.nats,
        name=args.name,
    )
