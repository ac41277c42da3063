"""Link faults of the NATS transport, injected against a real nats-server that the test
stops, freezes, restarts or reconfigures: an unreachable peer, a full outbound buffer, a
server that stops answering, a write the client refuses, a connection closed for good and the
drain timeout in `stop`. Every message
given up on is a dead letter with a reason and is counted in `rejected`; every waiting ask
fails at once, not at its timeout."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from actorkit import DEAD_LETTER_TOPIC, Actor, ActorStopped, ActorSystem, MailboxFull
from actorkit._nats._options import nats_options
from actorkit.nats import NatsTransport
from actorkit.testing import ManualClock, Probe

from .nats_support import SAFETY, Gate, NatsServer, requires_nats, transport
from .nats_systems_support import ask_waiting_for_room

pytestmark = requires_nats


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


async def test_tells_for_an_unreachable_peer_become_dead_letters(own: NatsServer) -> None:
    link = transport(own, buffer_timeout=0.2)
    async with ActorSystem("lonely", transport=link) as system:
        own.stop()
        await link.link_down.wait()
        system.remote("ghost", "/x").tell("lost")  # buffered until ghost answers a probe
        own.start()
        await link.link_up.wait()
        system.remote("ghost", "/x").tell("later")  # waits behind it, but sent: not buffered
        await link.flush(timeout=SAFETY)  # the probe gave up and dropped it
        assert system.dead_letters.by_reason == {"unreachable": 1}
        assert link.rejected["unreachable"] == 1


async def test_a_publish_buffered_in_an_outage_waits_for_no_probe(own: NatsServer) -> None:
    """A topic has no one to answer a probe: its publishes leave once the link is back, to
    whoever has subscribed again by then, never given up on as `unreachable`."""
    link = transport(own, buffer_timeout=0.2)
    async with ActorSystem("announcer", transport=link) as system:
        own.stop()
        await link.link_down.wait()
        system.publish("events.x", "buffered")
        own.start()
        await link.link_up.wait()
        await link.flush(timeout=SAFETY)
        assert system.dead_letters.count == 0
        assert sum(link.rejected.values()) == 0


async def test_a_silent_target_leaves_the_others_their_own_buffer_timeout(
    own: NatsServer,
) -> None:
    """The silent target is first in the queue: a target queued behind it gets its own
    `buffer_timeout` to answer, and its tells are sent without waiting for the silent one."""
    link = transport(own, buffer_timeout=0.5)
    async with ActorSystem("patient", transport=link) as system:
        probe = await Probe.spawn(system, name="probe")
        system.expose(probe.ref)
        own.stop()
        await link.link_down.wait()
        system.remote("ghost", "/x").tell("lost")
        for number in range(3):
            system.remote("patient", "/probe").tell(number)
        own.start()
        await link.link_up.wait()
        assert [await probe.receive(timeout=SAFETY) for _ in range(3)] == [0, 1, 2]
        await link.flush(timeout=SAFETY)  # the silent one's probe gave up
        assert system.dead_letters.by_reason == {"unreachable": 1}


async def test_a_periodic_timer_to_a_remote_ref_outlasts_an_outage(own: NatsServer) -> None:
    """A remote ref's `is_alive` is False while NATS is down, which says nothing of the actor:
    the tick due then waits in the outbound buffer and the timer goes on ticking."""
    clock = ManualClock()
    link = transport(own)
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("ticking", clock=clock, transport=link) as system,
    ):
        probe = await Probe.spawn(system, name="probe")
        system.expose(probe.ref)
        ticks = system.schedule_every(1.0, system.remote("ticking", "/probe"), "tick")
        own.stop()
        await link.link_down.wait()
        await clock.advance(1.0)
        assert ticks.active
        own.start()
        await link.link_up.wait()
        await clock.advance(1.0)
        assert [await probe.receive(), await probe.receive()] == ["tick", "tick"]
        assert ticks.cancel()
        assert system.dead_letters.count == 0


async def test_a_full_buffer_during_an_outage(own: NatsServer) -> None:
    link = transport(own, max_buffered=2)
    async with ActorSystem("full", transport=link) as system:
        system.expose(await system.spawn(Echo, name="echo"))
        echo = system.remote("full", "/echo")
        own.stop()
        await link.link_down.wait()
        echo.tell(1)
        echo.tell(2)
        with pytest.raises(MailboxFull, match="outbound buffer is full"):
            echo.tell(3)
        for n in range(3):  # publishes have as much room of their own
            assert system.publish("events.x", n) == 0
        assert link.health()["buffered"] == 4
        with pytest.raises(ActorStopped, match="not connected"):
            await echo.ask("hi")
        assert system.dead_letters.by_reason == {"buffer_full": 1}
        assert link.rejected["buffer_full"] == 2
        own.start()
        await link.link_up.wait()
        assert await echo.ask("hi") == "hi"


async def test_an_ask_waiting_for_room_fails_at_once_when_the_link_drops(
    own: NatsServer,
) -> None:
    link = transport(own, max_buffered=1, buffer_timeout=SAFETY)
    async with ActorSystem("crowded", transport=link) as system:
        system.expose(await system.spawn(Echo, name="echo"))
        waiting = await ask_waiting_for_room(system, own, link)
        own.stop()
        await link.link_down.wait()
        async with asyncio.timeout(SAFETY / 4):  # not after the ask's own timeout
            with pytest.raises(ActorStopped, match="not connected"):
                await waiting


def test_by_default_a_server_is_pinged_every_5_s_and_given_up_after_2_unanswered() -> None:
    """nats-py's own 120 s left `/healthz` reading `connected` for 4 to 6 minutes after its
    server froze; the next test shows what the two options do, on a shorter interval."""
    options = nats_options(2.0, {}, {})
    assert (options["ping_interval"], options["max_outstanding_pings"]) == (5, 2)
    assert nats_options(2.0, {}, {"ping_interval": 30})["ping_interval"] == 30  # the user's wins


async def test_a_server_that_stopped_answering_turns_healthz_degraded(own: NatsServer) -> None:
    assert own.process is not None
    link = NatsTransport(own.url, ping_interval=0.2)
    async with ActorSystem("watched", transport=link) as system:
        http = await system.serve_http(port=0)
        os.kill(own.process.pid, signal.SIGSTOP)
        try:
            async with asyncio.timeout(SAFETY):
                await link.link_down.wait()
                async with (
                    aiohttp.ClientSession() as session,
                    session.get(f"{http.url}/healthz") as response,
                ):
                    body = await response.json()
        finally:
            os.kill(own.process.pid, signal.SIGCONT)
        assert response.status == 200
        assert body["status"] == "degraded"
        assert body["transport"]["state"] == "reconnecting"


async def test_stop_drops_what_does_not_drain_within_its_second(own: NatsServer) -> None:
    link = transport(own, buffer_timeout=SAFETY)
    system = ActorSystem("drainer", transport=link)
    await system.start()
    try:
        own.stop()
        await link.link_down.wait()
        system.remote("ghost", "/x").tell("first")  # its probe holds them up
        system.remote("ghost", "/y").tell("second")
        own.start()
        await link.link_up.wait()
        started = asyncio.get_running_loop().time()
        await system.shutdown()
        assert asyncio.get_running_loop().time() - started < SAFETY / 4
        assert system.dead_letters.by_reason == {"shutdown": 2}
        assert link.rejected["shutdown"] == 2
        assert link.health()["buffered"] == 0
    finally:
        await system.shutdown()


async def test_a_connection_closed_for_good_fails_and_drops_everything(own: NatsServer) -> None:
    link = transport(own, max_reconnect_attempts=1)
    async with ActorSystem("doomed", transport=link) as system:
        arrived, release = asyncio.Event(), asyncio.Event()
        system.expose(await system.spawn(Gate, arrived, release, name="gate"))
        letters = await Probe.spawn(system)
        system.subscribe(letters.ref, DEAD_LETTER_TOPIC)
        gate = system.remote("doomed", "/gate")
        asking = asyncio.ensure_future(gate.ask("held", timeout=SAFETY))
        await arrived.wait()
        own.stop()
        await link.link_down.wait()
        with pytest.raises(ActorStopped, match="may or may not have been handled"):
            await asking  # at once, not after its timeout
        gate.tell("buffered")
        letter = await letters.receive(timeout=SAFETY)  # when the reconnect gave up
        assert (letter.message, letter.reason) == ("buffered", "transport_closed")
        assert link.health()["state"] == "closed"
        assert link.health()["buffered"] == 0
        gate.tell("after")
        system.publish("events.x", "after")
        with pytest.raises(ActorStopped, match="not connected"):
            await gate.ask("after")
        assert system.dead_letters.by_reason == {"transport_closed": 3}
        assert link.rejected["transport_closed"] == 3
        release.set()


async def test_a_write_the_client_refuses_is_a_dead_letter(own: NatsServer, tmp_path: Path) -> None:
    """Encoded under one server's `max_payload`, sent after a reconnect to a server that
    takes less: nats-py refuses the write."""
    link = transport(own)
    async with ActorSystem("shrinking", transport=link) as system:
        probe = await Probe.spawn(system, name="probe")
        system.expose(probe.ref)
        remote = system.remote("shrinking", "/probe")
        own.stop()
        await link.link_down.wait()
        remote.tell("x" * 200)
        remote.tell("small")
        own.configure(tmp_path / "small.conf", "max_payload: 100\n")
        own.start()
        await link.link_up.wait()
        assert await probe.receive(timeout=SAFETY) == "small"
        assert system.dead_letters.by_reason == {"send_failed": 1}
        assert link.rejected["send_failed"] == 1


async def test_group_members_stopping_after_the_connection_closed_leave_quietly(
    own: NatsServer,
) -> None:
    """Their unsubscription cannot reach a closed connection: that is logged, not left as a
    task whose exception nobody retrieves."""
    loop = asyncio.get_running_loop()
    unhandled: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _, context: unhandled.append(context))
    link = transport(own, max_reconnect_attempts=1)
    try:
        async with ActorSystem("leaving", transport=link) as system:
            for name in ("a", "b"):
                system.expose(await system.spawn(Echo, name=name), group=name)
            await link.flush()
            letters = await Probe.spawn(system)
            system.subscribe(letters.ref, DEAD_LETTER_TOPIC)
            own.stop()
            await link.link_down.wait()
            system.remote("leaving", "/a").tell("canary")
            assert (await letters.receive(timeout=SAFETY)).reason == "transport_closed"
            member = system.lookup("/a")
            assert member is not None
            await member.stop()
        gc.collect()
        assert unhandled == []
    finally:
        loop.set_exception_handler(None)
