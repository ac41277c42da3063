"""Metrics as an attachment: what `import actorkit` loads, the registry a system registers
in, the exported families, and the instruments that observe the lifecycle."""

from __future__ import annotations

import asyncio
import logging
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from actorkit import Actor, ActorSystem
from actorkit._instruments import CrashLog, Instrument, Instruments
from actorkit._state import State


class Echo(Actor):
    capabilities = ("echo",)

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise ValueError("crash on purpose")
        if message == "hog":
            end = time.monotonic() + 0.1  # holds the loop, as a time.sleep would
            while time.monotonic() < end:
                pass
        return message


def run_python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout.strip()


OPTIONAL = "sorted(m for m in ('aiohttp', 'prometheus_client', 'rich') if m in sys.modules)"


def test_import_actorkit_loads_no_metrics_http_or_terminal_library() -> None:
    assert run_python(f"import actorkit, sys; print({OPTIONAL})") == "[]"


def test_prometheus_client_loads_at_start_and_aiohttp_at_serve_http() -> None:
    script = f"""
import asyncio, sys
import actorkit

async def main():
    async with actorkit.ActorSystem(metrics=False):
        print({OPTIONAL})
    async with actorkit.ActorSystem() as system:
        print({OPTIONAL})
        await system.serve_http(port=0)
        print({OPTIONAL})

asyncio.run(main())
"""
    assert run_python(script).splitlines() == [
        "[]",
        "['prometheus_client']",
        "['aiohttp', 'prometheus_client']",
    ]


# Every family the system exports (name, type, label names), pinned: a change here is a
# change for every dashboard and alert built on them.
FAMILIES = {
    ("actorkit_actors", "gauge", ("actor_type", "state")),
    ("actorkit_actor_spawned", "counter", ("actor_type",)),
    ("actorkit_actor_stopped", "counter", ("actor_type",)),
    ("actorkit_actor_restarts", "counter", ("actor_type",)),
    ("actorkit_supervisor_escalations", "counter", ("actor_type",)),
    ("actorkit_mailbox_dropped", "counter", ("actor_type",)),
    ("actorkit_actor_failures", "counter", ("actor_type", "exception")),
    ("actorkit_messages_processed", "counter", ("actor_type",)),
    ("actorkit_message_processing_seconds", "histogram", ("actor_type", "le")),
    ("actorkit_mailbox_size", "gauge", ("actor_type",)),
    ("actorkit_mailbox_size_max", "gauge", ("actor_type",)),
    ("actorkit_mailbox_fill_ratio", "gauge", ("actor_type",)),
    ("actorkit_asks", "counter", ("actor_type", "outcome")),
    ("actorkit_ask_seconds", "histogram", ("actor_type", "le")),
    ("actorkit_dead_letters", "counter", ("reason",)),
    ("actorkit_published_messages", "counter", ()),
    ("actorkit_publish_deliveries", "counter", ()),
    ("actorkit_timers_pending", "gauge", ()),
    ("actorkit_event_loop_lag_seconds", "histogram", ("le",)),
    ("actorkit_event_loop_blocked", "counter", ("actor_type",)),
    ("actorkit_tasks", "counter", ("status",)),
    ("actorkit_tasks_pending", "gauge", ()),
    ("actorkit_tasks_running", "gauge", ()),
    ("actorkit_task_seconds", "histogram", ("le",)),
}


def families(registry: CollectorRegistry) -> set[tuple[str, str, tuple[str, ...]]]:
    found = set()
    for family in registry.collect():
        labels = {label for sample in family.samples for label in sample.labels}
        found.add((family.name, family.type, tuple(sorted(labels))))
    return found


async def test_the_exported_families_are_exactly_the_documented_ones() -> None:
    async with ActorSystem(blocked_threshold=0.02) as system:
        ref = await system.spawn(Echo)
        with pytest.raises(ValueError):
            await ref.ask("crash")
        await ref.ask("hog")
        await (await system.submit("task")).result()
        system.publish("nobody.listens", 1)
        exported = families(system.metrics.registry)
    assert exported == FAMILIES


async def test_a_registry_passed_in_gets_the_families_while_the_system_runs() -> None:
    registry = CollectorRegistry()
    system = ActorSystem("app", registry=registry)
    assert system.metrics.registry is registry
    async with system:
        ref = await system.spawn(Echo)
        await ref.ask("hello")
        text = generate_latest(registry).decode()
        assert 'actorkit_messages_processed_total{actor_type="Echo"} 1.0' in text
    assert "actorkit_" not in generate_latest(registry).decode()
    async with ActorSystem("next", registry=registry):  # the registry serves the next one
        assert "actorkit_actors" in generate_latest(registry).decode()


async def test_a_second_running_system_on_one_registry_is_refused_at_start() -> None:
    registry = CollectorRegistry()
    async with ActorSystem("first", registry=registry) as first:
        second = ActorSystem("second", registry=registry)
        with pytest.raises(ValueError, match="its own CollectorRegistry"):
            await second.start()
        assert second.actor_count == 0
        await second.shutdown()  # harmless: nothing was started
        ref = await first.spawn(Echo)
        assert await ref.ask(1) == 1
        assert generate_latest(registry).decode().count("# TYPE actorkit_actors gauge") == 1


