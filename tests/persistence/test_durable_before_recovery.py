"""Writes before an instance's recovery finished are refused. Only a task that `__init__`
started can write so early: a persist would then be replayed onto the state it applied to,
and a reminder write would race the writes of the instance before (which recovery waits
for), so that a retirement meanwhile handed on only its own and the next instance read the
store before the earlier write landed."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from actorkit import ActorSystem
from actorkit.persistence import MemoryStore, StoredReminder

from .instances_support import CLASSES, Ledger, Note, go_now, stored

pytestmark = pytest.mark.timeout(30)


class EagerLedger(Ledger):
    """Leaves `action` running from `__init__`, before its recovery."""

    def __init__(
        self, built: asyncio.Queue[object], action: str, outcome: asyncio.Future[object]
    ) -> None:
        super().__init__(built)
        go, _ = go_now()
        self.left = asyncio.ensure_future(self.act(action, go, outcome))


class EagerNote(Note):
    def __init__(
        self, built: asyncio.Queue[object], action: str, outcome: asyncio.Future[object]
    ) -> None:
        super().__init__(built)
        go, _ = go_now()
        self.left = asyncio.ensure_future(self.act(action, go, outcome))


EAGER = {Ledger: EagerLedger, Note: EagerNote}


class TwoGates(MemoryStore):
    """Holds appends while `hold_appends` is set, until `appends` opens, and every reminder
    store until `puts` opens: two writes in flight, released one at a time."""

    def __init__(self) -> None:
        super().__init__()
        self.hold_appends = False
        self.appends, self.puts = asyncio.Event(), asyncio.Event()
        self.append_held, self.put_held = asyncio.Event(), asyncio.Event()

    async def append(
        self, persistence_id: str, expected_seq: int, payloads: Sequence[bytes]
    ) -> float:
        if self.hold_appends:
            self.append_held.set()
            await self.appends.wait()
        return await super().append(persistence_id, expected_seq, payloads)

    async def put_reminder(self, persistence_id: str, reminder: StoredReminder) -> None:
        self.put_held.set()
        await self.puts.wait()
        await super().put_reminder(persistence_id, reminder)


def refused_before_recovery(outcome: object, call: str) -> None:
    assert isinstance(outcome, RuntimeError), outcome
    assert str(outcome).startswith(f"{call} refused: /a has not finished recovering")
    assert "nothing was written" in str(outcome) and "on_start" in str(outcome)


@pytest.mark.parametrize("action", ["write", "remind", "cancel"])
@pytest.mark.parametrize("cls", CLASSES)
async def test_a_write_from_a_task_that_init_started_is_refused_before_recovery(
    cls: type[Ledger | Note], action: str
) -> None:
    """Refused with what to change, nothing stored; the instance recovers and writes as usual."""
    call = {
        "write": "persist" if cls is Ledger else "save",
        "remind": "reminders.start('r')",
        "cancel": "reminders.cancel('r')",
    }[action]
    async with asyncio.timeout(10):
        async with ActorSystem("z", store=(store := MemoryStore())) as system:
            outcome = asyncio.get_running_loop().create_future()
            ref = await system.spawn(EAGER[cls], asyncio.Queue(), action, outcome, name="a")
            refused_before_recovery(await outcome, call)
            assert await store.reminders("/a") == []
            assert await ref.ask("get") == []
            assert await ref.ask(5) == [5]
            assert await stored(store, cls) == [5]


async def test_the_next_instance_recovers_after_the_write_in_flight_before_a_refused_one() -> None:
    """The first actor's persist is in flight when it stops; the second's recovery waits for
    it, and a reminder its `__init__` task starts meanwhile is refused, so the second, its
    spawn cancelled, hands on the first's write: the third recovers after it lands, instead
    of reading the journal just before (its next persist then a conflict)."""
    store = TwoGates()
    built: asyncio.Queue[object] = asyncio.Queue()
    async with asyncio.timeout(10):
        async with ActorSystem("z", store=store) as system:
            ref = await system.spawn(Ledger, built, name="a")
            await built.get()
            await ref.ask(1)
            store.hold_appends = True
            go, written = go_now()
            await ref.ask(("leave", "write", go, written))
            await store.append_held.wait()
            await ref.stop()
            outcome = asyncio.get_running_loop().create_future()
            second = asyncio.ensure_future(
                system.spawn(EagerLedger, built, "remind", outcome, name="a")
            )
            await built.get()  # its recovery waits for the first's write
            held = asyncio.ensure_future(store.put_held.wait())
            await asyncio.wait({outcome, held}, return_when=asyncio.FIRST_COMPLETED)
            held.cancel()
            second.cancel()
            with pytest.raises(asyncio.CancelledError):
                await second
            third = asyncio.ensure_future(system.spawn(Ledger, built, name="a"))
            await built.get()
            store.puts.set()
            refused_before_recovery(await outcome, "reminders.start('r')")
            store.appends.set()
            assert await written == "done"
            ref = await third
            assert await ref.ask("get") == [1, 100]
            assert await ref.ask(5) == [1, 100, 5]
            assert await store.reminders("/a") == []
