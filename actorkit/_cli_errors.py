"""How every command of `python -m actorkit` ends on an error: one line on stderr,
`python -m actorkit COMMAND: error: ...`, the form argparse gives the flags it refuses, so
that a person or a script reads one form whichever command or check found the problem.

The exit status says whose move it is: `BAD_ARGUMENTS` (2) for a command line that cannot
work as written, whichever check finds it (argparse's or the command's own, before anything
outside the process is touched, but for `journal --from` on a durable state's id, which only
the store tells), `FAILED` (1) for one that is well formed but could not do
its work (nothing listening, a port in use, a missing store, an unwritable stdout, a
credential variable refused). `journal` adds 3 (nothing stored under the id) and 130
(Ctrl-C before it printed)."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import IO

PROG = "python -m actorkit"
FAILED = 1
BAD_ARGUMENTS = 2


class CommandError(Exception):
    """What a command says as it exits with `status`: one line, no traceback."""

    def __init__(self, message: str, status: int = FAILED) -> None:
        super().__init__(message)
        self.status = status


def one_line(text: str) -> str:
    """`text` on one line: a newline or control character in an error (a server's answer, a
    user's name) would forge lines of its own, or move a terminal's cursor. Each line's
    indent goes; the spaces inside a line stay (a path may hold two)."""
    lines = (line.strip() for line in text.splitlines())
    return "".join(c if c.isprintable() else " " for c in " ".join(filter(None, lines)))


def fail(command: str, message: str, status: int = FAILED) -> int:
    """Say `message` in the one form (`command` empty: `python -m actorkit: error: ...`, as
    argparse says it before a command); returns `status`, the command's exit status. Plain
    `print`, never rich: it wraps at the terminal's width and reads `[...]` as markup."""
    if sys.stderr is None:  # closed at start: `print` would write to stdout instead
        return status
    where = f"{PROG} {command}" if command else PROG
    with contextlib.suppress(OSError):  # stderr gone too: the status still tells
        print(f"{where}: error: {one_line(message)}", file=sys.stderr, flush=True)
    return status


def escaping(out: IO[str]) -> None:
    """`out` writes a character its encoding lacks escaped (`\\xe9`), as stderr does: what a
    command prints is the user's text (an event, an actor's name), any character may be in
    it, and an ASCII or Latin-1 stdout would fail the command on one with a traceback."""
    reconfigure = getattr(out, "reconfigure", None)  # not a text file: a test's StringIO
    if reconfigure is not None:
        with contextlib.suppress(ValueError):  # closed: its first write says so
            reconfigure(errors="backslashreplace")


def plug_closed() -> bool:
    """Give each standard descriptor closed at start (`>&-`) the null device, and say whether
    stdout was one of them. Left closed, the next file the command opens takes its number:
    the event loop's own, which uvloop aborts the process on closing (a descriptor below 3),
    or a store's file, which a print would then write into."""
    stdout_closed = False
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)  # the lowest free number: `fd` or below
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
            stdout_closed = stdout_closed or fd == 1
    return stdout_closed


def silenced(out: IO[str]) -> None:
    """`out` goes to the null device from now on: what is still buffered, flushed at exit,
    must not fail again with a traceback once its reader went away or its disk filled."""
    with contextlib.suppress(OSError, ValueError):  # not a file (a test's StringIO)
        os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())


def unwritable(out: IO[str], error: OSError) -> CommandError:
    """The error for output that cannot be written (a full disk, `> /dev/full`)."""
    silenced(out)
    return CommandError(f"cannot write the output: {error.strerror or error}")
