"""The spawn and stop paths that skip work: a plain Actor subclass is constructed without the
context variable, an actor with nothing to await stops without a coroutine, and a service
hears of a stop only if it follows that actor. Each shortcut must behave exactly like the
general path it stands in for."""

from __future__ import annotations

import abc
import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorSystem, Terminated
from actorkit._names import MAX_NAME
from actorkit.testing import Probe


class Plain(Actor):
    def __init__(self, tag: str = "") -> None:
        self.seen = (self.path, tag)

    async def receive(self, message: Any) -> Any:
        return self.seen


class OwnNew(Plain):
    def __new__(cls, *args: Any, **kwargs: Any) -> OwnNew:
        return super().__new__(cls, *args, **kwargs)


class WithMeta(Plain, metaclass=abc.ABCMeta):
    pass


def made_by_a_function(tag: str = "") -> Actor:
    return Plain(tag)


@pytest.mark.parametrize(
    "factory",
    [Plain, OwnNew, WithMeta, made_by_a_function],
    ids=["plain class", "own __new__", "metaclass", "factory function"],
)
async def test_the_actor_context_is_there_in_init_whichever_way_it_is_made(
    factory: Callable[..., Actor],
) -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(factory, "t", name="a")
        assert await ref.ask("?") == ("/a", "t")


async def test_a_plain_actor_with_arguments_it_does_not_take_is_refused() -> None:
    async with ActorSystem() as system:
        with pytest.raises(TypeError):
            await system.spawn(Plain, "t", "extra")
        assert system.actor_count == 0


class Tagged:
    """A base after `Actor` in the MRO that takes the arguments."""

    def __init__(self, tag: str) -> None:
        self.tag = tag


class TaggedActor(Actor, Tagged):
    async def receive(self, message: Any) -> Any:
        return self.tag


class Bare(Actor):
    async def receive(self, message: Any) -> Any:
        return "bare"


class BareToo(Bare):
    pass


async def test_arguments_go_along_the_mro_and_are_refused_where_nothing_takes_them() -> None:
    """`object.__init__` drops arguments unseen under `Actor.__new__`: a class whose
    construction would end there refuses them at spawn; a base after `Actor` gets them."""
    async with asyncio.timeout(10):
        async with ActorSystem() as system:
            tagged = await system.spawn(TaggedActor, "t")
            assert await tagged.ask("?") == "t"
            assert await (await system.spawn(BareToo)).ask("?") == "bare"
            for factory in (Bare, BareToo):
                with pytest.raises(TypeError, match="takes no arguments"):
                    await system.spawn(factory, "dropped")
            assert system.actor_count == 2


class Quits(Actor):
    """Stops itself on its first message; the messages behind it are not handled."""

    def __init__(self, log: list[str] | None = None) -> None:
        self.log = log

    async def receive(self, message: Any) -> Any:
        self.stop()
        return message


class QuitsAfterCleanUp(Quits):
    async def on_stop(self) -> None:
        assert self.log is not None
        self.log.append("on_stop")


class Parent(Actor):
    """Spawns a temporary child on "spawn", and passes on what it hears of its children."""

    def __init__(self, child_type: type[Actor], log: list[str], probe: ActorRef) -> None:
        self.child_type = child_type
        self.log = log
        self.probe = probe

    async def receive(self, message: Any) -> Any:
        if message == "spawn":
            child = await self.spawn(self.child_type, self.log, restart="temporary")
            self.watch(child)
            return child
        self.probe.tell(message)
        return None


@pytest.mark.parametrize("child_type", [Quits, QuitsAfterCleanUp], ids=["at once", "on_stop"])
async def test_a_self_stop_ends_the_same_with_or_without_a_coroutine(
    child_type: type[Actor],
) -> None:
    log: list[str] = []
    async with ActorSystem() as system:
        probe = await Probe.spawn(system)
        parent = await system.spawn(Parent, child_type, log, probe.ref)
        child: ActorRef = await parent.ask("spawn")
        child.tell("first")
        child.tell("second")  # queued behind the stop: a dead letter, never handled
        terminated = await probe.receive()
        assert isinstance(terminated, Terminated)
        assert terminated.ref == child
        assert terminated.reason is None
        await child.stop()  # already stopped: returns at once
        assert system.actor_count == 2  # the probe and the parent
        assert log == (["on_stop"] if child_type is QuitsAfterCleanUp else [])
        [letter] = [d for d in system.dead_letters.recent if d.recipient == child.path]
        assert (letter.message, letter.reason) == ("second", "stopping")
        accounting = system.accounting()
        assert accounting.balanced
        assert accounting.processed >= 1


async def test_an_actor_subscribed_again_is_forgotten_by_the_router_when_it_stops() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(Plain)
        system.subscribe(ref, "a.*")
        system.subscribe(ref, "b.*")
        system.unsubscribe(ref)
        system.subscribe(ref, "a.*")  # follows its stop again, once
        assert system.publish("a.x", "hello") == 1
        await ref.stop()
        assert system.publish("a.x", "hello") == 0
        assert system.dead_letters.by_reason.get("no_subscribers") == 1


class Idle(Actor):
    pass


class IdleWithCleanUp(Actor):
    def __init__(self, log: list[str]) -> None:
        self.log = log

    async def on_stop(self) -> None:
        self.log.append("on_stop")


async def test_stopping_an_idle_actor_from_outside_is_a_full_stop() -> None:
    log: list[str] = []
    async with ActorSystem() as system:
        probe = await Probe.spawn(system)
        idle = await system.spawn(Idle)  # no hook: closed without its task ever being made
        cleans = await system.spawn(IdleWithCleanUp, log)  # `on_stop` runs in its task
        for ref in (idle, cleans):
            await system.spawn(Watcher, ref, probe.ref)
        await idle.stop()
        await cleans.stop()
        assert log == ["on_stop"]
        stopped = {(await probe.receive()).ref for _ in range(2)}
        assert stopped == {idle, cleans}
        idle.tell("late")
        assert system.dead_letters.by_reason.get("stopped") == 1
        assert system.actor_count == 3  # the probe and the two watchers


class Watcher(Actor):
    def __init__(self, ref: ActorRef, probe: ActorRef) -> None:
        self.watch(ref)
        self.probe = probe

    async def receive(self, message: Any) -> Any:
        self.probe.tell(message)


async def test_a_name_of_max_name_characters_is_taken_one_more_is_refused() -> None:
    async with asyncio.timeout(5), ActorSystem() as system:
        ref = await system.spawn(Plain, name="a" * MAX_NAME)
        assert ref.path == "/" + "a" * MAX_NAME
        with pytest.raises(ValueError, match=f"at most {MAX_NAME}"):
            await system.spawn(Plain, name="b" * (MAX_NAME + 1))


class Proxied(Actor):
    """Its own `__new__` skips `Actor.__new__`, and its `__getattr__` reads a dict, as a proxy
    does: a lookup of what it lacks raises `KeyError`, not `AttributeError`."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Proxied:
        return object.__new__(cls)

    def __init__(self) -> None:
        self.__dict__["fields"] = {"answer": 42}

    def __getattr__(self, name: str) -> Any:
        return self.__dict__["fields"][name]

    async def receive(self, message: Any) -> Any:
        return self.answer


async def test_a_factorys_instance_is_checked_without_its_own_getattr() -> None:
    async with asyncio.timeout(10), ActorSystem() as system:
        ref = await system.spawn(lambda: Proxied(), name="p")
        assert await ref.ask("?") == 42
