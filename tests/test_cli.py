"""The command line, run as a user would: in a subprocess."""

from __future__ import annotations

import subprocess
import sys


def run_cli(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "actorkit", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_help_lists_commands() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    assert "demo" in result.stdout


def test_bad_flags_give_argparse_errors() -> None:
    result = run_cli("demo", "--duration", "soon")
    assert result.returncode == 2
    assert "expected seconds" in result.stderr
    assert run_cli("nonsense").returncode == 2


def test_demo_runs_and_exits_cleanly_with_a_summary() -> None:
    result = run_cli("demo", "--duration", "1.5")
    assert result.returncode == 0, result.stderr
    assert "summary:" in result.stdout
    assert "restarts" in result.stdout
    assert "Traceback" not in result.stderr
