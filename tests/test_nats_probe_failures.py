"""The probe after an outage (`_probes`), when its ping does not simply come back: a target
whose pings time out is given up on after its `buffer_timeout`, a ping the client fails
(the connection dropping again) is sent again, and one that fails unexpectedly gives the
target up, logged: the writer outlives any one probe."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import nats.errors
import pytest
from nats.aio.client import Client

from actorkit import ActorSystem
from actorkit.nats import NatsTransport
from actorkit.testing import Probe

from .nats_support import SAFETY, NatsServer, requires_nats, transport

pytestmark = requires_nats


def probes_to(monkeypatch: pytest.MonkeyPatch, subject: str, *failures: BaseException) -> None:
    """Each ping to `subject` fails with the next of `failures` (a TimeoutError once its
    timeout passed, as nats-py's does); the rest go to the server."""
    request = Client.request
    left = list(failures)

    async def failing(nc: Client, to: str, payload: bytes = b"", timeout: float = 0.5) -> Any:
        if to != subject or not left:
            return await request(nc, to, payload, timeout=timeout)
        failure = left.pop(0)
        if isinstance(failure, nats.errors.TimeoutError):
            await asyncio.sleep(timeout)
        raise failure

    monkeypatch.setattr(Client, "request", failing)


async def tell_across_an_outage(own: NatsServer, system: ActorSystem, link: NatsTransport) -> None:
    """A tell to the system's own `/p`, buffered in an outage: held until `/p` answers a
    probe (its claim at start, on the same subject, was made before any ping failed)."""
    own.stop()
    await link.link_down.wait()
    system.remote(system.name, "/p").tell("buffered")
    own.start()
    await link.link_up.wait()


async def test_a_target_whose_pings_time_out_is_given_up_on(
    own: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    link = transport(own, buffer_timeout=0.3)
    async with asyncio.timeout(SAFETY), ActorSystem("mute", transport=link) as system:
        probes_to(monkeypatch, "actorkit.actor.mute", *[nats.errors.TimeoutError()] * 100)
        system.expose((await Probe.spawn(system, name="p")).ref)
        await tell_across_an_outage(own, system, link)
        await link.flush(timeout=SAFETY)  # the probe gave up and dropped it
        letters = [(d.reason, d.message) for d in system.dead_letters.recent]
        assert letters == [("unreachable", "buffered")]


async def test_a_ping_the_client_fails_is_sent_again(
    own: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    link = transport(own, buffer_timeout=SAFETY)
    async with asyncio.timeout(SAFETY), ActorSystem("again", transport=link) as system:
        probes_to(monkeypatch, "actorkit.actor.again", nats.errors.ConnectionClosedError())
        probe = await Probe.spawn(system, name="p")
        system.expose(probe.ref)
        await tell_across_an_outage(own, system, link)
        await probe.expect("buffered")
        assert system.dead_letters.count == 0


async def test_a_ping_failing_unexpectedly_gives_the_target_up_logged(
    own: NatsServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    link = transport(own, buffer_timeout=SAFETY)
    async with asyncio.timeout(SAFETY), ActorSystem("buggy", transport=link) as system:
        probes_to(monkeypatch, "actorkit.actor.buggy", RuntimeError("a bug in the client"))
        probe = await Probe.spawn(system, name="p")
        system.expose(probe.ref)
        await tell_across_an_outage(own, system, link)
        await link.flush(timeout=SAFETY)
        letters = [(d.reason, d.message) for d in system.dead_letters.recent]
        assert letters == [("unreachable", "buffered")]
        system.remote("buggy", "/p").tell("after")  # the writer goes on
        await probe.expect("after")
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert (
        "buggy could not ping actorkit.actor.buggy: RuntimeError('a bug in the client')" in warnings
    )
