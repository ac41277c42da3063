"""A spawn refused with a `TypeError`, as the checks of an actor class refuse it: before
anything starts, leaving no actor behind."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import MemoryStore

from .hardening_support import BOUND


async def refused_at_spawn(factory: Any, *args: Any) -> str:
    """The message of the `TypeError` a spawn of `factory(*args)` raises, on a system with a
    store (so durable classes are spawned too), checked to have left no actor behind."""
    async with ActorSystem(metrics=False, store=MemoryStore()) as system:
        async with asyncio.timeout(BOUND):
            with pytest.raises(TypeError) as refused:
                await system.spawn(factory, *args)
        assert system.actor_count == 0
    return str(refused.value)
