"""`--help` whose output cannot be written fails as the commands' own output does: argparse
swallows the write's error and exits 0, or leaves it buffered for the interpreter's exit to
report as `Exception ignored` and status 120. A reader that goes away is still no error."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

HELPS = [("--help",), ("top", "--help"), ("demo", "-h"), ("journal", "--help")]
BUFFERING = [{"PYTHONUNBUFFERED": "1"}, {}]


def helped(args: tuple[str, ...], stdout: int, unbuffered: dict[str, str]) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"} | unbuffered
    done = subprocess.run(
        [sys.executable, "-m", "actorkit", *args],
        stdout=stdout, stderr=subprocess.PIPE, env=env, timeout=30, check=False,
    )  # fmt: skip
    return done.returncode, done.stderr.decode()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("unbuffered", BUFFERING, ids=["unbuffered", "buffered"])
@pytest.mark.parametrize("args", HELPS, ids=" ".join)
def test_help_on_a_full_disk_is_one_error_line_and_status_1(
    args: tuple[str, ...], unbuffered: dict[str, str]
) -> None:
    full = os.open("/dev/full", os.O_WRONLY)
    try:
        status, said = helped(args, full, unbuffered)
    finally:
        os.close(full)
    prog = " ".join(["python -m actorkit", *args[:-1]])
    assert (status, said) == (
        1,
        f"{prog}: error: cannot write the output: No space left on device\n",
    )


@pytest.mark.parametrize("unbuffered", BUFFERING, ids=["unbuffered", "buffered"])
@pytest.mark.parametrize("args", HELPS[:2], ids=" ".join)
def test_help_whose_reader_is_gone_exits_0(
    args: tuple[str, ...], unbuffered: dict[str, str]
) -> None:
    """`--help | true`."""
    read, write = os.pipe()
    os.close(read)
    try:
        status, said = helped(args, write, unbuffered)
    finally:
        os.close(write)
    assert (status, said) == (0, "")
