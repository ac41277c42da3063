"""`top` live on a stdout that is not a terminal prints each frame after the last, as `top -b`
does: rich's live view would write nothing there until it stopped, so `top URL | head -5`
would never end and `top URL > file` would stay empty. A terminal keeps the live view.

Each frame is flushed before the next poll begins: once the stand-in endpoint has seen its
third poll, the first two frames are in the pipe or the file, with no wait."""

from __future__ import annotations

import asyncio
import os
import pty
import signal
import subprocess
import sys
import tempfile

from .cli_support import ONE_ACTOR, watched

HEADER = b"watched  healthy"
"""How each frame of the `ONE_ACTOR` system begins."""


def start_top(url: str, stdout: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "actorkit", "top", url, "--interval", "0.05"],
        stdout=stdout, stderr=subprocess.PIPE,
    )  # fmt: skip


async def ended(top: subprocess.Popen[bytes]) -> tuple[int, bytes]:
    """Its exit status and stderr, within 30 s (in a thread: the endpoint must go on)."""
    try:
        _, err = await asyncio.to_thread(top.communicate, timeout=30)
    except subprocess.TimeoutExpired:
        top.kill()
        _, err = top.communicate()
    return top.returncode, err


async def test_top_into_a_pipe_prints_frames_and_exits_0_once_its_reader_goes() -> None:
    """`top URL | head -5`."""
    read, write = os.pipe()
    async with watched(ONE_ACTOR) as (url, watching):
        try:
            top = start_top(url, write)
        finally:
            os.close(write)
        try:
            async with asyncio.timeout(30):
                await watching.wait()
            os.set_blocking(read, False)
            try:
                out = os.read(read, 1 << 16)
            except BlockingIOError:
                out = b""
        finally:
            os.close(read)  # what head does once it has its lines
        status, err = await ended(top)
    assert out.count(HEADER) >= 2 and b"One" in out, out.decode()
    assert (status, err) == (0, b""), err.decode()


async def test_top_into_a_file_accumulates_frames_until_sigterm() -> None:
    """`top URL > file`."""
    with tempfile.TemporaryFile() as file:
        async with watched(ONE_ACTOR) as (url, watching):
            top = start_top(url, file.fileno())
            try:
                async with asyncio.timeout(30):
                    await watching.wait()
                file.seek(0)
                seen = file.read()
            finally:
                top.send_signal(signal.SIGTERM)
            status, err = await ended(top)
        file.seek(0)
        out = file.read()
    assert seen.count(HEADER) >= 2, seen.decode()
    assert out.startswith(seen), out.decode()  # the frames printed stay; none is redrawn
    assert b"\x1b[" not in out  # plain text: no cursor moves, no colours
    assert (status, err) == (0, b""), err.decode()


async def test_top_on_a_terminal_keeps_the_live_view() -> None:
    """The live view hides the cursor while it redraws, and shows it again as it stops."""
    leader, follower = pty.openpty()
    async with watched(ONE_ACTOR) as (url, watching):
        try:
            top = start_top(url, follower)
        finally:
            os.close(follower)
        try:
            async with asyncio.timeout(30):
                await watching.wait()
        finally:
            top.send_signal(signal.SIGTERM)
        status, err = await ended(top)
    out = bytearray()
    try:
        while chunk := os.read(leader, 1 << 16):
            out += chunk
    except OSError:  # EIO: the terminal's other side is closed and all of it read
        pass
    finally:
        os.close(leader)
    assert b"\x1b[?25l" in out and out.rstrip().endswith(b"\x1b[?25h"), bytes(out)
    assert (status, err) == (0, b""), err.decode()
