"""The public surface is exactly what the packages export, and every exported name is
documented: a name added, dropped or leaked by a refactoring fails here, not in a user's code."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

import actorkit
from actorkit import ActorSystem, Ref

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "docs" / "api.md", ROOT / "README.md"]

PUBLIC = {
    "actorkit": [
        "DEAD_LETTER_TOPIC",
        "DEFAULT_MAILBOX_SIZE",
        "Accounting",
        "Actor",
        "ActorError",
        "ActorRef",
        "ActorStopped",
        "ActorSystem",
        "AgentInfo",
        "AskTimeout",
        "Backoff",
        "BasicAuth",
        "BearerAuth",
        "ChildSpec",
        "Clock",
        "DeadLetter",
        "DeadLetters",
        "DeadlineExceeded",
        "Directive",
        "HttpServer",
        "MailboxFull",
        "Metrics",
        "NameTaken",
        "NotDelivered",
        "OneForAll",
        "OneForOne",
        "PersistenceConflict",
        "PersistenceError",
        "PoolRef",
        "Ref",
        "RestForOne",
        "Strategy",
        "Supervisor",
        "SupervisorGaveUp",
        "SystemFailed",
        "Task",
        "TaskCancelled",
        "TaskHandle",
        "TaskStats",
        "TaskStatus",
        "Terminated",
        "TimerHandle",
        "Timers",
        "Transport",
        "message",
        "run",
        "thread_turns",
        "to_thread",
    ],
    "actorkit.nats": ["IncompatibleMessage", "NatsTransport", "RemoteError", "RemoteRef"],
    "actorkit.persistence": [
        "AgentChange",
        "DurableState",
        "EventSourced",
        "MemoryStore",
        "PersistenceConflict",
        "PersistenceError",
        "PostgresStore",
        "SQLiteStore",
        "Reminders",
        "Store",
        "StoredEvent",
        "StoredRecovery",
        "StoredReminder",
        "StoredSnapshot",
        "StoredState",
    ],
    "actorkit.testing": [
        "FORCED_STOP_GRACE",
        "SETTLE_LIMIT",
        "STORE_TIMEOUT",
        "ActorSnapshot",
        "ManualClock",
        "Probe",
        "accepting",
        "actor_tree",
        "cancel_task",
        "instance",
        "pending_asks",
        "pending_timers",
        "snapshot",
        "snapshots",
        "subscription_count",
        "transport",
    ],
}


def code_in_docs() -> str:
    """Every code block and inline code span of the user-facing docs, one per line."""
    text = "\n".join(path.read_text() for path in DOCS)
    blocks = re.findall(r"```[^\n]*\n(.*?)```", text, flags=re.S)
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    return "\n".join([*blocks, *re.findall(r"`([^`\n]+)`", prose)])


@pytest.mark.parametrize("module", sorted(PUBLIC))
def test_each_public_module_exports_exactly_its_names(module: str) -> None:
    exported = importlib.import_module(module).__all__
    assert sorted(exported) == sorted(PUBLIC[module])
    assert len(set(exported)) == len(exported), "a name is listed twice in __all__"


@pytest.mark.parametrize("module", sorted(PUBLIC))
def test_every_exported_name_is_importable_and_public(module: str) -> None:
    imported = importlib.import_module(module)
    for name in imported.__all__:
        assert not name.startswith("_"), f"{module} exports the private name {name}"
        assert getattr(imported, name) is not None


def documented(name: str, code: str) -> bool:
    """A class or constant by its name; a function (a lowercase word in prose too) only as
    `actorkit.name`."""
    prefix = "(actorkit\\.)?" if not name.islower() else "actorkit\\."
    return re.search(rf"(?<![\w.]){prefix}{re.escape(name)}\b", code) is not None


def test_every_top_level_name_is_documented() -> None:
    code = code_in_docs()
    undocumented = [name for name in actorkit.__all__ if not documented(name, code)]
    assert not undocumented, f"not in docs/api.md or README.md: {undocumented}"


def test_public_classes_present_themselves_as_the_package_s() -> None:
    for name in actorkit.__all__:
        value = getattr(actorkit, name)
        if isinstance(value, type):
            assert value.__module__ == "actorkit", name


async def test_local_and_pool_refs_are_refs() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(actorkit.Actor)
        pool = await system.spawn_pool(actorkit.Actor, size=1)
        assert isinstance(ref, Ref) and isinstance(pool, Ref)
        assert not isinstance("/path", Ref)


SYSTEM_API = {
    "accounting",
    "actor_count",
    "agent_history",
    "agents",
    "ask",
    "dead_letters",
    "expose",
    "failure",
    "healthy",
    "lookup",
    "metrics",
    "name",
    "now",
    "publish",
    "remote",
    "remote_group",
    "schedule_every",
    "schedule_once",
    "serve_http",
    "shutdown",
    "spawn",
    "spawn_pool",
    "start",
    "store",
    "submit",
    "subscribe",
    "tasks",
    "unsubscribe",
    "wait_stopped",
}
"""`ActorSystem`'s documented names (docs/api.md): nothing else is public on it."""


async def test_the_actor_system_shows_exactly_its_documented_names() -> None:
    system = ActorSystem("exports")
    public = {name for name in dir(system) if not name.startswith("_")}
    assert public == SYSTEM_API
    async with system:
        assert {name for name in dir(system) if not name.startswith("_")} == SYSTEM_API


def test_refs_are_minted_by_the_runtime_only() -> None:
    with pytest.raises(TypeError, match="cannot be constructed"):
        actorkit.ActorRef()
    with pytest.raises(TypeError, match="cannot subclass ActorRef"):

        class Mine(actorkit.ActorRef):  # pragma: no cover - the class statement raises
            pass


def test_docs_api_lists_exactly_what_actorkit_persistence_exports() -> None:
    text = (ROOT / "docs" / "api.md").read_text()
    start = text.index("Names exported by `actorkit.persistence`:")
    listed = re.findall(r"`(\w+)`", text[start : text.index(".", start + 40)])
    exported = importlib.import_module("actorkit.persistence").__all__
    assert sorted(listed) == sorted(exported)
