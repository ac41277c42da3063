"""Random programs against durable actors, checked against a reference model
(`durable_model`): event-sourced and durable-state actors write concurrently (so that SQLite's
group commit carries several writers in a batch), persist several events at once, crash
before or after writing, catch a store's error and go on, cancel their own writes in flight,
leave writes running in tasks of theirs, are stopped and spawned again under the same
persistence id, meet writes of a rival behind their back and store faults of every kind,
snapshot at several `snapshot_every`, and the whole system restarts on the same store. After
every step each journal, snapshot, state and live instance is what the model says.

MemoryStore runs replay exactly (its writes never wait); SQLite's and PostgreSQL's depend on
their threads' and server's timing, so a failure there may not shrink as far. Run it longer with
`ACTORKIT_DURABLE_EXAMPLES=1000 ACTORKIT_DURABLE_STEPS=30 pytest
tests/persistence/test_properties_durable*.py` (examples per test, steps per example); those
modules add PostgreSQL, reminders and recoveries whose reads fail."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar, cast

import pytest
import uvloop
from hypothesis import Phase, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from actorkit import ActorRef, ActorStopped, ActorSystem, OneForOne
from actorkit.persistence import PostgresStore, SQLiteStore
from actorkit.persistence._payload import decode, encode
from actorkit.testing import ManualClock

from ..invariants import live_tasks
from .durable_faults import Faults, FaultyMemoryStore, FaultyPostgresStore, FaultySQLiteStore
from .durable_model import Journal, Round, check
from .durable_model_support import (
    LEDGERS,
    Cmd,
    Note,
    Outcome,
    Recovered,
    Tape,
    commands,
    numbered,
)
from .durable_support import ShippedStore
from .postgres_server import PostgresServer

LEDGER_IDS = ["e0", "e1", "e2"]
NOTE_IDS = ["d0", "d1"]
EXAMPLES = int(os.environ.get("ACTORKIT_DURABLE_EXAMPLES", "8"))
pytestmark = pytest.mark.usefixtures("merge_often")  # moves meet crashes, faults, rivals
STEPS = int(os.environ.get("ACTORKIT_DURABLE_STEPS", "20"))

T = TypeVar("T")


class DurableActors(RuleBasedStateMachine):
    kind = "memory"
    server: PostgresServer | None = None
    loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = None
    store: ShippedStore
    """The running system's store (a new object at each start, as a new process opens)."""

    def __init__(self) -> None:
        super().__init__()
        self.runner = asyncio.Runner(loop_factory=self.loop_factory)
        self.before = self.runner.run(_live_task_count())
        self.directory = tempfile.TemporaryDirectory()
        self.path = str(Path(self.directory.name) / "journal.db")
        self.faults, self.tape = Faults(), Tape()
        self.numbers = iter(range(1, 1_000_000))
        self.journals = {pid: Journal(pid, pid in LEDGER_IDS) for pid in LEDGER_IDS + NOTE_IDS}
        self.refs: dict[str, ActorRef] = {}
        self.classes: dict[str, type] = {}
        self.revisions = dict.fromkeys(NOTE_IDS, 0)
        self.commits: list[int] = []
        self.memory = FaultyMemoryStore(self.faults)
        self.clock = ManualClock()
        self.rival: ShippedStore = self.memory
        if self.kind == "sqlite":
            self.rival = SQLiteStore(self.path, synchronous="NORMAL")
        if self.kind == "postgres":
            assert self.server is not None, "run by `test_durable_actors_on_postgres_...`"
            self.dsn = self.server.fresh()
            self.rival = PostgresStore(self.dsn)
        self.system = self.run(self.start())
        self.run(self.rival.open())

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.runner.run(coro)

    async def start(self) -> ActorSystem:
        store: ShippedStore = self.memory
        if self.kind == "sqlite":
            store = FaultySQLiteStore(self.path, self.faults)
        if self.kind == "postgres":
            store = FaultyPostgresStore(self.dsn, self.faults)
        store.on_commit = lambda writes, seconds: self.commits.append(writes)
        self.store = store
        strategy = OneForOne(max_restarts=100_000, within=60.0)
        self.clock = ManualClock(self.clock.now())  # wall-clock time goes on in a new process
        return await ActorSystem(
            "durable", store=store, supervisor=strategy, clock=self.clock, metrics=False
        ).start()

    async def start_actor(self, pid: str) -> None:
        name = f"{pid}-{next(self.numbers)}"
        spawning = self.system.spawn(
            self.classes[pid], self.tape, self.faults, name=name, persistence_id=pid
        )
        self.refs[pid] = await spawning

    def spawn(self, pid: str, cls: type) -> None:
        self.classes[pid] = cls
        self.run(self.start_actor(pid))
        journal = self.journals[pid]
        journal.every = getattr(cls, "snapshot_every", 0)
        [entry] = self.tape.take(pid)
        assert isinstance(entry, Recovered)
        journal.recovered(entry)

    @initialize(everies=st.lists(st.sampled_from(sorted(LEDGERS)), min_size=3, max_size=3))
    def spawn_all(self, everies: list[int]) -> None:
        for pid, every in zip(LEDGER_IDS, everies, strict=True):
            self.spawn(pid, LEDGERS[every])
        for pid in NOTE_IDS:
            self.spawn(pid, Note)

    def ids(self, alive: bool) -> list[str]:
        return [pid for pid, journal in self.journals.items() if journal.alive == alive]

    @precondition(lambda self: bool(self.ids(alive=False)))
    @rule(data=st.data(), every=st.sampled_from(sorted(LEDGERS)))
    def spawn_again(self, data: st.DataObject, every: int) -> None:
        pid = data.draw(st.sampled_from(self.ids(alive=False)))
        self.spawn(pid, LEDGERS[every] if pid in LEDGER_IDS else Note)

    @rule(pid=st.sampled_from(LEDGER_IDS + NOTE_IDS))
    def rival_writes(self, pid: str) -> None:
        """A second writer of the id (another process, a split brain) writes first."""
        journal, value = self.journals[pid], next(self.numbers)
        seq = len(journal.events)
        if journal.event_sourced:
            self.run(self.rival.append(pid, seq, [encode(value)]))
        else:
            self.run(self.rival.save_state(pid, seq, encode([*journal.events, value])))
        journal.rival(value)

    @rule()
    def restart_the_system(self) -> None:
        """A new process on the same store: every live actor is spawned again."""
        self.run(self.system.shutdown())
        assert self.system.failure is None
        self.system = self.run(self.start())
        for pid, journal in self.journals.items():
            if journal.alive:
                self.spawn(pid, self.classes[pid])

    @rule(data=st.data())
    def step(self, data: st.DataObject) -> None:
        """Commands to every live actor at once (each actor's in order), some stops after
        them (and a new actor on the id at once, whose recovery waits for the writes the
        stopped one left in flight), and a last `get` to each actor not stopped."""
        sent: dict[str, list[Cmd]] = {}
        stops: dict[str, bool] = {}
        for pid, journal in self.journals.items():
            if journal.alive:
                drawn = data.draw(st.lists(commands(journal.event_sourced), max_size=3), label=pid)
                sent[pid] = [numbered(cmd, self.numbers) for cmd in drawn]
                if data.draw(st.integers(0, 5), label=f"stop {pid}") == 5:
                    stops[pid] = data.draw(st.booleans(), label=f"spawn {pid} again")
                else:
                    sent[pid].append(Cmd(next(self.numbers), "get"))
        results = self.run(self.send(sent, stops))
        step = Round(dict(self.faults.fired), batches=self.kind != "memory")
        self.faults.fired.clear()
        for pid, cmds in sent.items():
            self.check(pid, cmds, step, results)
        for pid, again in stops.items():
            if not again:
                self.journals[pid].view = None

    async def send(self, sent: dict[str, list[Cmd]], stops: dict[str, bool]) -> dict[Cmd, object]:
        asks = {
            cmd: asyncio.ensure_future(self.refs[pid].ask(cmd)) for pid in sent for cmd in sent[pid]
        }
        stopping = [asyncio.ensure_future(self.stop(pid, again)) for pid, again in stops.items()]
        await asyncio.sleep(0)  # one turn: every ask is in its mailbox
        for cmd, ask in asks.items():
            if cmd.abandon:
                ask.cancel()
        results = await asyncio.gather(*asks.values(), return_exceptions=True)
        await asyncio.gather(*stopping)
        await self.clock.settle()
        return dict(zip(asks, results, strict=True))

    async def stop(self, pid: str, again: bool) -> None:
        await self.refs[pid].stop()
        if again:
            await self.start_actor(pid)

    def check(self, pid: str, cmds: list[Cmd], step: Round, results: dict[Cmd, object]) -> None:
        journal, entries = self.journals[pid], self.tape.take(pid)
        never = journal.play(entries, cmds, self.run(self.stored(pid)), step)
        if journal.event_sourced:
            snapshot = self.run(self.store.load_snapshot(pid))
            if snapshot is None:
                journal.settle(0, None)
            else:  # as `Ledger` snapshots its events
                journal.settle(snapshot.seq, cast("list[int]", decode(snapshot.payload)))
        by_id = {cmd.id: cmd for cmd in cmds}
        for entry in entries:
            if isinstance(entry, Outcome) and entry.handler and not by_id[entry.cmd].abandon:
                result = results[by_id[entry.cmd]]
                answer = result if isinstance(result, str) else type(result).__name__
                check(
                    answer == entry.outcome,
                    f"{pid}: cmd {entry.cmd} answered {result!r}, was {entry.outcome}",
                )
        for cmd in never:
            result = results[cmd]
            check(
                cmd.abandon or isinstance(result, ActorStopped),
                f"{pid}: {cmd} never handled, answered {result!r}",
            )

    async def stored(self, pid: str) -> list[int]:
        journal = self.journals[pid]
        if not journal.event_sourced:
            state = await self.store.load_state(pid)
            if state is None:
                return []
            value = cast("list[int]", decode(state.payload))  # as `Note` saves it
            check(
                state.revision == len(value) >= self.revisions[pid],
                f"{pid}: revision {state.revision} of {value}",
            )
            self.revisions[pid] = state.revision
            return list(value)
        rows = [(seq, event) async for seq, _, event in self.store.events(pid)]
        check([seq for seq, _ in rows] == list(range(1, len(rows) + 1)), f"{pid}: gaps in {rows}")
        return cast("list[int]", [event for _, event in rows])  # as `Ledger` persists them

    @invariant()
    def nothing_failed(self) -> None:
        assert self.system.failure is None

    def teardown(self) -> None:
        try:
            self.run(self.system.shutdown())
            assert self.system.failure is None
            self.run(self.rival.close())
            if any(writes > 1 for writes in self.commits):
                event("a batch carried several writes")
            assert self.run(_live_task_count()) == self.before
        finally:
            self.runner.close()
            self.directory.cleanup()


class DurableActorsOnSQLite(DurableActors):
    kind = "sqlite"


class DurableActorsOnSQLiteUnderUvloop(DurableActorsOnSQLite):
    """Another loop's order of callbacks: other interleavings of the same programs."""

    loop_factory = staticmethod(uvloop.new_event_loop)


async def _live_task_count() -> int:
    await asyncio.sleep(0)
    return len(live_tasks())


SETTINGS = settings(
    max_examples=EXAMPLES,
    stateful_step_count=STEPS,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
)
DurableActors.TestCase.settings = SETTINGS
DurableActorsOnSQLite.TestCase.settings = SETTINGS
DurableActorsOnSQLiteUnderUvloop.TestCase.settings = SETTINGS
BOUND = pytest.mark.timeout(60 + EXAMPLES * STEPS // 10)
test_durable_actors_on_memory_match_the_model = BOUND(DurableActors.TestCase)
test_durable_actors_on_sqlite_match_the_model = BOUND(DurableActorsOnSQLite.TestCase)
test_durable_actors_on_sqlite_under_uvloop_match_the_model = BOUND(
    DurableActorsOnSQLiteUnderUvloop.TestCase
)
