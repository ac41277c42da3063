"""Capabilities set on the instance (`self.capabilities = ...` in `__init__`): the runtime
reads the class's and spawn's, once, at spawn (API 6, 9), so an instance's would be ignored
without a word, and the tasks meant for it would wait for ever. `spawn` refuses it instead,
as it refuses `self.name = ...`, saying where capabilities go."""

from __future__ import annotations

from typing import Any

import pytest

from actorkit import Actor, ActorSystem, Task


class PerInstance(Actor):
    """Chooses its capabilities from its arguments, as a worker pool's config might."""

    def __init__(self, gpu: bool) -> None:
        if gpu:
            self.capabilities = ("gpu",)  # type: ignore[misc]  # the mistake under test

    async def receive(self, message: Any) -> Any:
        return message.payload if isinstance(message, Task) else message


class DeclaredAndOverridden(Actor):
    capabilities = ("cpu",)

    def __init__(self) -> None:
        self.capabilities = ("gpu",)  # type: ignore[misc]  # the mistake under test

    async def receive(self, message: Any) -> Any:
        return message


REFUSAL = (
    r"PerInstance sets self\.capabilities in __init__, which the runtime never reads: "
    r"declare `capabilities` on the class, or pass spawn\(\.\.\., capabilities=\.\.\.\)"
)


async def test_an_instance_setting_its_capabilities_is_refused_at_spawn() -> None:
    async with ActorSystem() as system:
        with pytest.raises(TypeError, match=REFUSAL):
            await system.spawn(PerInstance, True, name="w")
        assert system.lookup("/w") is None
        assert system.agents() == []
        # Its name is free, and the instance that does not set them is spawned as ever.
        ref = await system.spawn(PerInstance, False, name="w")
        assert await ref.ask("hello") == "hello"
        assert system.agents() == []  # no capabilities: no agent


async def test_a_later_instance_of_a_class_spawned_before_is_checked_too() -> None:
    """The class is learnt at its first spawn; the instance is checked at every one."""
    async with ActorSystem() as system:
        await system.spawn(PerInstance, False)
        with pytest.raises(TypeError, match=REFUSAL):
            await system.spawn(PerInstance, True)


async def test_an_instance_overriding_its_class_capabilities_is_refused() -> None:
    async with ActorSystem() as system:
        with pytest.raises(TypeError, match=r"DeclaredAndOverridden sets self\.capabilities"):
            await system.spawn(DeclaredAndOverridden, capabilities=("extra",))
        assert system.agents() == []


async def test_capabilities_given_to_spawn_serve_the_per_instance_case() -> None:
    async with ActorSystem() as system:
        await system.spawn(PerInstance, False, name="g", capabilities=("gpu",))
        handle = await system.submit("job", requires=("gpu",))
        assert await handle == "job"
        assert [info.capabilities for info in system.agents()] == [frozenset({"gpu"})]


async def test_a_pool_of_such_members_is_refused_whole() -> None:
    async with ActorSystem() as system:
        with pytest.raises(TypeError, match=REFUSAL):
            await system.spawn_pool(PerInstance, True, size=2, name="pool")
        assert system.lookup("/pool") is None
        assert system.agents() == []
