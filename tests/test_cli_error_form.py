"""Every error of every command in one form, `python -m actorkit COMMAND: error: ...`, one
line on stderr with no traceback, and its exit status by whose move it is: 2 for a command
line that cannot work as written, 1 for one that could not do its work
(docs/observability.md "Command line")."""

from __future__ import annotations

import asyncio
import errno
import io
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import actorkit
from actorkit import ActorSystem
from actorkit.persistence import SQLiteStore

from .cli_support import watched
from .processes import communicate

FORM = re.compile(r"python -m actorkit(?: (demo|top|journal))?: error: \S.*")
BAD, FAILED, NOTHING_STORED = 2, 1, 3


def run(args: list[str], cwd: Path, stdout: str | None = None, **env: str) -> tuple[int, str]:
    """The command as a user runs it: its exit status and stderr."""
    with open(stdout or os.devnull, "w") as out:
        done = subprocess.run(
            [sys.executable, "-m", "actorkit", *args],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
            cwd=cwd,
            env={**os.environ, **env},
            timeout=60,
            check=False,
        )
    return done.returncode, done.stderr


def said_once(stderr: str, command: str | None) -> str:
    """The one error line (after argparse's usage, for a flag it refuses) of `command`."""
    assert "Traceback" not in stderr
    errors = [line for line in stderr.splitlines() if ": error: " in line]
    assert len(errors) == 1, stderr
    found = FORM.fullmatch(errors[0])
    assert found is not None, errors[0]
    assert found.group(1) == command
    assert stderr.endswith(errors[0] + "\n")
    return errors[0]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


BAD_ARGUMENTS = [
    ([], None),
    (["bogus"], None),
    (["demo", "--port", "99999"], "demo"),
    (["demo", "--name", "a/b", "--no-http", "--duration", "5"], "demo"),
    (["demo", "--host", "a b", "--duration", "5"], "demo"),
    (["demo", "--nats", "", "--duration", "5"], "demo"),
    (["top", "--interval", "0"], "top"),
    (["top", "ftp://127.0.0.1:9464"], "top"),
    (["top", "http://127.0.0.1:9464/?x=1"], "top"),
    (["top", "http://user:pw@127.0.0.1:9464"], "top"),
    (["journal", "sqlite:///j.db"], "journal"),
    (["journal", "mysql://x/y", "a"], "journal"),
    (["journal", "sqlite:///j.db", "a", "--from", "0"], "journal"),
    (["journal", "sqlite:///j.db", ""], "journal"),
]


@pytest.mark.parametrize(
    ("args", "command"), BAD_ARGUMENTS, ids=[" ".join(args) or "-" for args, _ in BAD_ARGUMENTS]
)
def test_a_command_line_that_cannot_work_is_one_error_line_and_status_2(
    args: list[str], command: str | None, tmp_path: Path
) -> None:
    status, stderr = run(args, tmp_path)
    said_once(stderr, command)
    assert status == BAD
    assert not list(tmp_path.iterdir())  # nothing was made of it


def test_what_a_command_could_not_do_is_one_error_line_and_status_1(tmp_path: Path) -> None:
    port = closed_port()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = str(busy.getsockname()[1])
        failures = [
            (["demo", "--port", taken, "--duration", "5"], "demo", "the port is in use"),
            (["top", "--once", f"http://127.0.0.1:{port}"], "top", "cannot connect"),
            (["journal", "sqlite:///absent.db", "a"], "journal", "no SQLite store at absent.db"),
            (["journal", "sqlite:///a  b.db", "a"], "journal", "store at a  b.db"),  # as named
        ]
        for args, command, why in failures:
            status, stderr = run(args, tmp_path)
            assert why in said_once(stderr, command)
            assert status == FAILED
    status, stderr = run(["top", "--once"], tmp_path, ACTORKIT_HTTP_TOKEN="a\nb")
    assert "ACTORKIT_HTTP_TOKEN" in said_once(stderr, "top")
    assert status == FAILED


def test_a_journal_with_nothing_under_the_id_says_so_in_the_same_form(tmp_path: Path) -> None:
    async def make() -> None:
        async with SQLiteStore(str(tmp_path / "j.db")):
            pass

    actorkit.run(make())
    status, stderr = run(["journal", "sqlite:///j.db", "/nobody"], tmp_path)
    assert "holds no events and no state under '/nobody'" in said_once(stderr, "journal")
    assert status == NOTHING_STORED


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_output_that_cannot_be_written_is_one_error_line_and_status_1(tmp_path: Path) -> None:
    """A full disk under `> file`: one line, not the traceback of a failed `print`."""
    status, stderr = run(["demo", "--no-http", "--duration", "5"], tmp_path, "/dev/full")
    assert "cannot write the output: No space left on device" in said_once(stderr, "demo")
    assert status == FAILED


async def test_top_once_whose_reader_has_gone_exits_0_as_demo_and_journal_do() -> None:
    """rich ended it with `SystemExit(1)` and no word said (`top --once | head -1`)."""
    async with ActorSystem() as system:
        server = await system.serve_http(port=0)
        read, write = os.pipe()
        os.close(read)  # gone before the frame is written
        try:
            command = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "actorkit", "top", "--once", server.url,
                stdout=write, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
        finally:
            os.close(write)
        _, stderr = await communicate(command)
        assert (command.returncode, stderr) == (0, b"")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
async def test_a_live_view_that_cannot_be_written_is_one_error_line_and_status_1() -> None:
    """`top URL > /dev/full`: not a terminal, so its first frame is printed at once and fails
    there, one line and no traceback, with no signal needed to end it."""
    tree = {"system": "watched", "healthy": True, "total": 0, "actors": []}
    async with watched(tree) as (url, _):
        full = os.open("/dev/full", os.O_WRONLY)
        try:
            command = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "actorkit", "top", url, "--interval", "0.05",
                stdout=full, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
        finally:
            os.close(full)
        _, stderr = await communicate(command)
    said = said_once(stderr.decode(), "top")
    assert "cannot write the output: No space left on device" in said
    assert command.returncode == FAILED


class FillsUp(io.StringIO):
    """A stdout on a disk with room for `room` characters."""

    def __init__(self, room: int) -> None:
        super().__init__()
        self.room = room

    def write(self, text: str) -> int:
        if self.tell() + len(text) > self.room:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return super().write(text)


def test_a_demo_whose_disk_fills_while_it_runs_says_so_once_and_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The first status line, a second in, is the first write that fails."""
    from actorkit._demo import run_demo

    out = FillsUp(room=100)
    monkeypatch.setattr(sys, "stdout", out)
    assert run_demo(duration=30, host="127.0.0.1", port=None) == FAILED
    assert out.getvalue() == "actorkit demo running: Ctrl-C stops it\n"
    said = said_once(capsys.readouterr().err, "demo")
    assert said.endswith("cannot write the output: No space left on device")
