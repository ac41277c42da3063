"""Habits a newcomer brings: a handler that returns a coroutine it meant to await (`return
self.persist(event)`), which fails the ask with an error saying so rather than answering a
coroutine, and a dataclass actor whose field is named as a ref's call (`tell`, `send`, `ask`,
which an actor instance refuses with a hint), which must stay the dataclass's own field."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest

from actorkit import Actor, ActorSystem
from actorkit.testing import instance


class Plain(Actor):
    async def receive(self, message: Any) -> Any:
        return message


class Forgetful(Actor):
    """Forgets the `await` on a coroutine of its own when asked "forget"."""

    def __init__(self) -> None:
        self.saved: list[object] = []

    async def save(self, item: object) -> None:
        self.saved.append(item)

    async def receive(self, message: Any) -> Any:
        if message == "forget":
            return self.save(message)
        if message == "saved":
            return list(self.saved)
        await self.save(message)
        return "ok"


@dataclass
class Mailer(Actor):
    """A dataclass actor whose fields are named as a ref's calls are."""

    tell: str
    send: bool = False

    async def receive(self, message: Any) -> Any:
        return self.tell, self.send


async def test_a_dataclass_field_named_as_a_ref_call_has_no_default_from_actor() -> None:
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'tell'"):
        Mailer()  # type: ignore[call-arg]
    async with asyncio.timeout(10), ActorSystem("habits") as system:
        ref = await system.spawn(Mailer, "by post")
        assert await ref.ask("fields") == ("by post", False)
        plain = instance(await system.spawn(Plain))
        with pytest.raises(AttributeError, match=r"tell, send and ask are a ref's: write self"):
            getattr(plain, "tell")  # noqa: B009


async def test_a_coroutine_returned_unawaited_fails_the_ask_and_the_actor_recovers() -> None:
    async with asyncio.timeout(10), ActorSystem("habits") as system:
        ref = await system.spawn(Forgetful)
        assert await ref.ask("kept") == "ok"
        with pytest.raises(TypeError, match=r"returned a coroutine \(Forgetful\.save\) instead of"):
            await ref.ask("forget")
        # the handler failed, so its supervisor restarted it: a fresh instance, no "kept"
        assert await ref.ask("saved") == []


async def test_the_unawaited_coroutine_is_closed_so_python_warns_of_nothing() -> None:
    async with asyncio.timeout(10), ActorSystem("habits") as system:
        ref = await system.spawn(Forgetful)
        with pytest.raises(TypeError, match="missing `await`"):
            await ref.ask("forget")
        assert await ref.ask("after") == "ok"
    # the suite turns warnings into errors: a coroutine never awaited and not closed would
    # have been reported when the collector freed it


class Assigned(Actor):
    """Its handler set as `self.receive`, which `handler_failure` reads a loop-frame
    `TypeError` of as a `receive` that could not be called."""

    def __init__(self) -> None:
        self.receive = self._handle  # type: ignore[method-assign]

    async def _store(self) -> None:
        pass

    async def _handle(self, message: Any) -> Any:
        return self._store()


async def test_an_assigned_receive_returning_a_coroutine_is_told_of_the_missing_await() -> None:
    async with asyncio.timeout(10), ActorSystem("habits") as system:
        ref = await system.spawn(Assigned)
        with pytest.raises(TypeError) as failed:
            await ref.ask("forget")
        said = str(failed.value)
        assert said.startswith(f"receive of {ref.path} returned a coroutine (Assigned._store)")
        assert "could not be called" not in said
