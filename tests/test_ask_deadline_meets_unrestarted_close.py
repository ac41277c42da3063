"""The close of an actor that a draining stop found waiting out a restart's backoff
(`_restart_steps.close_unrestarted`: its queue dead-lettered `not_restarted`), in the loop turn of
an ask's deadline, as `test_ask_deadline_meets_close` has a forced stop's (api.md §9): an ask
waiting for room, or granted a place it has not taken yet, is answered by whichever came
first, and its one dead letter agrees; a close first is `NotDelivered`, though the asker
runs only after both."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import ActorSystem, AskTimeout, Backoff, NotDelivered, OneForOne
from actorkit._restart_steps import close_unrestarted
from actorkit.testing import ManualClock

from .ask_fates_support import give_the_head_s_place, in_the_deadlines_turn
from .invariants import assert_settled
from .supervision_support import Worker


@pytest.mark.parametrize("granted", [False, True], ids=["waiting for room", "granted a place"])
@pytest.mark.parametrize(
    ("first", "fate"),
    [("deadline", "AskTimeout expired"), ("close", "NotDelivered stopping")],
)
async def test_an_ask_s_deadline_and_an_unrestarted_close_in_one_turn_agree_on_its_fate(
    granted: bool, first: str, fate: str, monkeypatch: pytest.MonkeyPatch, clock: ManualClock
) -> None:
    strategy = OneForOne(backoff=Backoff(min=30.0, max=60.0, jitter=0))
    async with asyncio.timeout(10), ActorSystem(clock=clock, supervisor=strategy) as system:
        ref = await system.spawn(Worker, [], "w", name="w", mailbox_size=1)
        cell = ref._cell

        def before() -> None:
            if granted:
                assert give_the_head_s_place(cell.mailbox)
            if first == "close":
                close_unrestarted(cell, None)

        def after() -> None:
            if first == "deadline":
                close_unrestarted(cell, None)

        in_the_deadlines_turn(monkeypatch, before, after)
        ref.tell("crash")
        await clock.settle()  # waiting out its backoff, its mailbox kept
        ref.tell("queued")
        asking = asyncio.ensure_future(ref.ask("the ask", timeout=1.0))
        await clock.settle()
        assert cell.mailbox.blocked is not None
        await clock.advance(1.0)
        with pytest.raises((AskTimeout, NotDelivered)) as raised:
            await asking
        fates = [d.reason for d in system.dead_letters.recent if d.message == "the ask"]
        assert len(fates) == 1, fates
        assert f"{type(raised.value).__name__} {fates[0]}" == fate
        assert [d.reason for d in system.dead_letters.recent if d.message == "queued"] == [
            "not_restarted"
        ]
        await assert_settled(system)
