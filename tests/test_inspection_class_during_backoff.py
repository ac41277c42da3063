"""The class an actor is shown as while its restart waits out the backoff (no instance then):
its own, with metrics on or off, not its factory's name."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable

import pytest

from actorkit import Actor, ActorSystem, Backoff, OneForOne
from actorkit.testing import ManualClock, actor_tree, instance, snapshot

from .testing_support import Echo


def make_echo() -> Echo:
    return Echo()


@pytest.mark.parametrize("metrics", [True, False], ids=["metrics", "no metrics"])
@pytest.mark.parametrize(
    "factory", [make_echo, functools.partial(Echo)], ids=["function", "partial"]
)
async def test_an_actor_waiting_out_its_backoff_is_shown_as_its_class(
    clock: ManualClock, metrics: bool, factory: Callable[..., Actor]
) -> None:
    strategy = OneForOne(backoff=Backoff(min=1.0, max=1.0, jitter=0))
    async with (
        asyncio.timeout(5),
        ActorSystem(clock=clock, metrics=metrics, supervisor=strategy) as system,
    ):
        ref = await system.spawn(factory, name="echo")
        ref.tell("crash")
        await clock.settle()
        assert instance(ref) is None  # waiting out the backoff
        assert snapshot(ref).actor_class == "Echo"
        assert actor_tree(system)["actors"][0]["class"] == "Echo"
        await clock.advance(1.0)
        assert instance(ref) is not None and snapshot(ref).actor_class == "Echo"
