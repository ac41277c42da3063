"""The NATS families add up between two systems under seeded random traffic: tells, sends
and asks (to an exposed actor, a hidden one and a path nobody holds; some failing, some held,
some cancelled by their callers) and publishes, with a small outbound buffer. What one
system sent is what the other received, every rejection is a dead letter of the same reason
(or a tell refused with `MailboxFull`), requests are counted by the outcome their callers
saw, and publishes are counted once, by the system that made them."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from typing import Any

from actorkit import Actor, ActorStopped, ActorSystem, AskTimeout, MailboxFull, OneForOne
from actorkit.testing import Probe

from .metrics_truth_support import Gate, Samples, sample, scraped
from .nats_support import SAFETY, NatsServer, requires_nats, transport

pytestmark = requires_nats

ROOT = OneForOne(max_restarts=100_000, within=1.0)
"""The served system's: its echo fails often, and must not fail the system."""


class Echo(Actor):
    def __init__(self, gate: Gate) -> None:
        self.gate = gate

    async def receive(self, message: Any) -> Any:
        if message == "fail":
            raise ValueError("failed on purpose")
        if message == "hold":
            event = self.gate.event
            await event.wait()
        return message


async def request(call: Any, outcomes: Counter[str]) -> None:
    try:
        await call
    except asyncio.CancelledError:
        outcomes["cancelled"] += 1
        raise
    except AskTimeout:
        outcomes["timeout"] += 1
    except ActorStopped:
        outcomes["stopped"] += 1
    except MailboxFull:
        outcomes["buffer_full"] += 1  # refused before it was sent: no request
    except Exception:
        outcomes["error"] += 1
    else:
        outcomes["ok"] += 1


async def run(seed: int, server: NatsServer) -> list[str]:
    rng = random.Random(seed)
    gate = Gate()
    outcomes: Counter[str] = Counter()
    refused = published = 0
    calls: list[asyncio.Future[Any]] = []
    link = transport(server, max_buffered=rng.choice([4, 10_000]))
    async with (
        ActorSystem(f"served{seed}", transport=transport(server), supervisor=ROOT) as served,
        ActorSystem(f"calling{seed}", transport=link) as calling,
    ):
        served.expose(
            await served.spawn(Echo, gate, name="echo", mailbox_size=rng.choice([None, 3]))
        )
        await served.spawn(Echo, gate, name="hidden")
        probe = await Probe.spawn(served)
        served.subscribe(probe.ref, "t.>")
        refs = [
            calling.remote(served.name, path) for path in ("/echo", "/echo", "/hidden", "/none")
        ]
        for _ in range(50):
            ref, roll = rng.choice(refs), rng.random()
            message = rng.choice(["ok", "ok", "fail", "hold"])
            if roll < 0.35:
                try:
                    ref.tell(message)
                except MailboxFull:
                    refused += 1
            elif roll < 0.7:
                asking = ref.ask(message, timeout=2.0) if roll < 0.6 else ref.send(message)
                calls.append(asyncio.ensure_future(request(asking, outcomes)))
                if rng.random() < 0.1:
                    await asyncio.sleep(0)
                    calls[-1].cancel()
            elif roll < 0.85:
                calling.publish(rng.choice(["t.a", "u.b"]), "published")
                published += 1
            else:
                gate.open()
            if rng.random() < 0.3:
                await asyncio.sleep(0)
        gate.open_for_good()
        await asyncio.gather(*calls, return_exceptions=True)
        await link.flush()
        calling.publish("t.last", "last")  # after everything else on the same connection
        while await probe.receive(timeout=SAFETY) != "last":
            pass  # the publishes before it
        calls_ok = await refs[0].ask("sync", timeout=SAFETY)  # and every tell before it
        assert calls_ok == "sync"
        caller, callee = scraped(calling), scraped(served)
        return check(caller, callee, calling, served, outcomes, refused, published + 1)


def check(
    caller: Samples,
    callee: Samples,
    calling: ActorSystem,
    served: ActorSystem,
    outcomes: Counter[str],
    refused: int,
    published: int,
) -> list[str]:
    requests = {
        o: sample(caller, "actorkit_nats_requests_total", outcome=o)
        for o in ("ok", "error", "timeout", "stopped", "cancelled")
    }
    pairs: dict[str, tuple[object, object]] = {
        "sent vs received": (
            sample(caller, "actorkit_nats_messages_total", direction="out"),
            sample(callee, "actorkit_nats_messages_total", direction="in"),
        ),
        "requests by outcome vs their callers": (
            requests,
            {o: float(outcomes[o]) + (o == "ok") for o in requests},
        ),
        "publishes vs publish calls": (
            (
                sample(caller, "actorkit_published_messages_total"),
                sample(callee, "actorkit_published_messages_total"),
            ),
            (float(published), 0.0),
        ),
    }
    for name, samples, system, extra in (
        ("calling", caller, calling, refused + outcomes["buffer_full"]),
        ("served", callee, served, 0),
    ):
        letters = system.dead_letters.by_reason
        for reason in {
            dict(held)["reason"] for n, held in samples if n == "actorkit_nats_rejected_total"
        }:
            exported = sample(samples, "actorkit_nats_rejected_total", reason=reason)
            truth = letters.get(reason, 0) + (extra if reason == "buffer_full" else 0)
            pairs[f"{name} rejected {reason} vs dead letters"] = (exported, float(truth))
    return [f"{what}: exported {a}, truth {b}" for what, (a, b) in pairs.items() if a != b]


async def test_the_nats_figures_add_up_between_two_systems(server: NatsServer) -> None:
    failures: list[str] = []
    async with asyncio.timeout(SAFETY):
        for seed in range(4):
            failures += [f"seed {seed}: {line}" for line in await run(seed, server)]
    assert not failures, "\n".join(failures[:20])
