"""A durable instance's binding on its own: the states its writes go through, each edge that
the actor-level tests cannot reach at will (a retirement during recovery, a reminder beside
a persist in flight, a stopped instance that only handed on the writes before it)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from actorkit import ActorStopped
from actorkit.persistence._binding import Binding


class Service:
    """What a binding asks of its `Persistence`: its store, its metrics, and to be told when
    a retired instance's last write ended."""

    def __init__(self) -> None:
        self.store = None
        self.metrics = None
        self.ended: list[Binding] = []

    def written(self, binding: Binding) -> None:
        self.ended.append(binding)


def bound(service: Service) -> Binding:
    loop = asyncio.get_running_loop()
    cell: Any = SimpleNamespace(display_path="/a", runtime=SimpleNamespace(loop=loop))
    return Binding(service, cell, "a", "Ledger")  # type: ignore[arg-type]


async def test_an_instance_retired_while_it_recovers_stays_retired_when_recovery_ends() -> None:
    binding = bound(Service())
    assert binding.retire(replaced=False) is None  # nothing in flight to hand on
    binding.recovered_now()
    assert binding.retired
    refused = binding.refusal("persist")
    assert isinstance(refused, ActorStopped)
    assert str(refused).startswith("persist refused: /a is stopped")


async def test_a_reminder_write_may_start_beside_a_persist_in_flight() -> None:
    binding = bound(Service())
    binding.recovered_now()
    binding.busy = True  # a persist in flight, as `persist` marks it
    binding.begin_reminder("reminders.start('r')")
    assert binding.reminding == 1
    binding.end_reminder()
    binding.end_write()
    assert (binding.busy, binding.reminding) == (False, 0)


async def test_a_stopped_instance_that_wrote_nothing_lets_go_after_the_writes_before_it() -> None:
    """It wrote nothing itself, so the writes of the instance before it are what the next one
    waits for; once they land, its entry goes, as that of any stopped instance."""
    service = Service()
    binding = bound(service)
    before: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    binding.after = before
    assert binding.retire(replaced=False) is before
    assert service.ended == []
    after_binding = asyncio.Event()  # done callbacks run in the order they were added
    before.add_done_callback(lambda _: after_binding.set())
    before.set_result(None)
    async with asyncio.timeout(5):
        await after_binding.wait()
    assert service.ended == [binding]


async def test_a_stopped_instance_lets_go_when_the_last_of_its_writes_in_flight_ends() -> None:
    """A persist and a reminder write were in flight at its stop: the next instance waits for
    both, and the stopped one's entry goes with the last."""
    service = Service()
    binding = bound(service)
    binding.recovered_now()
    binding.busy = True
    binding.begin_reminder("reminders.start('r')")
    in_flight = binding.retire(replaced=False)
    assert in_flight is not None
    binding.end_write()
    assert (in_flight.done(), service.ended) == (False, [])
    binding.end_reminder()
    assert in_flight.done()
    assert service.ended == [binding]
