"""`DurableState.save` where the durable-state tests did not look (found by a mutation review
of `_durable_state`)."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import ActorSystem
from actorkit.persistence import PersistenceConflict

from .durable_support import SharedMemoryStore
from .test_durable_commit_in_doubt import Kept

pytestmark = pytest.mark.timeout(30)


async def test_a_save_another_writer_made_first_is_a_conflict_even_of_the_same_value() -> None:
    """Two live instances of one id (two systems on one store): the second save expects the
    revision both started from, so it is refused, though the value stored is the one it
    would have written; taking it as its own would hide the other writer."""
    store = SharedMemoryStore()
    async with asyncio.timeout(10):
        async with (
            ActorSystem("one", store=store) as one,
            ActorSystem("two", store=store.another()) as two,
        ):
            first = await one.spawn(Kept, name="k")
            second = await two.spawn(Kept, name="k")
            assert await first.ask("same") == "same"
            with pytest.raises(PersistenceConflict, match="expected state revision 0"):
                await second.ask("same")
