"""An argument a command does not take (`top URL extra`) is that command's error, in the form
every command's errors have: its own usage, then `python -m actorkit COMMAND: error: ...`,
not the top-level usage and `python -m actorkit: error:`, which is for no command named."""

from __future__ import annotations

import pytest

from actorkit._cli import build_parser


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> list[str]:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(argv)
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    return captured.err.splitlines()


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["top", "http://127.0.0.1:9464", "extra"], "top"),
        (["demo", "extra", "--duration", "1"], "demo"),
        (["journal", "sqlite:///x.db", "/acct-42", "extra"], "journal"),
    ],
)
def test_an_argument_a_command_does_not_take_is_that_command_s_error(
    argv: list[str], command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = _refused(argv, capsys)
    assert lines[0].startswith(f"usage: python -m actorkit {command} ")
    assert lines[-1] == f"python -m actorkit {command}: error: unrecognized arguments: extra"


def test_an_option_after_dashes_says_options_go_before_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The way the error for an id that starts with '-' gives (`journal URL -- -id`): an
    option added after it is read as a positional, as after any '--'."""
    lines = _refused(["journal", "sqlite:///x.db", "--", "-id", "--from", "2"], capsys)
    assert lines[-1] == (
        "python -m actorkit journal: error: unrecognized arguments: --from 2 (each argument "
        "after '--' is read as a positional one: put options before '--')"
    )
    assert build_parser().parse_args(["journal", "sqlite:///x.db", "--from", "2", "--", "-id"])
