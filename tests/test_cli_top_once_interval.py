"""`python -m actorkit top --once --interval X`: flags that cannot both hold (print one frame
and exit, and refresh every X seconds). `--interval` was ignored without a word; it is
refused now as a command line that cannot work as written (2), one line naming both, before
any request, as `demo --no-http --port` is (tests/test_optshunt_demo_flags.py)."""

from __future__ import annotations

import pytest

from actorkit._cli import main

from .cli_support import TOP_ERROR

NOTHING_LISTENS = "http://127.0.0.1:1"
"""Read, this would exit 1 (nothing to reach): the refusal comes before any request."""


@pytest.mark.parametrize("interval", ["5", "1", "0.5"])
def test_once_with_an_interval_is_refused_naming_both(
    interval: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`1`, top's own default, too: given, it was asked for."""
    assert main(["top", NOTHING_LISTENS, "--once", "--interval", interval]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    [line] = err.splitlines()
    assert line.startswith(TOP_ERROR)
    assert "--once and --interval cannot both be given" in line
    assert "drop --once" in line
    assert "drop --interval" in line


def test_once_alone_still_reads_the_endpoint(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["top", NOTHING_LISTENS, "--once"]) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(TOP_ERROR)
    assert "cannot both be given" not in line
