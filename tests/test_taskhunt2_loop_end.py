"""Task handles of a system never shut down, whose event loop ended (API 1, 6, 9): the loop's
end shuts the system down, so every handle it left running or pending has ended, with an
error that says why, and awaiting one later, on another loop, answers at once."""

from __future__ import annotations

import asyncio
import logging

import pytest

import actorkit
from actorkit import ActorStopped, ActorSystem, TaskHandle, TaskStatus

from .tasks_support import Block, Journal, Worker

BOUND = 5.0


def _forget(uvloop: bool, journal: Journal) -> tuple[ActorSystem, dict[str, TaskHandle]]:
    """Start a system, leave one task running, one waiting behind it and one nobody can
    serve, and return without shutting it down."""

    async def main() -> tuple[ActorSystem, dict[str, TaskHandle]]:
        system = ActorSystem("forgotten")
        async with asyncio.timeout(BOUND):
            await system.start()
            await system.spawn(Worker, journal, name="w")
            hold = Block()  # never released: the loop's end cuts it
            handles = {"running": await system.submit(hold, retries=1)}
            await hold.entered.wait()
            handles["queued"] = await system.submit("queued")
            handles["unservable"] = await system.submit("x", requires=("nobody",))
            assert [h.status for h in handles.values()] == ["running", "pending", "pending"]
            return system, handles

    return actorkit.run(main(), uvloop=uvloop)


@pytest.mark.parametrize("uvloop", [False, True])
def test_a_forgotten_systems_handles_end_with_the_loop_and_say_why(
    uvloop: bool, caplog: pytest.LogCaptureFixture
) -> None:
    journal: Journal = []
    with caplog.at_level(logging.WARNING, logger="actorkit"):
        system, handles = _forget(uvloop, journal)
    assert all(h.status is TaskStatus.FAILED for h in handles.values())
    assert system.agents() == []
    assert system.tasks.by_status == {
        "pending": 0,
        "running": 0,
        "succeeded": 0,
        "failed": 3,
        "expired": 0,
        "cancelled": 0,
    }

    async def later() -> list[str]:
        said = []
        async with asyncio.timeout(BOUND):
            for handle in handles.values():
                with pytest.raises(ActorStopped) as raised:
                    await handle
                said.append(str(raised.value))
        return said

    said = actorkit.run(later(), uvloop=uvloop)
    running, queued, unservable = handles.values()
    stopped = (
        "the actor system 'forgotten' is shut down (or shutting down, or failed: "
        "`system.failure` holds why)"
    )
    assert said == [
        f"task {running.id} could not be retried: {stopped}",
        f"task {queued.id} never started: {stopped}",
        f"task {unservable.id} never started: {stopped}",
    ]
    assert journal == [("w", "block", 1)]
