"""User objects a durable actor hands the runtime whose own `__repr__` or `__str__` raises, where
the runtime only meant to describe them: a dict key of an event. None may cost a refusal the
words that say what to change."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import ActorSystem
from actorkit.persistence import MemoryStore

from ..hardening_support import BOUND
from .durable_bad_input_support import Ledger
from .durable_support import journal

pytestmark = pytest.mark.timeout(30)


class Key:
    """A dict key no store can keep, whose `__repr__` raises."""

    def __repr__(self) -> str:
        raise RuntimeError("__repr__ of Key")


@pytest.mark.parametrize("event", [{Key(): 1}, {"a": 1, Key(): 2}, [{"a": {Key(): 1}}]])
async def test_an_event_keyed_by_an_unprintable_key_is_refused_saying_what_to_change(
    event: object,
) -> None:
    """The walk that finds the value which may not cross named each key it passed by its repr,
    so the persist raised the key's `RuntimeError` instead of the `TypeError` that says what
    a key may be."""
    async with asyncio.timeout(BOUND):
        async with ActorSystem(metrics=False, store=(store := MemoryStore())) as system:
            ledger = await system.spawn(Ledger, name="ledger")
            with pytest.raises(TypeError, match=r"cannot encode a dict keyed by .*\.Key"):
                await ledger.ask(event)
            assert await journal(store, "/ledger") == []
