"""An event whose registered class has a field never set (`field(init=False)` that nothing
assigned) cannot be stored: a `TypeError` naming the field, before anything is written."""

from __future__ import annotations

import dataclasses

import pytest

import actorkit
from actorkit import ActorSystem
from actorkit.persistence import MemoryStore

from .durable_bad_input_support import Ledger
from .durable_support import Deposited, journal

pytestmark = pytest.mark.timeout(30)


@actorkit.message
@dataclasses.dataclass(frozen=True)
class Halfway:
    amount: int
    fee: int = dataclasses.field(init=False)  # nothing sets it


async def test_an_event_with_a_field_never_set_is_a_type_error_and_nothing_is_written() -> None:
    async with ActorSystem("bad", store=(store := MemoryStore())) as system:
        ledger = await system.spawn(Ledger, name="ledger")
        with pytest.raises(TypeError, match=r"^event cannot be stored: .*Halfway at Halfway.fee"):
            await ledger.ask(Halfway(1))
        assert await journal(store, "/ledger") == []
        assert await ledger.ask(Deposited(1)) == 1  # nothing of it was applied
