"""`thread_turns()` gives turns to the loop running the code that enters it: a coroutine's, or
a plain callback's on that loop (a protocol's `data_received` handing work to a thread), and
lets go of them on leaving. Only where no loop runs is it refused."""

from __future__ import annotations

import asyncio

import actorkit
from actorkit import _thread_turns


async def test_thread_turns_in_a_callback_on_the_loop_takes_that_loop_s_turns() -> None:
    loop = asyncio.get_running_loop()
    held: asyncio.Future[bool] = loop.create_future()

    def callback() -> None:
        with actorkit.thread_turns():
            held.set_result(loop in _thread_turns.LOOPS)

    loop.call_soon(callback)
    async with asyncio.timeout(5):
        assert await held is True
    assert loop not in _thread_turns.LOOPS  # let go of as it was left
