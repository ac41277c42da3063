"""The time bounds the shutdown tests hold a shutdown to."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

import actorkit

BOUND = 5.0
"""Half the default shutdown timeout: a shutdown still waiting on the default fails here."""

SLACK = 3.0
"""Seconds a shutdown may take beyond its timeout and the forced stop's grace on a loaded
2-core machine. Generous, yet `timeout + FORCED_STOP_GRACE + SLACK` stays under `BOUND` for
any timeout under a second: such a bound still fails a shutdown that waits on a longer
timeout (the default, or the 60 s of an earlier call) instead of its own."""

SHORT_GRACE = 0.1
"""The forced stop's grace (`FORCED_STOP_GRACE`, 1 s) for tests that wait it out without
measuring it: an `on_stop` that never returns is cut short at the grace, whatever its
length, and the test then checks what came after."""


GRACE_READERS = ("actorkit._outside_stop", "actorkit._cut")
"""The modules whose code reads `FORCED_STOP_GRACE` (a re-export alone does not read it)."""


@functools.cache
def grace_readers() -> frozenset[str]:
    """The package's modules whose code reads `FORCED_STOP_GRACE`, found in their source: a
    reader left out of `GRACE_READERS` would wait the real grace, and a test could pass for
    the wrong reason."""
    found = set()
    for path in Path(actorkit.__file__).parent.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        if "FORCED_STOP_GRACE" not in source:
            continue
        if any(map(_reads_the_grace, ast.walk(ast.parse(source)))):
            parts = path.relative_to(Path(actorkit.__file__).parent.parent).with_suffix("").parts
            found.add(".".join(parts))
    return frozenset(found)


def _reads_the_grace(node: ast.AST) -> bool:
    """A use of the name, or an import of it under another name (then read as that)."""
    if isinstance(node, ast.Name):
        return node.id == "FORCED_STOP_GRACE"
    if isinstance(node, ast.alias):
        return node.name == "FORCED_STOP_GRACE" and node.asname not in (None, node.name)
    return False


def shorten_grace(monkeypatch: pytest.MonkeyPatch, seconds: float = SHORT_GRACE) -> None:
    """The forced stop's grace set to `seconds` wherever the runtime reads it."""
    readers = grace_readers()
    assert readers == set(GRACE_READERS), f"FORCED_STOP_GRACE is read in {sorted(readers)}"
    for module in GRACE_READERS:
        monkeypatch.setattr(f"{module}.FORCED_STOP_GRACE", seconds)
