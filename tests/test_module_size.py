"""Each module of the package keeps to one job, at most 300 lines (docs/architecture.md):
past it, a module is doing two things and wants splitting."""

from __future__ import annotations

from pathlib import Path

import actorkit

LIMIT = 300


def test_every_module_of_the_package_is_at_most_300_lines() -> None:
    root = Path(actorkit.__file__).parent
    over = {
        str(path.relative_to(root)): lines
        for path in sorted(root.rglob("*.py"))
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > LIMIT
    }
    assert not over, f"modules over {LIMIT} lines, split each by what it does: {over}"
