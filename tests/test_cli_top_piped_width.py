"""`python -m actorkit top` on a stdout that is not a terminal (`top URL | less -S`, `top URL >
file`): each frame's header and rows are whole lines, however wide. rich draws a frame at 80
columns where there is no terminal to measure, and the header (wider than that with any
counts) and the rows of long names wrapped in the middle, which a pager's horizontal scroll,
`grep` or `cut` on the file could not put back together."""

from __future__ import annotations

import asyncio
import signal
import sys
from typing import Any

import pytest

from .cli_support import signalled, watched
from .processes import communicate

NAME, CLASS = "n" * 60, "C" * 40

WIDE: dict[str, Any] = {"system": "wide-system", "healthy": True, "total": 1, "actors": [{
    "path": f"/{NAME}", "name": NAME, "class": CLASS, "state": "running", "mailbox_size": 0,
    "processed": 7, "restarts": 0, "failures": 3, "children": [],
}]}  # fmt: skip
"""An `/actors` answer whose one row is wider than 80 columns."""


def assert_whole(frames: str) -> None:
    lines = frames.splitlines()
    headers = [line for line in lines if "wide-system" in line]
    rows = [line for line in lines if NAME in line]
    assert headers, frames
    assert len(rows) == len(headers), frames
    for header in headers:
        assert "mean loop lag" in header, frames
    for row in rows:
        assert CLASS in row, frames
        assert row.split("│")[-2].strip() == "3", frames  # the last column, failures


@pytest.fixture(autouse=True)
def no_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    """rich takes COLUMNS as the width where it is set: a user's pipe has none."""
    monkeypatch.delenv("COLUMNS", raising=False)


async def test_one_frame_printed_to_a_pipe_keeps_its_lines_whole() -> None:
    async with watched(WIDE) as (url, _):
        top = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "actorkit", "top", url, "--once",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await communicate(top)
    assert top.returncode == 0, err.decode()
    assert_whole(out.decode())


async def test_the_frames_of_a_watch_printed_to_a_pipe_keep_their_lines_whole() -> None:
    async with watched(WIDE) as (url, third):
        status, out, err = await signalled(
            ["top", url, "--interval", "0.05"], third, signal.SIGTERM
        )
    assert status == 0, err.decode()
    assert_whole(out.decode())
