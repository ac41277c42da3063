"""Every way a remote ask queued with a `Reply` (`_nats._reply`) ends answers its asker once,
as the local ask's future would have, and leaves the answering actor running where a local
ask would: each reply a plain NATS client gets is counted, and the count is read only after
both connections made a round trip to the server, so a second reply would have arrived."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import msgspec
import nats
import pytest

from actorkit import Actor, ActorRef, ActorSystem, AskTimeout
from actorkit._nats._frames import ASK, ERROR, OK
from actorkit._nats._reply import Reply
from actorkit.nats import NatsTransport

from .nats_support import SAFETY, Gate, NatsServer, requires_nats, transport

pytestmark = requires_nats


class Replies:
    """Asks sent raw from a client of the test's own, each reply kept under its ask's number."""

    def __init__(self, client: Any, system: str) -> None:
        self._client = client
        self._subject = f"actorkit.actor.{system}"
        self._inbox: str = client.new_inbox()
        self.got: dict[int, list[list[Any]]] = {}
        self._arrived: dict[int, asyncio.Event] = {}

    async def start(self) -> None:
        await self._client.subscribe(f"{self._inbox}.*", cb=self._on_reply)

    async def _on_reply(self, msg: Any) -> None:
        n = int(msg.subject.rsplit(".", 1)[1])
        self.got.setdefault(n, []).append(msgspec.msgpack.decode(msg.data))
        self._arrived.setdefault(n, asyncio.Event()).set()

    async def ask(self, n: int, path: str, body: Any, timeout: float = SAFETY) -> None:
        frame = msgspec.msgpack.encode([ASK, path, body, timeout])
        await self._client.publish(self._subject, frame, reply=f"{self._inbox}.{n}")
        await self._client.flush(timeout=SAFETY)

    async def reply(self, n: int) -> list[Any]:
        async with asyncio.timeout(SAFETY):
            await self._arrived.setdefault(n, asyncio.Event()).wait()
        return self.got[n][0]

    async def settled(self, link: NatsTransport | None) -> dict[int, int]:
        """How many replies each ask had, once whatever the system sent reached the client
        (`link` None: the system is gone, its connection closed after what it sent)."""
        if link is not None:
            await link.flush(timeout=SAFETY)
        await self._client.flush(timeout=SAFETY)
        return {n: len(replies) for n, replies in sorted(self.got.items())}


@asynccontextmanager
async def answering(own: NatsServer) -> AsyncIterator[tuple[ActorSystem, Replies, NatsTransport]]:
    """The system `answers` on its transport, and a client asking it."""
    link = transport(own)
    client = await nats.connect(own.url)
    try:
        replies = Replies(client, "answers")
        await replies.start()
        async with ActorSystem("answers", transport=link) as system:
            yield system, replies, link
    finally:
        await client.close()


def error_kind(reply: list[Any]) -> str:
    assert reply[0] == ERROR, reply
    kind: str = reply[1]
    return kind


class Abort(BaseException):
    """Not an `Exception`: still a failure of the actor, answered to a local asker."""


class Aborting(Actor):
    async def receive(self, message: Any) -> Any:
        if message == "abort":
            raise Abort("aborted")
        return message


async def test_a_handler_raising_a_base_exception_is_answered(own: NatsServer) -> None:
    """A local asker gets the `Abort` itself (API §2); the remote one its error, at once."""
    async with answering(own) as (system, replies, link):
        system.expose(await system.spawn(Aborting, name="aborting"))
        await replies.ask(1, "/aborting", "abort")
        assert error_kind(await replies.reply(1)).endswith("Abort")
        await replies.ask(2, "/aborting", "after")
        assert await replies.reply(2) == [OK, "after"]
        assert await replies.settled(link) == {1: 1, 2: 1}


async def test_a_pool_member_raising_a_base_exception_is_answered(own: NatsServer) -> None:
    """The same through `ActorRef.ask`'s path (a pool's asks take it)."""
    async with answering(own) as (system, replies, link):
        system.expose(await system.spawn_pool(Aborting, size=1, name="aborting"))
        await replies.ask(1, "/aborting", "abort")
        assert error_kind(await replies.reply(1)).endswith("Abort")
        assert await replies.settled(link) == {1: 1}


async def test_a_deadline_during_the_handler_answers_once(own: NatsServer) -> None:
    async with answering(own) as (system, replies, link):
        _, _arrived, release = await exposed_gate(system)
        await replies.ask(1, "/gate", "held", timeout=0.05)
        assert error_kind(await replies.reply(1)) == "actorkit.AskTimeout"
        release.set()
        await replies.ask(2, "/gate", "next")
        assert await replies.reply(2) == [OK, "next"]
        assert await replies.settled(link) == {1: 1, 2: 1}


@pytest.mark.parametrize("forced", [False, True])
async def test_a_stop_answers_the_asks_in_hand_and_queued_once(
    own: NatsServer, forced: bool
) -> None:
    async with answering(own) as (system, replies, link):
        gate, arrived, release = await exposed_gate(system)
        await one_held_one_queued(replies, link, "/gate", "held", arrived)
        if forced:
            await gate.stop(timeout=0)
        else:
            stopping = asyncio.ensure_future(gate.stop())
            await asyncio.sleep(0)  # one turn: the stop is posted, not a wait for time
            release.set()
            await stopping
        first = await replies.reply(1)
        assert error_kind(first) == "actorkit.ActorStopped" if forced else first == [OK, "held"]
        assert error_kind(await replies.reply(2)) in ("actorkit.NotDelivered",)
        assert await replies.settled(link) == {1: 1, 2: 1}


async def exposed_gate(system: ActorSystem) -> tuple[ActorRef, asyncio.Event, asyncio.Event]:
    """A `Gate` at /gate, exposed: its `arrived` and `release` events."""
    arrived, release = asyncio.Event(), asyncio.Event()
    gate = await system.spawn(Gate, arrived, release, name="gate")
    system.expose(gate)
    return gate, arrived, release


async def one_held_one_queued(
    replies: Replies, link: NatsTransport, path: str, first: str, arrived: asyncio.Event
) -> None:
    """Ask 1 (`first`) is in the actor's hands, ask 2 queued behind it."""
    await replies.ask(1, path, first)
    await arrived.wait()
    await replies.ask(2, path, "queued")
    await link.flush(timeout=SAFETY)


