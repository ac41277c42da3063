"""Checks PromQL expressions (the Grafana dashboard's, the example alert rules') against what
a running system really exports: each metric name with its suffix, each label an
expression groups by, matches on or shows in a legend, `rate()` and `increase()` on
counters only, and `histogram_quantile` on `_bucket` series grouped by `le`.

The expressions are ours and short, so a few regular expressions read them; `promtool`
checks their syntax (`promtool check rules`)."""

from __future__ import annotations

import asyncio
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from prometheus_client.parser import text_string_to_metric_families

from actorkit import Actor, ActorSystem, Task
from actorkit.persistence import DurableState, EventSourced, MemoryStore

from .http_support import fetch

if TYPE_CHECKING:
    from actorkit.nats import NatsTransport

ROOT = Path(__file__).resolve().parent.parent
PROMTOOL = shutil.which("promtool")
TARGET_LABELS = frozenset({"job", "instance"})
"""Added by Prometheus to every scraped series."""

requires_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool not installed (.ci/run installs it)"
)


async def promtool_says(text: str) -> tuple[int | None, str]:
    """`promtool check metrics` on an exposition: its status and what it printed (nothing,
    for one it finds nothing wrong with)."""
    promtool = await asyncio.create_subprocess_exec(
        "promtool", "check", "metrics",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    async with asyncio.timeout(30):
        out, err = await promtool.communicate(text.encode())
    return promtool.returncode, (out + err).decode().strip()


NAME = re.compile(r"\bactorkit_[a-z_]+")
RATED = re.compile(r"\b(?:rate|irate|increase)\(\s*(actorkit_[a-z_]+)")
GROUPING = re.compile(r"\b(?:by|without|on|ignoring)\s*\(([^)]*)\)")
MATCHERS = re.compile(r"\{([^{}]*)\}")
MATCHER_LABEL = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)")
LEGEND_LABEL = re.compile(r"\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}")
COUNTER_PARTS = ("_total", "_bucket", "_count", "_sum")


@dataclass(frozen=True)
class Series:
    kind: str
    labels: frozenset[str]


def exported(text: str) -> dict[str, Series]:
    """Every sample name in a scrape, with its family's type and its label names."""
    found: dict[str, Series] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = frozenset(sample.labels)
            known = found.get(sample.name)
            found[sample.name] = Series(family.type, labels | (known.labels if known else set()))
    return found


def problems(expr: str, legend: str, series: dict[str, Series]) -> list[str]:
    """What is wrong with one expression (and its legend), as readable lines."""
    names = NAME.findall(expr)
    wrong = [f"{name} is not exported" for name in names if name not in series]
    if not names or wrong:
        return wrong or [f"names no actorkit_ metric: {expr}"]
    allowed = set(TARGET_LABELS).union(*(series[name].labels for name in names))
    used = {label.strip() for group in GROUPING.findall(expr) for label in group.split(",")}
    used |= {label for inner in MATCHERS.findall(expr) for label in MATCHER_LABEL.findall(inner)}
    used |= set(LEGEND_LABEL.findall(legend))
    wrong += [f"label {label!r} is on none of {names}" for label in sorted(used - allowed - {""})]
    for name in RATED.findall(expr):
        if series[name].kind not in ("counter", "histogram") or not name.endswith(COUNTER_PARTS):
            wrong.append(f"rate/increase of {name}, a {series[name].kind}, not a counter")
    if "histogram_quantile" in expr:
        if not all(name.endswith("_bucket") for name in names):
            wrong.append(f"histogram_quantile over a series that is not _bucket: {names}")
        groups = [{label.strip() for label in g.split(",")} for g in GROUPING.findall(expr)]
        if not groups or any("le" not in group for group in groups):
            wrong.append("histogram_quantile without `le` in its `sum by (...)`")
    return wrong


def unrated_counters(expr: str) -> list[str]:
    """Counters read raw: a dashboard graphs a counter through rate() or increase()."""
    rated = RATED.findall(expr)
    return [
        name
        for name in NAME.findall(expr)
        if name.endswith(COUNTER_PARTS) and rated.count(name) < NAME.findall(expr).count(name)
    ]


class Echo(Actor):
    async def receive(self, message: object) -> object:
        if message == "crash":
            raise ValueError("crash on purpose")
        return message.payload if isinstance(message, Task) else message


class Ledger(EventSourced):
    def __init__(self) -> None:
        self.total = 0

    def apply(self, event: object) -> None:
        assert isinstance(event, int)
        self.total += event

    async def receive(self, message: object) -> object:
        await self.persist(1)
        return self.total


class Profile(DurableState):
    async def receive(self, message: object) -> object:
        await self.save({"seen": message})
        return message


async def scrape_of_every_kind(system: ActorSystem, actors: int = 3) -> str:
    """Spawns actors of several kinds (plain, event-sourced, durable state), makes each family
    carry a sample (a failure, a dead letter, a task, a publish, durable writes) and returns
    the system's /metrics body."""
    refs = [await system.spawn(Echo) for _ in range(actors)]
    ledgers = [await system.spawn(Ledger, name=f"ledger-{i}") for i in range(actors)]
    profiles = [await system.spawn(Profile, name=f"profile-{i}") for i in range(actors)]
    for ref in (*refs, *ledgers, *profiles):
        await ref.ask(1)
    with pytest.raises(ValueError):
        await refs[0].ask("crash")
    system.publish("nobody.listens", 1)
    await system.spawn(Echo, capabilities=["echo"])
    handle = await system.submit("hello", requires=["echo"])
    async with asyncio.timeout(20):
        assert await handle == "hello"
    server = await system.serve_http(port=0)
    status, text = await fetch(f"{server.url}/metrics")
    assert status == 200
    return text


def durable_system(transport: NatsTransport | None = None) -> ActorSystem:
    """Every layer that exports families: actors, tasks, a store, agent history (and NATS
    when given its transport)."""
    return ActorSystem("ops", store=MemoryStore(), agent_history=True, transport=transport)
