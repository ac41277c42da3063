"""`top` draws what an endpoint sends to the operator's terminal: a class, actor, state or
system name holding control characters (an escape sequence that clears the screen or sets
the window title, a bell, a newline) is shown escaped, never passed to the terminal. A Python
class may be named anything but NUL, and `top` may watch an endpoint it does not control."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console

from actorkit._top_frame import Snapshot, render

HOSTILE = "a\x1b]0;owned\x07b\x1b[2Jc\x9b31md\ne\rf\u2028g"
"""An OSC title, a bell, a CSI clear (ESC [ and the C1 CSI byte), a newline, a carriage
return and a line separator."""


def _node(**fields: Any) -> dict[str, Any]:
    node: dict[str, Any] = {
        "path": "/x", "name": "x", "class": "X", "state": "running", "mailbox_size": 0,
        "processed": 0, "restarts": 0, "failures": 0, "children": [],
    }  # fmt: skip
    node.update(fields)
    return node


def _drawn(tree: dict[str, Any]) -> str:
    out = io.StringIO()
    console = Console(file=out, width=400, force_terminal=False, color_system=None)
    console.print(render(Snapshot(tree, "", 0.0), None))
    return out.getvalue()


def test_control_characters_from_the_endpoint_are_shown_escaped() -> None:
    tree = {
        "system": f"sys{HOSTILE}",
        "healthy": True,
        "total": 1,
        "actors": [
            _node(path=f"/{HOSTILE}", name=f"n{HOSTILE}", state=f"s{HOSTILE}", **{"class": HOSTILE})
        ],
    }
    drawn = _drawn(tree)
    for control in ("\x1b", "\x07", "\x9b", "\r", "\u2028"):
        assert control not in drawn
    assert drawn.count("\n") == _drawn(_plain_tree()).count("\n")  # no line of its own
    assert "a\\x1b]0;owned\\x07b\\x1b[2Jc\\x9b31md\\ne\\rf\\u2028g" in drawn


def _plain_tree() -> dict[str, Any]:
    return {"system": "sys", "healthy": True, "total": 1, "actors": [_node()]}