async def test_the_systems_own_registry_keeps_the_final_figures() -> None:
    async with ActorSystem() as system:
        await (await system.spawn(Echo)).ask(1)
    text = generate_latest(system.metrics.registry).decode()
    assert 'actorkit_messages_processed_total{actor_type="Echo"} 1.0' in text


async def test_metrics_off_registers_nothing_in_a_registry_passed_in() -> None:
    registry = CollectorRegistry()
    async with ActorSystem(metrics=False, registry=registry) as system:
        await (await system.spawn(Echo)).ask(1)
        assert system.metrics.registry is registry
        assert "actorkit_" not in generate_latest(registry).decode()


def test_a_registry_that_is_not_one_is_refused() -> None:
    with pytest.raises(TypeError, match="CollectorRegistry"):
        ActorSystem(registry={})  # type: ignore[arg-type]


# --- instruments -----------------------------------------------------------------------------
class Stops(Instrument):
    def __init__(self) -> None:
        self.seen: list[object] = []

    def stopped(self, cell: Any) -> None:
        self.seen.append(cell)


def test_an_instrument_overrides_only_what_it_follows() -> None:
    instruments = Instruments()
    # Read into a local: mypy keeps an attribute narrowed by an assert past the `add` below.
    followed = instruments.follow_stops
    assert not followed  # nobody follows stops: `Runtime.unregister` skips them
    stops = Stops()
    instruments.add(stops)
    assert instruments.follow_stops
    cell: Any = SimpleNamespace(display_path="/a", class_name="A")
    instruments.agent_spawned(cell)
    instruments.stopped(cell)
    instruments.restarted(cell)
    instruments.gave_up(cell)
    assert stops.seen == [cell]


def test_the_crash_log_writes_one_structured_record(caplog: pytest.LogCaptureFixture) -> None:
    cell: Any = SimpleNamespace(display_path="/team/w", class_name="Worker")
    error = RuntimeError("boom")
    with caplog.at_level(logging.ERROR, logger="actorkit"):
        Instruments().crashed(cell, error, "a message", "restart", None)  # installed by default
    [record] = caplog.records
    assert record.name == "actorkit"
    assert record.getMessage() == (
        "actor /team/w (Worker) failed handling str: RuntimeError('boom'); "
        "supervisor decided: restart"
    )
    assert record.exc_info is not None and record.exc_info[1] is error
    assert record.actor_path == "/team/w"  # type: ignore[attr-defined]
    assert record.actor_class == "Worker"  # type: ignore[attr-defined]
    assert record.message_type == "str"  # type: ignore[attr-defined]
    assert record.directive == "restart"  # type: ignore[attr-defined]
    assert isinstance(CrashLog(), Instrument)


OBSERVABILITY = Path(__file__).resolve().parent.parent / "docs" / "observability.md"


async def test_the_actors_gauge_shows_only_the_states_its_row_documents() -> None:
    """An actor still in `on_start` is live and counted, under `starting`."""

    class Starting(Actor):
        def __init__(self, entered: asyncio.Event, gate: asyncio.Event) -> None:
            self.entered = entered
            self.gate = gate

        async def on_start(self) -> None:
            self.entered.set()
            await self.gate.wait()

    row = next(
        line
        for line in OBSERVABILITY.read_text().splitlines()
        if line.startswith("| `actorkit_actors` |")
    )
    documented = set(re.findall(r"`([a-z]+)`", row.split("|")[4]))
    async with asyncio.timeout(10), ActorSystem() as system:
        entered, gate = asyncio.Event(), asyncio.Event()
        spawning = asyncio.ensure_future(system.spawn(Starting, entered, gate))
        await entered.wait()
        families = text_string_to_metric_families(generate_latest(system.metrics.registry).decode())
        actors = next(family for family in families if family.name == "actorkit_actors")
        exported = {sample.labels["state"] for sample in actors.samples}
        gate.set()
        await spawning
    assert exported == {"starting"}
    assert {state.value for state in State} - {"stopped"} == documented


async def test_a_start_refused_for_its_registry_leaves_the_store_closed(tmp_path: Path) -> None:
    """The store was opened before the registry refused the system: left open, its
    connection's thread (not a daemon) would keep the process from exiting."""
    from actorkit.persistence import SQLiteStore

    registry = CollectorRegistry()
    store = SQLiteStore(str(tmp_path / "second.db"))
    async with asyncio.timeout(10), ActorSystem("first", registry=registry):
        before = set(threading.enumerate())
        try:
            with pytest.raises(ValueError, match="its own CollectorRegistry"):
                async with ActorSystem("second", registry=registry, store=store):
                    pass
            executor = ("asyncio_", "uvloop_")  # the loop's own workers outlive the test
            left = [
                t for t in set(threading.enumerate()) - before if not t.name.startswith(executor)
            ]
            for thread in left:
                await asyncio.to_thread(thread.join, 2)
            assert [thread.name for thread in left if thread.is_alive()] == []
        finally:
            await store.close()
