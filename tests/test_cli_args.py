"""The command line's help and flags: argparse errors, and seconds the library refuses."""

from __future__ import annotations

import pytest

from actorkit._cli import build_parser

from .cli_support import run_cli


def test_help_lists_commands() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    assert "demo" in result.stdout
    assert "top" in result.stdout


def test_bad_flags_give_argparse_errors() -> None:
    result = run_cli("demo", "--duration", "soon")
    assert result.returncode == 2
    assert "expected seconds" in result.stderr
    assert run_cli("demo", "--port", "99999").returncode == 2
    assert run_cli("nonsense").returncode == 2


@pytest.mark.parametrize(
    "argv",
    [
        ["demo", "--duration", "inf"],
        ["demo", "--duration", "1e300"],
        ["top", "--interval", "inf"],
        ["top", "--interval", "nan"],
    ],
)
def test_seconds_flags_refuse_what_the_library_refuses(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(argv)
    assert exited.value.code == 2
    assert "must be > 0 seconds and finite" in capsys.readouterr().err


def test_top_help_states_the_default_url() -> None:
    result = run_cli("top", "--help")
    assert result.returncode == 0
    assert "(default: http://127.0.0.1:9464)" in result.stdout


def test_a_bad_top_flag_is_an_argparse_error_on_stderr() -> None:
    result = run_cli("top", "--interval", "0", "--once")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.splitlines()[-1].startswith(
        "python -m actorkit top: error: argument --interval: the value must be > 0 seconds"
    )


def test_the_port_flag_takes_every_port_and_no_other(capsys: pytest.CaptureFixture[str]) -> None:
    for port in (0, 65535):
        assert build_parser().parse_args(["demo", "--port", str(port)]).port == port
    for outside in ("-1", "65536"):
        with pytest.raises(SystemExit):
            build_parser().parse_args(["demo", "--port", outside])
        assert "port must be 0..65535" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        build_parser().parse_args(["demo", "--port", "http"])
    assert "argument --port: expected a port number, got 'http'" in capsys.readouterr().err
