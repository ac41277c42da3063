"""The Grafana dashboard only names metrics the system really exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

from actorkit import Actor, ActorSystem

DASHBOARD = Path(__file__).resolve().parent.parent / "examples" / "grafana-dashboard.json"


class Echo(Actor):
    async def receive(self, message: object) -> object:
        return message


SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}


async def exported_sample_names() -> set[str]:
    """Every sample name the exposition can carry, including families with no sample yet
    (a failure counter before the first failure)."""
    async with ActorSystem() as system:
        ref = await system.spawn(Echo)
        await ref.ask(1)
        families = list(system.metrics.registry.collect())
    return {f"{family.name}{suffix}" for family in families for suffix in SUFFIXES[family.type]}


async def test_every_dashboard_expression_names_an_exported_metric() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    expressions = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    assert len(expressions) >= 10
    named = {name for expr in expressions for name in re.findall(r"actorkit_[a-z_]+", expr)}
    missing = named - await exported_sample_names()
    assert not missing, f"dashboard names metrics the system does not export: {sorted(missing)}"
