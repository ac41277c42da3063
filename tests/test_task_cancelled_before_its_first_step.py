"""An actor's task cancelled before its first step runs none of its body, so nothing closes
the cell: the end of `asyncio.run` does that to the task a message just made for a dormant
actor (or `spawn` for one with an `on_stop`), maybe with a shutdown still under way. Its
stop must not wait for that task, which will never carry the stop out.

What is right: the cell is closed as a forced stop closes a cell whose task was cancelled
(the loop's end is such a cancellation). Its queue is dead-lettered with the stop's reason,
its asks fail, its watchers are told, its parent forgets it; its instance existed and was
running (it has no `on_start`, or spawn would have waited for its task), so its `on_stop`
runs, within the forced stop's grace, as it would have in the task's own unwinding."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, NotDelivered, Terminated
from actorkit._signals import Stop

from .invariants import assert_invariants
from .processes import communicate, process
from .shutdown_support import BOUND


class Quiet(Actor):
    """Dormant: no hooks, so its task is made by its first message."""

    async def receive(self, message: Any) -> None:
        pass


class Stops(Actor):
    """Its `on_stop` gives it a task from `spawn` on, which has not begun on return."""

    def __init__(self, stopped: list[str]) -> None:
        self.stopped = stopped

    async def receive(self, message: Any) -> None:
        pass

    async def on_stop(self) -> None:
        self.stopped.append(self.path)


class Watcher(Actor):
    def __init__(self, told: asyncio.Future[Terminated]) -> None:
        self.told = told

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Terminated):
            self.told.set_result(message)
        else:
            self.watch(message)


@pytest.mark.parametrize("kind", ["dormant", "with-on-stop"])
@pytest.mark.parametrize("stop", ["shutdown", "ref-stop", "joined-stop"])
async def test_an_actor_whose_task_was_cancelled_before_its_first_step_is_stopped_at_once(
    kind: str, stop: str
) -> None:
    stopped: list[str] = []
    system = ActorSystem()
    await system.start()
    try:
        async with asyncio.timeout(BOUND):  # far below the stops' own 60 s
            told: asyncio.Future[Terminated] = asyncio.get_running_loop().create_future()
            watcher = await system.spawn(Watcher, told)
            if kind == "dormant":
                ref = await system.spawn(Quiet, name="actor")
            else:
                ref = await system.spawn(Stops, stopped, name="actor")
            # No await from its spawn to its task's cancellation: the task has not begun.
            ref.tell("one")  # makes the dormant one's task
            task = ref._cell.task
            assert task is not None
            task.cancel()  # as the end of `asyncio.run` does, before its first step
            watcher.tell(ref)
            asked = asyncio.ensure_future(ref.ask("two"))
            await asyncio.wait((task,))
            assert task.cancelled()
            if stop == "joined-stop":  # a stop queued by a caller that gave up waiting
                ref._cell.post(Stop(None))
            if stop != "shutdown":  # the second one joins the first
                await ref.stop(timeout=60.0)
                again = await system.spawn(Quiet, name="actor")  # its parent let it go
                assert again != ref
            await system.shutdown(60.0)  # waits for its `on_stop` too
            with pytest.raises(NotDelivered):
                await asked
            terminated = await told
            assert terminated.ref == ref
            letters = [(d.message, d.reason) for d in system.dead_letters.recent]
            reason = "shutdown" if stop == "shutdown" else "stopping"
            assert ("one", reason) in letters and ("two", reason) in letters
            assert stopped == (["/actor"] if kind == "with-on-stop" else [])
            assert_invariants(system)
    finally:
        await system.shutdown(0.0)


SCRIPT = """
import asyncio, time
from actorkit import Actor, ActorSystem

class Quiet(Actor):
    async def receive(self, message):
        pass

class Relay(Actor):
    def __init__(self, quiet):
        self.quiet = quiet

    async def on_stop(self):  # its task is made at spawn: parked, then woken by a tell
        pass

    async def receive(self, message):
        self.quiet.tell(message)  # in the loop's last turn: makes a task that never begins

async def keeper(system):
    try:
        await asyncio.Event().wait()
    finally:  # cancelled by the end of asyncio.run, it shuts the system down
        await system.shutdown(60.0)

async def main():
    global system
    system = ActorSystem()
    await system.start()
    asyncio.get_running_loop().create_task(keeper(system))
    quiet = await system.spawn(Quiet, name="quiet")
    relay = await system.spawn(Relay, quiet, name="relay")
    await asyncio.sleep(0)  # the relay's task has begun: parked
    relay.tell("last")

begun = time.monotonic()
asyncio.run(main())
print("seconds", time.monotonic() - begun)
print("letters", [(d.message, d.recipient, d.reason) for d in system.dead_letters.recent])
print("balanced", system.accounting().balanced)
"""


async def test_a_shutdown_begun_as_asyncio_run_ends_does_not_wait_for_an_unbegun_task() -> None:
    """The end of `asyncio.run` cancels a task a message made in the loop's last turn, before
    its first step, and a task whose unwinding shuts the system down; that shutdown, begun
    after the loop's end cancelled every task, is not cancelled, and must not wait its whole
    timeout (60 s) for the actor: the process exits at once, the message a dead letter."""
    async with process(sys.executable, "-c", SCRIPT) as proc:
        out, _ = await communicate(proc)
    text = out.decode()
    assert proc.returncode == 0, text
    values = dict(line.split(" ", 1) for line in text.splitlines() if " " in line)
    assert float(values["seconds"]) < BOUND, text
    assert values["letters"] == "[('last', '/quiet', 'shutdown')]", text
    assert values["balanced"] == "True", text
