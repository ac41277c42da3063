"""The case record, actor and helpers the bad-input tests share."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorSystem


class Plain(Actor):
    async def receive(self, message: Any) -> Any:
        if isinstance(message, tuple) and message[0] == "call":
            return message[1](self)  # run a call inside the actor (watch, timers, ...)
        return message


@dataclass
class Env:
    system: ActorSystem
    ref: ActorRef
    stopped: ActorRef


async def inside(env: Env, call: Callable[[Actor], Any]) -> Any:
    """Run `call(actor)` in the actor's own context (where `watch` and timers live)."""
    return await env.ref.ask(("call", call))


@dataclass(frozen=True)
class Case:
    row: str
    call: Callable[[Env], Any]
    error: type[BaseException]
    match: str


def not_started(call: Callable[[ActorSystem], Awaitable[Any]]) -> Callable[[Env], Any]:
    return lambda env: call(ActorSystem("unstarted"))


async def after_shutdown(call: Callable[[ActorSystem], Awaitable[Any]]) -> Any:
    system = await ActorSystem("closed").start()
    await system.shutdown()
    return await call(system)


def each(cases: list[Case]) -> pytest.MarkDecorator:
    """Parametrize a test over `cases`, one id per README row."""
    return pytest.mark.parametrize("case", cases, ids=[case.row for case in cases])


async def raises_as_documented(case: Case) -> None:
    """One README row: the call, the bad argument, the error type, and a message that says what
    to change (matched literally)."""
    async with ActorSystem("bad-input") as system:
        ref = await system.spawn(Plain, name="live")
        stopped = await system.spawn(Plain)
        await stopped.stop()
        env = Env(system, ref, stopped)
        with pytest.raises(case.error, match=case.match):
            result = case.call(env)
            if asyncio.iscoroutine(result):
                await result
        # A refused call leaves the system as it was: it still answers.
        assert await ref.ask("still here") == "still here"