class FailsOnce(Gate):
    async def receive(self, message: Any) -> Any:
        if message == "fail":
            self.arrived.set()
            await self.release.wait()
            raise ValueError("failed")
        return message


async def test_a_restart_keeps_the_queued_asks_and_answers_each_once(own: NatsServer) -> None:
    async with answering(own) as (system, replies, link):
        arrived, release = asyncio.Event(), asyncio.Event()
        system.expose(await system.spawn(FailsOnce, arrived, release, name="fails"))
        await one_held_one_queued(replies, link, "/fails", "fail", arrived)
        release.set()
        assert error_kind(await replies.reply(1)) == "builtins.ValueError"
        assert await replies.reply(2) == [OK, "queued"]
        assert await replies.settled(link) == {1: 1, 2: 1}


async def test_a_pool_member_that_stops_hands_its_remote_asks_on(own: NatsServer) -> None:
    async with answering(own) as (system, replies, link):
        arrived, release = asyncio.Event(), asyncio.Event()
        pool = await system.spawn_pool(Gate, arrived, release, size=2, name="gates")
        member = pool.members[0]
        system.expose(member)
        path = member.path
        await one_held_one_queued(replies, link, path, "held", arrived)
        stopping = asyncio.ensure_future(member.stop())
        await asyncio.sleep(0)  # one turn: the stop is posted, not a wait for time
        release.set()
        await stopping
        assert await replies.reply(1) == [OK, "held"]
        assert await replies.reply(2) == [OK, "queued"]
        assert await replies.settled(link) == {1: 1, 2: 1}


async def test_a_timeout_no_local_ask_may_have_is_refused(own: NatsServer) -> None:
    """An ask from a client of any make, beyond `check_seconds`' bound: refused as `ask`
    refuses it, and the deadlines of the asks after it still fire."""
    async with answering(own) as (system, replies, link):
        gate, _arrived, release = await exposed_gate(system)
        await replies.ask(1, "/gate", "forever", timeout=1e300)
        assert error_kind(await replies.reply(1)) == "builtins.ValueError"
        with pytest.raises(AskTimeout):
            await gate.ask("held", timeout=0.05)
        release.set()
        assert await replies.settled(link) == {1: 1}


async def test_a_forced_shutdown_answers_the_asks_in_hand_and_queued(own: NatsServer) -> None:
    """The actors stop before the transport does: their askers hear why, each once."""
    async with answering(own) as (system, replies, link):
        _, arrived, _release = await exposed_gate(system)
        await one_held_one_queued(replies, link, "/gate", "held", arrived)
        await system.shutdown(timeout=0)
        assert error_kind(await replies.reply(1)) == "actorkit.ActorStopped"
        assert error_kind(await replies.reply(2)) == "actorkit.NotDelivered"
        assert await replies.settled(None) == {1: 1, 2: 1}


async def test_an_answered_ask_leaves_no_cycle_behind(own: NatsServer) -> None:
    """Its reply and envelope hold each other until it is answered, then are freed at once:
    a cycle per remote ask would be left for the collector, whose passes grow with it."""
    async with answering(own) as (system, replies, _link):
        system.expose(await system.spawn(Aborting, name="aborting"))
        gc.collect()
        gc.disable()
        try:
            for n, body in enumerate(["answered", "abort"]):
                await replies.ask(n, "/aborting", body)
                await replies.reply(n)
            assert [o for o in gc.get_objects() if type(o) is Reply] == []
        finally:
            gc.enable()


class StopsItself(Gate):
    async def receive(self, message: Any) -> Any:
        answer = await super().receive(message)
        self.stop()
        return answer


async def test_a_self_stop_answers_its_ask_and_refuses_the_queued_once(own: NatsServer) -> None:
    async with answering(own) as (system, replies, link):
        arrived, release = asyncio.Event(), asyncio.Event()
        stops = await system.spawn(StopsItself, arrived, release, name="stops", restart="temporary")
        system.expose(stops)
        await one_held_one_queued(replies, link, "/stops", "last", arrived)
        release.set()
        assert await replies.reply(1) == [OK, "last"]
        assert error_kind(await replies.reply(2)) == "actorkit.NotDelivered"
        assert await replies.settled(link) == {1: 1, 2: 1}


async def test_a_reply_set_while_the_connection_is_down_leaves_the_actor_answering(
    own: NatsServer,
) -> None:
    """nats-py keeps it for the reconnection, or refuses it: either way nothing escapes into
    the receive loop that set it, or into the event loop."""
    loop = asyncio.get_running_loop()
    unhandled: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _, context: unhandled.append(context))
    try:
        async with answering(own) as (system, replies, link):
            gate, arrived, release = await exposed_gate(system)
            await replies.ask(1, "/gate", "held")
            await arrived.wait()
            own.stop()
            await link.link_down.wait()
            release.set()
            assert await gate.ask("local", timeout=SAFETY) == "local"
            assert gate.is_alive
    finally:
        loop.set_exception_handler(None)
    assert unhandled == []
