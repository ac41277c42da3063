"""Promises of docs/api.md section 9 ("Precise semantics") about what handlers see: a draining
handler's spawn and submit, a send to its own mailbox made in another task, what an agent's
`processed` counts, a name reused from a `Terminated` handler, and `dead_letters.by_reason`
as a new dict at each access."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorStopped, ActorSystem, MailboxFull

from .docs_promises_support import BOUND, Agent


class Spawner(Actor):
    """Starts a child per message (a per-request worker); "submit" submits a task instead,
    and a tuple holds it in its handler until the test lets it go."""

    def __init__(self, journal: list[str]) -> None:
        self.journal = journal

    async def receive(self, message: Any) -> Any:
        if isinstance(message, tuple):
            message[0].set()
            await message[1].wait()
        elif message == "submit":
            try:
                await self.system.submit("work")
            except ActorStopped:
                self.journal.append("submit refused")
        else:
            await self.spawn(Actor)  # not caught: the handler fails
            self.journal.append(f"spawned for {message}")


async def test_a_draining_handler_can_start_nothing_and_one_that_fails_dead_letters_its_queue() -> (
    None
):
    """From the moment the shutdown begins `spawn` and `submit` raise `ActorStopped`: caught,
    the handler answers its message itself; not caught, the actor fails while draining and
    the rest of its queue becomes dead letters `shutdown`."""
    journal: list[str] = []
    async with asyncio.timeout(BOUND):
        system = await ActorSystem("draining", metrics=False).start()
        ref = await system.spawn(Spawner, journal)
        entered, gate = asyncio.Event(), asyncio.Event()
        ref.tell((entered, gate))
        await entered.wait()
        for message in ("submit", "a", "b", "c"):
            ref.tell(message)
        shutting = asyncio.ensure_future(system.shutdown())
        await asyncio.sleep(0)  # one turn: the shutdown has begun
        gate.set()
        await shutting
    assert journal == ["submit refused"]
    assert [(d.message, d.reason) for d in system.dead_letters.recent] == [
        ("b", "shutdown"),
        ("c", "shutdown"),
    ]


class SendsFromATask(Actor):
    """Fills its own mailbox, then sends to it once more from a task of its own."""

    async def receive(self, message: Any) -> Any:
        if message != "go":
            return None
        self.ref.tell("fills it")
        sending = asyncio.ensure_future(self.ref.send("waits"))
        for _ in range(3):
            await asyncio.sleep(0)
        waiting = not sending.done()
        sending.cancel()
        return waiting


class SendsItself(SendsFromATask):
    async def receive(self, message: Any) -> Any:
        if message != "go":
            return None
        self.ref.tell("fills it")
        try:
            await self.ref.send("refused")
        except MailboxFull:
            return "refused at once"
        return "sent"


async def test_only_a_send_in_the_handlers_own_task_is_refused_at_once() -> None:
    """The handler's own task is what tells a send to its own mailbox from any other: one
    made in another task the handler awaits waits for room like any sender's."""
    async with asyncio.timeout(BOUND), ActorSystem("own", metrics=False) as system:
        itself = await system.spawn(SendsItself, mailbox_size=1)
        assert await itself.ask("go") == "refused at once"
        in_a_task = await system.spawn(SendsFromATask, mailbox_size=1)
        assert await in_a_task.ask("go") is True


async def test_an_agents_processed_counts_what_its_handler_returned_from() -> None:
    async with asyncio.timeout(BOUND), ActorSystem("agents", metrics=False) as system:
        ref = await system.spawn(Agent)
        assert await ref.ask("fine") == "fine"
        with pytest.raises(RuntimeError):
            await ref.ask("crash")
        assert await (await system.submit("task", requires=["work"])) is not None
        (info,) = system.agents()
        assert (info.processed, info.failures) == (2, 1)


class Replaceable(Actor):
    async def receive(self, message: Any) -> Any:
        if message == "stop itself":
            self.stop()
        elif message == "fail":
            raise RuntimeError("fail on purpose")
        return message


class Replacer(Actor):
    """Watches its child `w` and, told it stopped, starts a new one under the same name."""

    def __init__(self, replaced: asyncio.Queue[str]) -> None:
        self.replaced = replaced

    async def on_start(self) -> None:
        await self.replace()

    async def replace(self) -> None:
        self.watch(await self.spawn(Replaceable, name="w", restart="temporary"))

    async def receive(self, message: Any) -> Any:
        await self.replace()  # a Terminated: the NameTaken that would fail it is the subject
        self.replaced.put_nowait(message.ref.path)


@pytest.mark.parametrize("end", ["stop itself", "fail", "stop from outside"])
async def test_a_watcher_can_reuse_the_name_of_the_actor_its_terminated_reports(end: str) -> None:
    """A stopped actor's name can be reused at once: by the time its `Terminated` is handled,
    the name is free (the OTP and Akka way to replace a worker under its name)."""
    replaced: asyncio.Queue[str] = asyncio.Queue()
    async with asyncio.timeout(BOUND), ActorSystem("names", metrics=False) as system:
        parent = await system.spawn(Replacer, replaced, name="p")
        first = system.lookup("/p/w")
        assert first is not None
        if end == "stop from outside":
            await first.stop()
        else:
            first.tell(end)
        assert await replaced.get() == "/p/w"
        second = system.lookup("/p/w")
        assert second is not None and second != first and second.is_alive
        assert parent.is_alive


async def test_dead_letters_by_reason_is_a_new_dict_at_each_access() -> None:
    """As `recent` is a new list: a caller iterating it across an await, while dead letters
    arrive, or changing it, changes nothing of the record (nor the metric, which reads it)."""
    async with asyncio.timeout(BOUND), ActorSystem("letters") as system:
        system.publish("nobody.here", 1)
        counted = system.dead_letters.by_reason
        assert counted == {"no_subscribers": 1}
        assert counted is not system.dead_letters.by_reason
        counted.clear()
        counted["made up"] = 5
        for _reason in counted:
            system.publish("nobody.there", 2)  # recorded while the caller iterates
            await asyncio.sleep(0)
        assert system.dead_letters.by_reason == {"no_subscribers": 2}
        assert system.dead_letters.count == 2
        scraped = system.metrics.registry.get_sample_value(
            "actorkit_dead_letters_total", {"reason": "no_subscribers"}
        )
        assert scraped == 2
