"""Message accounting is exposed per actor (`/actors` nodes, `AgentInfo`) and system-wide, and
balances through every way a message can end: processed, crashed, dead-lettered (queued when
stopped, or cut off by a forced stop), taken back (a cancelled task)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, Task
from actorkit.testing import ManualClock, actor_tree, snapshot

from .invariants import assert_invariants, assert_settled


class Agent(Actor):
    capabilities = ("work",)

    def __init__(self, gate: asyncio.Event) -> None:
        self.gate = gate

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("crash on purpose")
        if isinstance(message, Task):
            return message.payload
        if message == "wait":
            await self.gate.wait()
        return message


def balanced(node: dict[str, Any]) -> bool:
    return bool(
        node["accepted"]
        == node["processed"] + node["crashed"] + node["dead_lettered"] + node["mailbox_size"]
    )


async def test_agent_info_and_actor_nodes_carry_balanced_accounting() -> None:
    gate = asyncio.Event()
    async with ActorSystem() as system:
        ref = await system.spawn(Agent, gate, name="agent")
        for message in ["a", "crash", "b"]:
            ref.tell(message)
        assert await ref.ask("sync") == "sync"
        assert await (await system.submit("task", requires=["work"])) == "task"
        [info] = system.agents()
        assert (info.accepted, info.processed, info.crashed, info.dead_lettered) == (5, 4, 1, 0)
        [node] = actor_tree(system)["actors"]
        assert (node["accepted"], node["processed"], node["crashed"]) == (5, 4, 1)
        assert balanced(node)

        # A task dispatched behind a blocking message and then cancelled is taken back out
        # of the mailbox: no longer accepted, not a dead letter.
        ref.tell("wait")
        await asyncio.sleep(0)  # one turn: the actor takes "wait" and blocks on it
        handle = await system.submit("later", requires=["work"])
        assert handle.status == "running"  # dispatched, queued behind "wait"
        assert handle.cancel()
        ref.tell("queued")
        [info] = system.agents()
        assert info.accepted == 7 and info.mailbox_size == 1  # "wait" is being handled
        assert_invariants(system)

        # Stopping it: the queued message becomes a dead letter, counted on the actor.
        stopping = asyncio.ensure_future(ref.stop())
        await asyncio.sleep(0)  # one turn: the stop begins, behind the held message
        gate.set()
        await stopping
        box = snapshot(ref).accounting
        assert (box.accepted, box.processed, box.crashed, box.dead_lettered) == (7, 5, 1, 1)
        await assert_settled(system)
        totals = system.accounting()
        assert totals.dead_lettered == 1 and totals.crashed == 1
    assert system.accounting().balanced


class Holds(Actor):
    """Waits at `hold` until `go` is set, telling `waiting` when it gets there."""

    def __init__(self, hold: int, waiting: asyncio.Event, go: asyncio.Event) -> None:
        self.hold, self.waiting, self.go = hold, waiting, go

    async def receive(self, message: int) -> None:
        if message == self.hold:
            self.waiting.set()
            await self.go.wait()


async def test_counts_are_exact_while_a_handler_waits_in_the_middle_of_a_batch() -> None:
    """The loop counts handled messages down in small integers and folds them every 128: a
    handler awaiting mid-batch, after more than one fold, still sees every count exact."""
    waiting, go = asyncio.Event(), asyncio.Event()
    async with ActorSystem() as system:
        ref = await system.spawn(Holds, 300, waiting, go)
        for number in range(400):  # queued before the loop runs: one drain, three folds
            ref.tell(number)
        await asyncio.wait_for(waiting.wait(), 5)
        box = snapshot(ref).accounting
        assert (box.accepted, box.processed, box.queued, box.handling) == (400, 300, 99, 1)
        assert system.accounting().balanced
        go.set()
        assert await ref.ask(400) is None
        box = snapshot(ref).accounting
        assert (box.accepted, box.processed, box.queued, box.handling) == (401, 401, 0, 0)

        # A stop that cuts into a waiting handler: what it had handled stays counted.
        waiting.clear()
        go.clear()
        for number in range(300, 310):
            ref.tell(number)
        await asyncio.wait_for(waiting.wait(), 5)
        await ref.stop(timeout=0.01)
        box = snapshot(ref).accounting
        assert (box.processed, box.dead_lettered) == (401, 10)
    totals = system.accounting()
    assert totals.balanced and totals.processed >= 401


class Swallows(Actor):
    """Swallows the cancellation of a forced stop while it waits, then returns (`"return"`) or
    raises (`"raise"`): its message was cut off all the same."""

    def __init__(self, waiting: asyncio.Event, ended: asyncio.Event) -> None:
        self.waiting, self.ended = waiting, ended

    async def receive(self, message: str) -> None:
        if message in ("return", "raise"):
            self.waiting.set()
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                pass
            finally:
                self.ended.set()
            if message == "raise":
                raise RuntimeError("after the forced stop")


async def test_a_forced_stop_counts_the_message_in_hand_once_though_its_handler_swallows() -> None:
    """A forced stop accounts the message in hand as a dead letter; a handler that swallows the
    cancellation and then returns or raises must not count it processed (or crashed) too."""
    for how in ("return", "raise"):
        waiting, ended = asyncio.Event(), asyncio.Event()
        async with ActorSystem() as system:
            ref = await system.spawn(Swallows, waiting, ended)
            for _ in range(3):
                ref.tell("quick")
            ref.tell(how)
            ref.tell("queued")
            await asyncio.wait_for(waiting.wait(), 5)
            await ref.stop(timeout=0.01)
            await asyncio.wait_for(ended.wait(), 5)  # set in the step where the loop takes the end
            box = snapshot(ref).accounting
            assert (box.accepted, box.processed, box.crashed, box.dead_lettered) == (5, 3, 0, 2)
            assert system.accounting().balanced


class Balance(logging.Handler):
    """Reads the system's accounting as each crash report is logged: while it is, the failed
    message counts as crashed, and no longer as in hand."""

    def __init__(self, system: ActorSystem) -> None:
        super().__init__()
        self.system = system
        self.seen: list[bool] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(self.system.accounting().balanced)


class StopsThenFails(Actor):
    async def receive(self, message: Any) -> Any:
        self.stop()
        raise RuntimeError("fails after asking to stop")


async def test_the_accounting_balances_while_an_undecided_failure_is_reported(
    clock: ManualClock,
) -> None:
    """A failure after the actor asked to stop is decided on by nobody: it is logged from the
    receive loop's own step, the failed message already counted as crashed, not in hand."""
    for how in ("ask", "tell"):
        async with ActorSystem(clock=clock) as system:
            balance = Balance(system)
            logger = logging.getLogger("actorkit")
            logger.addHandler(balance)
            try:
                ref = await system.spawn(StopsThenFails, restart="transient")
                if how == "tell":
                    ref.tell("go")
                    await clock.settle()
                else:
                    with pytest.raises(RuntimeError, match="fails after asking to stop"):
                        await ref.ask("go")
            finally:
                logger.removeHandler(balance)
            assert balance.seen == [True] and not ref.is_alive
