"""Remote refs probed as an Akka Remoting user would: equality and hashing, and `tell`, `send`
and `ask` to a path that does not exist yet, that stopped, that restarted, and whose name was
reused (API.md §1, §2, §9, §10; docs/distributed.md "Semantics of a remote ref")."""

from __future__ import annotations

from typing import Any

import pytest

from actorkit import DEAD_LETTER_TOPIC, Actor, ActorSystem, NotDelivered, OneForOne
from actorkit.testing import Probe

from .nats_support import SAFETY, NatsServer, requires_nats, transport

pytestmark = requires_nats


class Counting(Actor):
    """Answers with how many messages this instance took; "fail" fails it, "quit" stops it."""

    def __init__(self, tag: str = "") -> None:
        self.tag = tag
        self.count = 0

    async def receive(self, message: Any) -> Any:
        if message == "fail":
            raise ValueError("asked to fail")
        if message == "quit":
            self.stop()
            return "bye"
        self.count += 1
        return (self.tag, self.count)


async def test_remote_refs_are_equal_by_target_and_sender_and_hash_alike(
    server: NatsServer,
) -> None:
    async with (
        ActorSystem("left", transport=transport(server)) as left,
        ActorSystem("right", transport=transport(server)) as right,
    ):
        local = await right.spawn(Counting, name="c")
        right.expose(local)
        one, two = left.remote("right", "/c"), left.remote("right", "/c")
        assert one == two and hash(one) == hash(two) and len({one, two}) == 1
        assert {one: "x"}[two] == "x"
        assert one != left.remote("right", "/d") and one != left.remote_group("c")
        assert one != right.remote("right", "/c")  # the same target from another system
        assert one != local and local != one  # a remote ref is no local ref
        await local.stop()
        again = await right.spawn(Counting, "new", name="c")
        right.expose(again)
        # A remote ref names a path: the ref made before the name was reused reaches the
        # new actor, and still equals a ref made now.
        assert one == left.remote("right", "/c")
        assert await one.ask("hello", timeout=SAFETY) == ("new", 1)


async def test_a_path_that_does_not_exist_yet_is_refused_until_exposed_then_reached(
    server: NatsServer,
) -> None:
    async with (
        ActorSystem("left", transport=transport(server)) as left,
        ActorSystem("right", transport=transport(server)) as right,
    ):
        letters = await Probe.spawn(right)
        right.subscribe(letters.ref, DEAD_LETTER_TOPIC)
        later = left.remote("right", "/later")
        for attempt in (later.ask("a", timeout=SAFETY), later.send("s")):
            with pytest.raises(NotDelivered, match="right:/later is not exposed"):
                await attempt
        later.tell("t")
        reasons = [(await letters.receive(SAFETY)).reason for _ in range(3)]
        assert reasons == ["not_exposed"] * 3
        ref = await right.spawn(Counting, name="later")
        with pytest.raises(NotDelivered):  # spawned is not exposed
            await later.ask("b", timeout=SAFETY)
        right.expose(ref)
        assert await later.ask("c", timeout=SAFETY) == ("", 1)


async def test_a_restart_keeps_the_exposure_a_stop_for_good_ends_it(server: NatsServer) -> None:
    async with (
        ActorSystem("left", transport=transport(server)) as left,
        ActorSystem("right", transport=transport(server), supervisor=OneForOne(10)) as right,
    ):
        right.expose(await right.spawn(Counting, name="permanent"))
        right.expose(await right.spawn(Counting, name="transient", restart="transient"))
        permanent = left.remote("right", "/permanent")
        transient = left.remote("right", "/transient")
        assert await permanent.ask("x", timeout=SAFETY) == ("", 1)
        with pytest.raises(ValueError, match="asked to fail"):
            await permanent.ask("fail", timeout=SAFETY)
        assert await permanent.ask("x", timeout=SAFETY) == ("", 1)  # a fresh instance
        # A permanent actor that stops itself is restarted (OTP), and stays exposed.
        assert await permanent.ask("quit", timeout=SAFETY) == "bye"
        assert await permanent.ask("x", timeout=SAFETY) == ("", 1)
        # A transient one is not: it stops for good (an ask that reaches it as it stops is
        # not handled either), and its exposure ends with it.
        assert await transient.ask("quit", timeout=SAFETY) == "bye"
        with pytest.raises(NotDelivered):
            await transient.ask("x", timeout=SAFETY)
        with pytest.raises(NotDelivered, match="not exposed"):
            await transient.send("x")
