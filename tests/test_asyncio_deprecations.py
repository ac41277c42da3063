"""No code of the project's own calls an asyncio API that Python 3.14 deprecates or removes.

The suite runs on 3.11, where these calls are silent: `filterwarnings = error` cannot catch
them until the interpreter that warns is the one running the tests, and then a tool that is
not under test (a benchmark's child process) would break first for its users. So the source
is read instead, every Python file of the package, its benchmarks, examples and tests."""

from __future__ import annotations

import ast
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TREES = ("actorkit", "benchmarks", "examples", "tests")

# Deprecated in 3.14 (removed in 3.16) or removed in 3.14; `get_event_loop` raises there when
# no loop runs, where `get_running_loop` says what is meant.
DEPRECATED = frozenset(
    {
        "iscoroutinefunction",
        "get_event_loop",
        "get_event_loop_policy",
        "set_event_loop_policy",
        "AbstractEventLoopPolicy",
        "DefaultEventLoopPolicy",
        "WindowsSelectorEventLoopPolicy",
        "WindowsProactorEventLoopPolicy",
        "get_child_watcher",
        "set_child_watcher",
        "AbstractChildWatcher",
        "SafeChildWatcher",
        "FastChildWatcher",
        "ThreadedChildWatcher",
        "PidfdChildWatcher",
        "MultiLoopChildWatcher",
    }
)


def deprecated_uses(source: str) -> list[tuple[int, str]]:
    """(line, name) of each `asyncio.<name>` and `from asyncio import <name>` in `source`."""
    # No use without the name in the text (as the parser reads identifiers: NFKC), and few
    # files hold one: parsing only those takes the check from seconds to a tenth of one
    text = unicodedata.normalize("NFKC", source)
    if not any(name in text for name in DEPRECATED):
        return []
    found = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "asyncio"
            and node.attr in DEPRECATED
        ):
            found.append((node.lineno, node.attr))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("asyncio"):
            found += [(node.lineno, a.name) for a in node.names if a.name in DEPRECATED]
    return found


def test_the_check_finds_both_spellings() -> None:
    source = "import asyncio\nfrom asyncio import get_event_loop\nasyncio.iscoroutinefunction(f)\n"
    assert sorted(deprecated_uses(source)) == [(2, "get_event_loop"), (3, "iscoroutinefunction")]
    assert deprecated_uses("import inspect\ninspect.iscoroutinefunction(f)\n") == []
    assert deprecated_uses("import asyncio\nasyncio.\uff47et_event_loop()\n") == [
        (2, "get_event_loop")
    ]


def test_no_project_code_uses_an_asyncio_api_that_3_14_deprecates() -> None:
    uses = [
        f"{path.relative_to(ROOT)}:{line}: asyncio.{name}"
        for tree in TREES
        for path in sorted((ROOT / tree).rglob("*.py"))
        for line, name in deprecated_uses(path.read_text(encoding="utf-8"))
    ]
    assert uses == []
