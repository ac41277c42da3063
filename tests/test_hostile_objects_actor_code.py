"""Actor code that misuses what the runtime hands it, each refused or reported in words that say
what to do: a message whose `__class__` raises, a `receive` that cannot be awaited or takes no
message, a decider returning no directive, a factory returning an instance another actor has,
a `NotDelivered` let out of a handler's own ask, an attribute the runtime provides set by the
actor."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from actorkit import Actor, ActorStopped, ActorSystem, NotDelivered, OneForOne, Task
from actorkit.persistence import DurableState, MemoryStore

from .hardening_support import BOUND
from .hostile_objects_support import Fails, Proxy, Recorder, Unprintable, key_or_raise


class FailsOnProxies(Actor):
    async def receive(self, message: Any) -> Any:
        if type(message) is Proxy:
            raise ValueError("cannot handle a proxy")
        return message


async def test_a_failure_handling_a_message_whose_class_attribute_raises_is_reported_as_any(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with ActorSystem(metrics=False) as system:
        ref = await system.spawn(FailsOnProxies, name="f")
        async with asyncio.timeout(BOUND):
            with pytest.raises(ValueError, match="cannot handle a proxy"):
                await ref.ask(Proxy())
            assert await ref.ask("after") == "after"
        assert system.healthy
    reports = [r.getMessage() for r in caplog.records if getattr(r, "actor_path", None) == "/f"]
    assert reports == [
        "actor /f (FailsOnProxies) failed handling Proxy: ValueError('cannot handle a proxy'); "
        "supervisor decided: restart"
    ]
    assert system.failure is None


class Becomes(Actor):
    """Assigns `self.receive` what the runtime cannot await (a plain function, a lambda)."""

    def __init__(self, handler: Any = None) -> None:
        if handler is not None:
            self.receive = handler  # type: ignore[method-assign]

    async def receive(self, message: Any) -> Any:
        if isinstance(message, tuple):
            self.receive = message[1]  # type: ignore[method-assign]
            return "became"
        if isinstance(message, BaseException):
            raise message
        return message


def plain(message: object) -> object:
    return message


@pytest.mark.parametrize("when", ["in __init__", "in a handler"])
async def test_a_receive_assigned_that_cannot_be_awaited_fails_saying_what_to_assign(
    caplog: pytest.LogCaptureFixture, when: str
) -> None:
    caplog.set_level(logging.CRITICAL, logger="actorkit")
    async with ActorSystem(metrics=False) as system:
        async with asyncio.timeout(BOUND):
            if when == "in __init__":
                ref = await system.spawn(Becomes, plain)
            else:
                ref = await system.spawn(Becomes)
                assert await ref.ask(("become", plain)) == "became"
            with pytest.raises(TypeError, match=r"assign `self\.receive` an async") as failed:
                await ref.ask("x")
            assert "can't be used in 'await' expression" in str(failed.value.__cause__)
            if when == "in a handler":  # a restart goes back to the class's receive
                assert await ref.ask("after") == "after"


async def test_a_type_error_raised_inside_a_handler_reaches_its_asker_as_it_is() -> None:
    async with ActorSystem(metrics=False) as system:
        error = TypeError("the handler's own")
        async with asyncio.timeout(BOUND):
            for handler in (None, key_or_raise):  # the class's async receive, a plain function
                ref = await system.spawn(Becomes, handler)
                with pytest.raises(TypeError) as failed:
                    await ref.ask(error)
                assert failed.value is error


class Parent(Actor):
    def __init__(self, decided: object) -> None:
        self.supervisor_strategy = OneForOne(decider=lambda error: decided)  # type: ignore[arg-type, return-value]

    async def on_start(self) -> None:
        await self.spawn(Fails, name="c")

    async def receive(self, message: Any) -> Any:
        return message


@pytest.mark.parametrize("decided", [["restart"], Unprintable()], ids=["list", "unprintable"])
async def test_a_decider_returning_no_directive_is_refused_saying_what_it_returned(
    caplog: pytest.LogCaptureFixture, decided: object
) -> None:
    async with ActorSystem(metrics=False) as system:
        await system.spawn(Parent, decided, name="p")
        child = system.lookup("/p/c")
        assert child is not None
        async with asyncio.timeout(BOUND):
            with pytest.raises(ValueError, match="crash"):
                await child.ask(ValueError("crash"))
            await system.lookup("/p").ask("settled")  # type: ignore[union-attr]
    (record,) = [r for r in caplog.records if r.getMessage().startswith("decider of /p failed")]
    assert record.exc_info is not None
    refused = record.exc_info[1]
    assert type(refused) is ValueError
    assert str(refused).startswith("decider returned ")
    assert "not one of ['escalate', 'restart', 'resume', 'stop']" in str(refused)


class Counts(Actor):
    def __init__(self) -> None:
        self.count = 0

    async def receive(self, message: Any) -> Any:
        self.count += 1
        return self.path, self.count


async def test_a_factory_returning_an_instance_another_actor_has_is_refused() -> None:
    """Taken as it was, that instance answered for both actors (its `self.path` the last
    one's) and shared its state between them: a pool's members all became its last one."""
    async with ActorSystem(metrics=False) as system:
        shared = Counts()
        async with asyncio.timeout(BOUND):
            first = await system.spawn(lambda: shared, name="first")
            assert await first.ask("x") == ("/first", 1)
            with pytest.raises(TypeError, match="return a new instance") as refused:
                await system.spawn(lambda: shared, name="second")
            assert "/first" in str(refused.value)
            assert system.lookup("/second") is None
            with pytest.raises(TypeError, match="return a new instance"):
                await system.spawn_pool(lambda: shared, size=2, name="pool")
            assert await first.ask("x") == ("/first", 2)
            assert system.actor_count == 1
            made = Counts()  # made by calling the class: no actor has it yet, so it is taken
            taken = await system.spawn(lambda: made, name="taken")
            assert await taken.ask("x") == ("/taken", 1)


class TakesNoMessage(Actor):
    async def receive(self) -> Any:  # type: ignore[override]
        return None


async def test_a_class_receive_taking_no_message_is_refused_at_spawn() -> None:
    async with ActorSystem(metrics=False) as system, asyncio.timeout(BOUND):
        with pytest.raises(TypeError, match="receive must take the message") as failed:
            await system.spawn(TakesNoMessage)
        assert "self.receive" not in str(failed.value)  # no assignment to advise on
        assert system.actor_count == 0


class Forwards(Actor):
    """Handles each request, then asks `to` about it: a stopped actor by now."""

    def __init__(self, to: Any, handled: list[object]) -> None:
        self.to = to
        self.handled = handled

    async def receive(self, message: Any) -> Any:
        self.handled.append(message)
        return await self.to.ask(message)


async def test_a_not_delivered_a_handler_lets_out_of_its_own_ask_is_no_promise_to_its_asker(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """`NotDelivered` promises the asker that its request was not handled, so a retry cannot
    run it twice: this one was handled."""
    caplog.set_level(logging.CRITICAL, logger="actorkit")
    handled: list[object] = []
    async with ActorSystem(metrics=False) as system:
        gone = await system.spawn(Recorder, [])
        await gone.stop()
        ref = await system.spawn(Forwards, gone, handled, capabilities=("forwarding",))
        async with asyncio.timeout(BOUND):
            with pytest.raises(ActorStopped) as failed:
                await ref.ask("pay 10")
            assert not isinstance(failed.value, NotDelivered)
            assert type(failed.value.__cause__) is NotDelivered
            assert "was handled" in str(failed.value)
            # A task fails with its agent's error as it is (tests/test_tasks_retries.py): its
            # submitter is promised nothing by a NotDelivered.
            task = await system.submit("pay 20", requires=("forwarding",))
            with pytest.raises(NotDelivered):
                await task
        assert handled == ["pay 10", Task(task.id, "pay 20", 0, None, frozenset({"forwarding"}), 1)]


class NamesItself(Actor):
    """Keeps its own `name`, as so many classes do: the actor's is the runtime's."""

    def __init__(self, attribute: str) -> None:
        setattr(self, attribute, "mine")

    async def receive(self, message: Any) -> Any:
        return message


@pytest.mark.parametrize(
    "attribute", ["ref", "name", "path", "system", "parent", "children", "timers"]
)
async def test_setting_an_attribute_the_runtime_provides_says_what_to_do_instead(
    attribute: str,
) -> None:
    async with ActorSystem(metrics=False) as system:
        async with asyncio.timeout(BOUND):
            with pytest.raises(AttributeError) as refused:
                await system.spawn(NamesItself, attribute)
        text = str(refused.value)
        assert text.startswith(f"self.{attribute} is the actor's ")
        assert "keep yours under another attribute name" in text
        assert system.actor_count == 0


class DurableNamesItself(DurableState):
    def __init__(self, attribute: str) -> None:
        setattr(self, attribute, "mine")


@pytest.mark.parametrize("attribute", ["persistence_id", "reminders"])
async def test_setting_a_durable_attribute_the_runtime_provides_says_what_to_do_instead(
    attribute: str,
) -> None:
    async with ActorSystem(metrics=False, store=MemoryStore()) as system:
        async with asyncio.timeout(BOUND):
            with pytest.raises(AttributeError) as refused:
                await system.spawn(DurableNamesItself, attribute)
        assert str(refused.value).startswith(f"self.{attribute} is the actor's ")
        assert "keep yours under another attribute name" in str(refused.value)
