"""The README's examples run as printed: the first one as a script, the testing one as a test
in a user's own project (pytest-asyncio at its defaults, none of actorkit's configuration)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def python_block(after: str = "") -> str:
    text = README.read_text()
    block = re.search(r"```python\n(.*?)```", text[text.index(after) :], re.S)
    assert block is not None
    return block.group(1)


def test_first_example_prints_fifteen() -> None:
    result = subprocess.run(
        [sys.executable, "-c", python_block()],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "15"


def test_testing_example_passes_in_a_project_of_its_own(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")  # strict mode: only marked tests run
    (tmp_path / "test_user.py").write_text(python_block("## Testing your actors"))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_user.py"],
        cwd=tmp_path,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")},
            "PYTHONPATH": str(ROOT),
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout, result.stdout
