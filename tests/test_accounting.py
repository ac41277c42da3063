"""Message accounting is exposed per actor (`/actors` nodes, `AgentInfo`) and system-wide, and
balances through every way a message can end: processed, crashed, dead-lettered (queued when
stopped, or cut off by a forced stop), taken back (a cancelled task)."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorSystem, Task
from actorkit.testing import actor_tree, snapshot

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
