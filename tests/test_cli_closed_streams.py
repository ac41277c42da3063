"""A command started with one of its standard streams closed (`>&-`, `2>&-`, `<&-`) ends with
its status and, where it still can, its one error line: the event loop would otherwise take
the free descriptor for one of its own, and uvloop aborts the process (status 134) when it
closes a descriptor below 3; and an error printed with no stderr went to stdout."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

MISSING = "sqlite:////nonexistent-actorkit-dir/none.db"
"""A store URL that fails on every machine: the journal command exits 1 after its loop ran."""


def closed(fd: int, *args: str) -> subprocess.CompletedProcess[bytes]:
    """`python -m actorkit ARGS` with descriptor `fd` closed, the other two captured."""
    keep = {0: subprocess.DEVNULL, 1: subprocess.PIPE, 2: subprocess.PIPE}
    return subprocess.run(
        [sys.executable, "-m", "actorkit", *args],
        stdin=keep[0], stdout=keep[1], stderr=keep[2],
        preexec_fn=lambda: os.close(fd), timeout=30, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    "args",
    [("journal", MISSING, "id"), ("top", "http://127.0.0.1:1", "--once")],
    ids=["journal", "top"],
)
def test_a_closed_stdout_is_output_that_cannot_be_written(args: tuple[str, ...]) -> None:
    done = closed(1, *args)
    said = done.stderr.decode()
    assert done.returncode == 1, said
    command = args[0]
    assert (
        said == f"python -m actorkit {command}: error: cannot write the output: stdout is closed\n"
    )


def test_a_closed_stderr_leaves_the_status_and_stdout_clean() -> None:
    done = closed(2, "journal", MISSING, "id")
    assert (done.returncode, done.stdout) == (1, b"")


def test_a_closed_stdin_changes_nothing() -> None:
    done = closed(0, "journal", MISSING, "id")
    said = done.stderr.decode()
    assert done.returncode == 1, said
    assert said.startswith("python -m actorkit journal: error: no SQLite store at ")


@pytest.mark.parametrize("args", [("--help",), ("top", "--help")], ids=" ".join)
def test_help_into_a_closed_stdout_is_output_that_cannot_be_written(args: tuple[str, ...]) -> None:
    done = closed(1, *args)
    prog = " ".join(["python -m actorkit", *args[:-1]])
    said = f"{prog}: error: cannot write the output: stdout is closed\n"
    assert (done.returncode, done.stderr.decode()) == (1, said)
