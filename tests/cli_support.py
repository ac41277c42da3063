"""The command line run as a user would, in a subprocess, for the tests of several commands."""

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
