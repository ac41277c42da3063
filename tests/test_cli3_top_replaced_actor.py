"""`top` on a system whose actors come and go under the same names: a new actor at a stopped
one's path counts from zero, and its first frame has no rate, not the difference of two
actors' counts, whenever its counts show it is another actor."""

from __future__ import annotations

import io
from typing import Any

import pytest
from rich.console import Console

from actorkit._top_frame import Snapshot, render


def _tree(processed: int, restarts: int, failures: int) -> dict[str, Any]:
    node = {
        "path": "/job", "name": "job", "class": "Job", "state": "running", "mailbox_size": 0,
        "processed": processed, "restarts": restarts, "failures": failures, "children": [],
    }  # fmt: skip
    return {"system": "churn", "healthy": True, "total": 1, "actors": [node]}


def _rate(before: dict[str, Any], now: dict[str, Any]) -> str:
    console = Console(record=True, width=200, file=io.StringIO())
    console.print(render(Snapshot(now, "", 1.0), Snapshot(before, "", 0.0)))
    [row] = [line for line in console.export_text().splitlines() if "job" in line]
    return row.split("│")[6].strip()


@pytest.mark.parametrize(
    ("before", "now"),
    [
        (_tree(5, 1, 1), _tree(7, 0, 0)),  # it had restarted; the new one has not
        (_tree(5, 0, 2), _tree(9, 0, 0)),  # it had failed (and stopped, as told)
        (_tree(5, 0, 0), _tree(2, 0, 0)),  # fewer handled than the old one had
    ],
)
def test_a_new_actor_at_a_stopped_one_s_path_has_no_rate_yet(
    before: dict[str, Any], now: dict[str, Any]
) -> None:
    assert _rate(before, now) == ""


def test_the_same_actor_has_its_rate() -> None:
    assert _rate(_tree(5, 1, 1), _tree(9, 2, 2)) == "4"
