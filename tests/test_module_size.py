"""Each module keeps to one job, at most 300 lines (docs/architecture.md): past it, a module
is doing two things and wants splitting. That holds for the package and for the tests, the
benchmarks and the examples beside it alike."""

from __future__ import annotations

from pathlib import Path

import pytest

LIMIT = 300
REPOSITORY = Path(__file__).resolve().parent.parent


def over_the_limit(root: Path) -> dict[str, int]:
    """Each .py under `root` longer than LIMIT lines, by its path from the repository, with
    its line count."""
    return {
        str(path.relative_to(REPOSITORY)): lines
        for path in sorted(root.rglob("*.py"))
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > LIMIT
    }


@pytest.mark.parametrize("folder", ["actorkit", "tests", "benchmarks", "examples"])
def test_every_module_is_at_most_300_lines(folder: str) -> None:
    root = REPOSITORY / folder
    assert root.is_dir(), f"{root} is missing: the check would pass over nothing"
    over = over_the_limit(root)
    listed = "\n".join(f"  {path}: {lines} lines" for path, lines in over.items())
    assert not over, f"modules over {LIMIT} lines, split each by what it does:\n{listed}"
