"""The Grafana dashboard, read as an SRE imports it: valid JSON with a datasource variable and
unique panel ids, and every expression checked against a live scrape of a system with
actors of several kinds, a store and tasks (and, in its own test, a NATS transport): the
metric names with their suffixes, the labels, rate() on counters, quantiles on buckets."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .nats_support import NatsServer, requires_nats, transport
from .promql_support import (
    PROMTOOL,
    ROOT,
    durable_system,
    exported,
    problems,
    scrape_of_every_kind,
    unrated_counters,
)

DASHBOARD = json.loads((ROOT / "examples" / "grafana-dashboard.json").read_text())
TARGETS: list[dict[str, str]] = [t for p in DASHBOARD["panels"] for t in p["targets"]]
NATS = "actorkit_nats_"


def as_queried(expr: str) -> str:
    """The expression as Grafana sends it with "All" instances selected."""
    return expr.replace("$instance", ".*")


def test_dashboard_imports_as_grafana_expects() -> None:
    variables = {v["name"]: v for v in DASHBOARD["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    panels: list[dict[str, Any]] = DASHBOARD["panels"]
    ids = [panel["id"] for panel in panels]
    assert len(ids) == len(set(ids)), f"panel ids repeat: {ids}"
    for panel in panels:
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel
        assert {"x", "y", "w", "h"} <= set(panel["gridPos"]), panel["title"]
        refs = [target["refId"] for target in panel["targets"]]
        assert refs and len(refs) == len(set(refs)), panel["title"]
    places = [(p["gridPos"]["x"], p["gridPos"]["y"]) for p in panels]
    assert len(places) == len(set(places)), "two panels at one place"


async def test_every_dashboard_expression_matches_a_live_scrape() -> None:
    async with durable_system() as system:
        series = exported(await scrape_of_every_kind(system))
    local = [t for t in TARGETS if NATS not in t["expr"]]
    assert len(local) >= 20
    wrong = {
        t["expr"]: problems(as_queried(t["expr"]), t["legendFormat"], series)
        + unrated_counters(t["expr"])
        for t in local
    }
    assert not {expr: lines for expr, lines in wrong.items() if lines}


@requires_nats
async def test_every_dashboard_nats_expression_matches_a_scrape_with_nats(
    server: NatsServer,
) -> None:
    async with durable_system(transport(server)) as system:
        series = exported(await scrape_of_every_kind(system, actors=1))
    remote = [t for t in TARGETS if NATS in t["expr"]]
    assert remote
    wrong = {
        t["expr"]: problems(as_queried(t["expr"]), t["legendFormat"], series)
        + unrated_counters(t["expr"])
        for t in remote
    }
    assert not {expr: lines for expr, lines in wrong.items() if lines}


@pytest.mark.skipif(PROMTOOL is None, reason="promtool not installed (.ci/run installs it)")
def test_promtool_parses_every_dashboard_expression(tmp_path: Path) -> None:
    """As recording rules, the one form in which promtool checks an expression's syntax."""
    assert PROMTOOL is not None
    rules = [
        f"      - record: dashboard:{i}\n        expr: {json.dumps(as_queried(t['expr']))}\n"
        for i, t in enumerate(TARGETS)
    ]
    path = tmp_path / "dashboard.rules.yml"
    path.write_text("groups:\n  - name: dashboard\n    rules:\n" + "".join(rules))
    checked = subprocess.run(
        [PROMTOOL, "check", "rules", str(path)], capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"SUCCESS: {len(TARGETS)} rules found" in checked.stdout
