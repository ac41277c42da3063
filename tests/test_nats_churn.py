"""Churn between systems: targets that go away during an outage must not hold up the
traffic to the systems that are still there."""

from __future__ import annotations

from actorkit import ActorSystem
from actorkit.testing import Probe

from .nats_support import SAFETY, NatsServer, link_of, requires_nats, transport
from .nats_systems_support import Echo

pytestmark = requires_nats


async def test_a_target_gone_during_an_outage_does_not_hold_up_asks_to_the_others(
    own: NatsServer,
) -> None:
    """The ghost's tell waits up to `buffer_timeout` for the ghost to answer a probe; an ask
    and tells to a live system made after the reconnect leave at once, in their order,
    instead of timing out behind it."""
    link = transport(own, buffer_timeout=SAFETY * 2)
    async with (
        ActorSystem("asker", transport=link) as asker,
        ActorSystem("alive", transport=transport(own)) as alive,
    ):
        alive.expose(await alive.spawn(Echo, name="echo"))
        probe = await Probe.spawn(alive, name="probe")
        alive.expose(probe.ref)
        own.stop()
        await link.link_down.wait()
        asker.remote("ghost", "/x").tell("waits for the ghost")
        own.start()
        await link.link_up.wait()
        await link_of(alive).link_up.wait()
        for number in range(3):
            asker.remote("alive", "/probe").tell(number)
        echo = asker.remote("alive", "/echo")
        assert await echo.ask("hi", timeout=SAFETY / 4) == ("echo", "hi")
        assert [await probe.receive(timeout=SAFETY / 4) for _ in range(3)] == [0, 1, 2]
        assert link.health()["buffered"] == 1  # the ghost's tell still waits for its probe
        # While connected, the shutdown gives that tell a second to drain, waiting on a ghost
        # that never answers; with the link down it has nowhere to drain and ends now
        own.stop()
        await link.link_down.wait()
