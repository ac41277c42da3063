"""`python -m actorkit demo --no-http` with `--host` or `--port`: flags that cannot both hold
(serve nothing, and serve there). Refused as a command line that cannot work as written (2),
one line naming both, before anything runs; `--no-http` alone, and either flag alone, run as
before (tests/test_cli_demo.py)."""

from __future__ import annotations

import pytest

from actorkit._cli import main

from .cli_support import DEMO_ERROR


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--port", "9000"], "--port"),
        (["--port", "0"], "--port"),
        (["--host", "127.0.0.1"], "--host"),
        (["--host", "a b"], "--host"),  # unchecked before: no HTTP, so no check of the host
        (["--host", "::1", "--port", "0"], "--host and --port"),
    ],
)
def test_no_http_with_a_host_or_port_is_refused_naming_both(
    flags: list[str], named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: the demo ran for its duration without HTTP, `--host`/`--port` ignored."""
    assert main(["demo", "--duration", "0.01", "--no-http", *flags]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    [line] = err.splitlines()
    assert line.startswith(DEMO_ERROR)
    assert f"--no-http and {named} cannot both be given" in line
    assert "drop --no-http" in line
