"""Errors in the words of whoever reads them: the command line's options on the command line,
plain grammar in a test's failure."""

from __future__ import annotations

import socket

import pytest

from actorkit._demo import run_demo


def test_the_demo_on_a_busy_port_advises_its_own_option(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        assert run_demo(1, "127.0.0.1", busy.getsockname()[1]) == 1
    said = capsys.readouterr().err
    assert "the port is in use: pass --port 0 for a free port" in said
    assert "port=0" not in said
