"""What a `top` frame shows, checked cell by cell: health, states, rates, the rows it holds
back and the depth of each name (mutants of `_top_frame.render` and its header survived)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from rich.console import Console
from rich.table import Table

from actorkit._top_frame import NotAnEndpoint, Snapshot, render


def node(name: str, processed: int = 0, state: str = "running", **more: Any) -> dict[str, Any]:
    return {
        "path": f"/{name}", "name": name, "class": "Job", "state": state, "mailbox_size": 0,
        "processed": processed, "restarts": 0, "failures": 0, "children": [], **more,
    }  # fmt: skip


def snapshot(*actors: dict[str, Any], taken: float = 0.0, **tree: Any) -> Snapshot:
    body = {"system": "watched", "healthy": True, "total": len(actors), "actors": list(actors)}
    return Snapshot({**body, **tree}, "", taken)


def shown(now: Snapshot, before: Snapshot | None = None, limit: int = 40) -> list[str]:
    console = Console(record=True, width=200, file=io.StringIO())
    console.print(render(now, before, limit))
    return console.export_text().splitlines()


def cells(now: Snapshot, before: Snapshot | None = None, limit: int = 40) -> list[list[Any]]:
    table = render(now, before, limit).renderables[1]
    assert isinstance(table, Table)
    return [list(row) for row in zip(*(column.cells for column in table.columns), strict=True)]


def test_an_unhealthy_system_says_so_in_the_header() -> None:
    assert "healthy" in shown(snapshot(node("a")))[0]
    assert "UNHEALTHY" not in shown(snapshot(node("a")))[0]
    assert "UNHEALTHY" in shown(snapshot(node("a"), healthy=False))[0]


def test_the_header_names_the_system_it_reads() -> None:
    assert shown(snapshot(node("a"), system="payments"))[0].startswith("payments ")


def test_each_state_has_its_colour() -> None:
    rows = cells(snapshot(node("a"), node("b", state="stopping"), node("c", state="stopped")))
    assert [(str(row[2]), row[2].style) for row in rows] == [
        ("running", "green"),
        ("stopping", "yellow"),
        ("stopped", "red"),
    ]


def test_the_rate_is_messages_since_the_last_frame_per_second() -> None:
    before = snapshot(node("a", 10), node("b", 5), taken=1.0)
    now = snapshot(node("a", 30), node("b", 5), node("c", 9), taken=3.0)
    rates = [row[5] for row in cells(now, before)]
    assert rates == ["10", "0", ""]  # an idle actor's 0 is a rate; a new one has none yet
    assert [row[5] for row in cells(now, None)] == ["", "", ""]  # the first frame has none


def test_rows_past_the_limit_or_held_back_by_the_endpoint_end_in_an_ellipsis() -> None:
    three = [node("a"), node("b"), node("c")]
    assert [str(row[0]) for row in cells(snapshot(*three), limit=3)] == ["a", "b", "c"]
    assert [str(row[0]) for row in cells(snapshot(*three), limit=2)] == ["a", "b", "…"]
    held_back = snapshot(node("a"), truncated=True)
    assert [str(row[0]) for row in cells(held_back)] == ["a", "…"]


def test_a_child_is_indented_under_its_parent() -> None:
    leaf = node("leaf", path="/top/leaf")
    rows = cells(snapshot(node("top", children=[leaf])))
    assert [str(row[0]) for row in rows] == ["top", "  leaf"]


def test_a_tree_without_its_system_or_health_or_with_a_flag_for_a_total_is_refused() -> None:
    whole = {"system": "s", "healthy": True, "total": 1, "actors": [node("a")]}
    Snapshot(whole, "", 0.0)
    for key in ("system", "healthy", "total", "actors"):
        part = {k: v for k, v in whole.items() if k != key}
        with pytest.raises(NotAnEndpoint, match="did not answer an object"):
            Snapshot(part, "", 0.0)
    with pytest.raises(NotAnEndpoint, match="did not answer an object"):
        Snapshot({**whole, "total": True}, "", 0.0)


def test_a_node_without_a_field_a_frame_shows_is_refused_however_deep() -> None:
    for field in ("name", "state", "processed", "children"):
        bare = {k: v for k, v in node("leaf").items() if k != field}
        for actors in ([bare], [node("top", children=[bare])]):
            tree = {"system": "s", "healthy": True, "total": 1, "actors": actors}
            with pytest.raises(NotAnEndpoint, match=f"lacks one of .*{field}"):
                Snapshot(tree, "", 0.0)


def test_metrics_that_are_not_prometheus_text_are_refused() -> None:
    tree = {"system": "s", "healthy": True, "total": 0, "actors": []}
    with pytest.raises(NotAnEndpoint, match="/metrics is not Prometheus text"):
        Snapshot(tree, "garbage{{{ 1 2 3\n", 0.0)


def test_two_frames_taken_at_one_instant_show_no_rate() -> None:
    """A coarse monotonic clock can give two polls the same time: no rate, no division by 0."""
    before = snapshot(node("a", 10), taken=5.0)
    assert [row[5] for row in cells(snapshot(node("a", 30), taken=5.0), before)] == [""]


LAG_AND_DEAD_LETTERS = """\
# TYPE actorkit_event_loop_lag_seconds histogram
actorkit_event_loop_lag_seconds_bucket{le="+Inf"} 4.0
actorkit_event_loop_lag_seconds_count 4.0
actorkit_event_loop_lag_seconds_sum 0.01
# TYPE actorkit_dead_letters counter
actorkit_dead_letters_total{reason="stopped"} 1234.0
actorkit_dead_letters_total{reason="full"} 1.0
"""


def test_the_header_sums_a_counter_over_its_labels_and_shows_the_mean_lag_in_ms() -> None:
    tree = {"system": "s", "healthy": True, "total": 0, "actors": []}
    header = shown(Snapshot(tree, LAG_AND_DEAD_LETTERS, 0.0))[0]
    assert "dead letters 1,235 " in header
    assert "mean loop lag 2.50 ms" in header
    assert "processed — " in header  # a family it does not export is unknown
