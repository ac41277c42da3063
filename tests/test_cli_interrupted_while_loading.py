"""Ctrl-C while a command is still loading its modules (aiohttp and rich for `top`, the store
drivers for `journal`: a third of a second, when one has just seen a typo in the command
line) ends it as a Ctrl-C a moment later does (docs/observability.md, "Command-line errors"):
`top` and `demo` with 0 and nothing printed, `journal` with its one line and 130. Before, it
was a traceback of the import under way and Python's death by SIGINT. The interrupt is raised
here at that import, as the signal would raise it, in a process of its own."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .cli_support import JOURNAL_ERROR

INTERRUPTED_AT = """
import sys

class Interrupting:
    def find_spec(self, name, path=None, target=None):
        if name == {module!r}:
            raise KeyboardInterrupt
        return None

sys.meta_path.insert(0, Interrupting())
from actorkit._cli import main
raise SystemExit(main({argv!r}))
"""


def interrupted_at(module: str, *argv: str) -> subprocess.CompletedProcess[str]:
    script = INTERRUPTED_AT.format(module=module, argv=list(argv))
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=False
    )


@pytest.mark.parametrize(
    ("module", "argv"),
    [
        ("actorkit._top", ["top", "http://127.0.0.1:1"]),
        ("aiohttp", ["top", "http://127.0.0.1:1", "--once"]),
        ("actorkit._demo", ["demo", "--port", "0"]),
    ],
)
def test_ctrl_c_while_top_or_demo_loads_ends_it_quietly(module: str, argv: list[str]) -> None:
    ended = interrupted_at(module, *argv)
    assert (ended.returncode, ended.stdout, ended.stderr) == (0, "", "")


def test_ctrl_c_while_journal_loads_is_its_one_line() -> None:
    ended = interrupted_at("actorkit.persistence._journal", "journal", "sqlite:///x.db", "/a")
    assert (ended.returncode, ended.stdout) == (130, "")
    assert ended.stderr == f"{JOURNAL_ERROR}interrupted\n"
