"""The durable actors that `test_properties_durable` drives: they record every recovery and
every outcome of a command on a tape, which the model (`durable_model`) reads back in order.
A handler arms the command's store fault (`durable_faults`) for its write."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hypothesis import strategies as st

from actorkit.persistence import (
    DurableState,
    EventSourced,
    PersistenceConflict,
    PersistenceError,
)

from ..properties_support import Boom

if TYPE_CHECKING:
    from .durable_faults import Faults


@dataclass(frozen=True)
class Cmd:
    """One message of the program. `values` are the events of a persist (the value a save
    appends to the state's list); unique in the whole run."""

    id: int
    kind: str  # write | background | crash | get
    values: tuple[int, ...] = ()
    fault: str | None = None  # lost | commit | doubt | snapshot | unread
    crash_after: bool = False
    swallow: bool = False
    """The handler catches a `PersistenceError` (not a conflict) of its write and goes on."""
    cancel_after: int | None = None
    """Loop turns after which the handler cancels its own write, as a timeout around it."""
    abandon: bool = False
    """The asker gives up on its ask while the handler runs."""


def numbered(cmd: Cmd, numbers: Iterator[int]) -> Cmd:
    """A drawn command with its id and its values, new in the run."""
    values = tuple(next(numbers) for _ in cmd.values)
    return dataclasses.replace(cmd, id=next(numbers), values=values)


def commands(event_sourced: bool) -> st.SearchStrategy[Cmd]:
    """Writes (of 0 to 3 events, or a state), with a fault, a crash after, an error caught,
    an asker that gives up; writes the handler cancels after some loop turns; writes of a
    task the handler leaves running; crashes before writing. Numbered when sent
    (`numbered`)."""
    faults = ["lost", "commit", "doubt", *(["snapshot"] if event_sourced else [])]
    values = st.integers(0 if event_sourced else 1, 3 if event_sourced else 1).map(
        lambda count: (0,) * count
    )
    writes = st.builds(
        Cmd,
        id=st.just(0),
        kind=st.just("write"),
        values=values,
        fault=st.none() | st.sampled_from(faults),
        crash_after=st.booleans(),
        swallow=st.booleans(),
        abandon=st.booleans(),
    )
    cancels = st.builds(
        Cmd,
        id=st.just(0),
        kind=st.just("write"),
        values=values,
        fault=st.none() | st.just("unread"),
        cancel_after=st.integers(0, 4),
    )
    background = st.builds(Cmd, id=st.just(0), kind=st.just("background"), values=values)
    return writes | cancels | background | st.just(Cmd(0, "crash"))


@dataclass(frozen=True)
class Recovered:
    restored: int | None
    """The length of the snapshot restored (its sequence number); None without one."""
    replayed: int
    state: list[int]


@dataclass(frozen=True)
class Outcome:
    cmd: int
    outcome: str
    """done | cancelled | failed (a `PersistenceError` caught) | started (a background write)
    | the name of the exception the handler raised; a background write's own: began, then
    `left` and done or the exception's name."""
    state: list[int] | None

    @property
    def handler(self) -> bool:
        """The handler's, not a background write's."""
        return self.outcome != "began" and not self.outcome.startswith("left ")


class Tape:
    """Every recovery and every handled command, by persistence id, in order."""

    def __init__(self) -> None:
        self.entries: dict[str, list[Recovered | Outcome]] = {}

    def record(self, persistence_id: str, entry: Recovered | Outcome) -> None:
        self.entries.setdefault(persistence_id, []).append(entry)

    def take(self, persistence_id: str) -> list[Recovered | Outcome]:
        return self.entries.pop(persistence_id, [])

    async def aside(self, actor: Recording, message: object) -> object:
        """A message not of the program (`Cmd`), which a tape that expects some handles."""
        raise TypeError(f"{actor.persistence_id} got {message!r}, not a command")


async def cancelled(write: Awaitable[None], turns: int) -> bool:
    """Await `write`, cancelling the task after `turns` loop turns if it still waits then;
    True when the cancellation reached the caller (taken back, as `asyncio.timeout` does)."""
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    waiting = True

    def tick(left: int) -> None:
        if waiting and left:
            loop.call_soon(tick, left - 1)
        elif waiting:
            task.cancel()

    loop.call_soon(tick, turns)
    try:
        await write
    except asyncio.CancelledError:
        task.uncancel()
        return True
    finally:
        waiting = False
    return False


class Recording:
    """What both durable actors share: the tape, the faults, and one handler."""

    tape: Tape
    faults: Faults
    left: set[asyncio.Future[None]]
    """The tasks of its background writes (a reference keeps each alive)."""
    persistence_id: str

    def state_now(self) -> list[int]:
        raise NotImplementedError

    async def write(self, cmd: Cmd) -> None:
        raise NotImplementedError

    async def handle(self, cmd: Cmd) -> str:
        if cmd.kind == "crash":
            raise Boom("crashed before writing")
        if cmd.kind == "get":
            return "done"
        if cmd.kind == "background":
            await self.after_left()
            self.left.add(asyncio.ensure_future(self.background(cmd)))
            await asyncio.sleep(0)  # one turn: its write has begun
            return "started"
        await self.after_left()
        self.faults.arm(self.persistence_id, cmd)
        try:
            if cmd.cancel_after is None:
                await self.write(cmd)
            elif await cancelled(self.write(cmd), cmd.cancel_after):
                return "cancelled"
        except PersistenceConflict:
            raise
        except PersistenceError:
            if cmd.swallow:
                return "failed"
            raise
        finally:
            self.faults.disarm(self.persistence_id)
        if cmd.crash_after:
            raise Boom("crashed after writing")
        return "done"

    async def after_left(self) -> None:
        """The instance's writes commit one at a time, in call order; the model follows one
        write at a time, so a write here begins once the background writes still in flight
        have ended (test_durable_concurrent_writes covers writes that overlap)."""
        pending = [task for task in self.left if not task.done()]
        if pending:
            await asyncio.wait(pending)

    async def background(self, cmd: Cmd) -> None:
        """A write of a task the actor left running: it may outlive the instance."""
        pid = self.persistence_id
        self.tape.record(pid, Outcome(cmd.id, "began", self.state_now()))
        try:
            await self.write(cmd)
        except Exception as error:
            self.tape.record(pid, Outcome(cmd.id, f"left {type(error).__name__}", None))
        else:
            self.tape.record(pid, Outcome(cmd.id, "left done", self.state_now()))

    async def receive(self, message: Any) -> Any:
        if not isinstance(message, Cmd):
            return await self.tape.aside(self, message)
        pid = self.persistence_id
        try:
            outcome = await self.handle(message)
        except BaseException as error:
            self.tape.record(pid, Outcome(message.id, type(error).__name__, None))
            raise
        self.tape.record(pid, Outcome(message.id, outcome, self.state_now()))
        return outcome


class Ledger(Recording, EventSourced):
    """Its state is the list of its events; a snapshot is that list."""

    def __init__(self, tape: Tape, faults: Faults) -> None:
        self.tape, self.faults, self.left = tape, faults, set()
        self.events: list[int] = []
        self.restored: int | None = None
        self.replayed = 0
        self.started = False

    def apply(self, event: Any) -> None:
        self.events.append(event)
        self.replayed += not self.started

    def snapshot(self) -> object:
        return list(self.events)

    def restore(self, snapshot: Any) -> None:
        self.events = list(snapshot)
        self.restored = len(snapshot)

    async def on_start(self) -> None:
        self.started = True
        self.tape.record(
            self.persistence_id, Recovered(self.restored, self.replayed, list(self.events))
        )

    def state_now(self) -> list[int]:
        return list(self.events)

    async def write(self, cmd: Cmd) -> None:
        await self.persist(*cmd.values)


LEDGERS = {
    every: type(f"Ledger{every}", (Ledger,), {"snapshot_every": every}) for every in (0, 1, 2, 3, 5)
}
"""By `snapshot_every`."""


class Note(Recording, DurableState):
    """Its state is a list; each save appends one value."""

    def __init__(self, tape: Tape, faults: Faults) -> None:
        self.tape, self.faults, self.left = tape, faults, set()

    async def on_start(self) -> None:
        self.tape.record(self.persistence_id, Recovered(None, 0, self.state_now()))

    def state_now(self) -> list[int]:
        return list(self.state or [])

    async def write(self, cmd: Cmd) -> None:
        await self.save([*self.state_now(), *cmd.values])
