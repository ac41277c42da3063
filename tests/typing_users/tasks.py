"""API.md §6: task assignment to agents."""

from __future__ import annotations

import asyncio

import actorkit
from actorkit import (
    Actor,
    ActorSystem,
    AgentInfo,
    DeadlineExceeded,
    Task,
    TaskCancelled,
    TaskHandle,
    TaskStatus,
)


def translate(text: str) -> str:
    return text[::-1]


class Translator(Actor):
    capabilities = ("translate",)

    async def receive(self, message: object) -> object:
        if isinstance(message, Task):
            task_id: int = message.id
            priority: int = message.priority
            deadline: float | None = message.deadline
            requires: frozenset[str] = message.requires
            attempt: int = message.attempt
            if deadline is not None and deadline < self.system.now():
                return None
            print(task_id, priority, requires, attempt)
            payload: object = message.payload
            return translate(str(payload))
        return None


class Reviewer(Actor):
    capabilities = frozenset({"review"})

    async def receive(self, message: object) -> object:
        return message


class Listed(Actor):
    capabilities = ["translate", "review"]  # any collection of names is taken

    async def receive(self, message: object) -> object:
        return message


async def main() -> None:
    async with ActorSystem("agents") as system:
        await system.spawn(Translator, name="ana", capabilities=["fr"])
        await system.spawn(Reviewer, capabilities={"fr", "de"})
        await system.spawn(Listed)
        handle: TaskHandle = await system.submit(
            "hello", priority=5, deadline=2.0, requires=["fr"], retries=2
        )
        print(await handle, handle.status, handle.attempt)
        again: object = await handle.result()
        status: TaskStatus = handle.status
        assert status == "succeeded"  # a str enum
        assert status is TaskStatus.SUCCEEDED
        handle_id: int = handle.id
        times = (handle.submitted_at, handle.started_at, handle.finished_at)
        print(again, handle_id, times)

        batch = [await system.submit(n, requires=("translate",)) for n in range(3)]
        results: list[object] = list(await asyncio.gather(*batch))
        first = await asyncio.wait_for(batch[0].result(), timeout=1.0)
        print(results, first)

        plain = await system.submit({"text": "x"})
        cancelled: bool = plain.cancel()
        try:
            await plain
        except TaskCancelled:
            pass
        except DeadlineExceeded:
            pass
        print(cancelled)

        agents: list[AgentInfo] = system.agents()
        for agent in agents:
            path: str = agent.path
            state: str = agent.state
            capabilities: frozenset[str] = agent.capabilities
            counts = (agent.mailbox_size, agent.processed, agent.failures, agent.restarts)
            current: int | None = agent.current_task
            print(path, state, capabilities, counts, current)
        pending: int = system.tasks.pending
        running: int = system.tasks.running
        print(pending, running)


if __name__ == "__main__":
    actorkit.run(main())
