"""A transport, never started, on a stand-in requests' connection, for the tests of which
publish a refusal is for when pings (`_probes`) go to a subject among requests: the server's
error lines are handed to the transport as nats-py would, lowercased."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any, cast

import nats.errors

from actorkit._nats._client import Client
from actorkit._nats._frames import ASK
from actorkit.nats import NatsTransport

LONG = 60.0
"""Each wait's own bound (an ask's timeout, a probe's `buffer_timeout`): far past the test's,
so only what a refusal ends ends."""


class Connection:
    """A stand-in requests' connection: records each publish, and leaves every ping
    unanswered until it is cancelled (the server refused it, or would not answer), unless
    given an `answer`."""

    def __init__(self) -> None:
        self.is_connected = True
        self.max_payload = 1 << 20
        self.published: list[tuple[str, str]] = []
        self.pinged = asyncio.Event()
        self.answer: object = None
        """What each ping's request returns at once, if not None."""
        self.cancelled = asyncio.Event()
        """Set when a ping's request is cancelled."""
        self.answered: Any = None
        """The namesake check's callback for the answers to its ping."""

    async def publish(self, subject: str, payload: bytes, reply: str = "") -> None:
        """A tell, a request (its reply to the transport's inbox), or the namesake check's
        ping (to an inbox of its own)."""
        if not reply:
            self.published.append(("tell", subject))
        elif reply.startswith("_INBOX.stand-in."):
            self.published.append(("request", subject))
        else:
            self.published.append(("ping", subject))
            self.pinged.set()

    async def request(self, subject: str, payload: bytes, timeout: float = 0.5) -> Any:
        self.published.append(("ping", subject))
        self.pinged.set()
        if self.answer is not None:
            return self.answer
        try:
            await asyncio.get_running_loop().create_future()  # no answer
        except asyncio.CancelledError:
            self.cancelled.set()
            raise

    def new_inbox(self) -> str:
        return "_INBOX.namesakes"

    async def subscribe(self, subject: str, cb: Any = None) -> Any:
        self.answered = cb

        async def unsubscribe() -> None:
            return None

        return SimpleNamespace(unsubscribe=unsubscribe)


class Stand:
    """A transport, never started, on the stand-in connection, its replies' inbox in place;
    `far` the subject its asks and probes go to."""

    def __init__(self, far: str = "actorkit.actor.far") -> None:
        self.link = NatsTransport("nats://127.0.0.1:1", buffer_timeout=LONG)
        self.connection = Connection()
        self.link._link.nc = cast(Client, self.connection)  # noqa: SLF001
        self.link._requests._inbox = "_INBOX.stand-in"  # noqa: SLF001
        self.probes = self.link._probes  # noqa: SLF001
        self.far = far

    def ask(self, message: object, to: str | None = None) -> asyncio.Future[Any]:
        """An ask of `/k` on the system whose subject is `to` (`far`)."""
        subject = to or self.far
        target = f"{subject.rsplit('.', 1)[1]}:/k"
        return asyncio.ensure_future(self.link.request(subject, ASK, "/k", target, message, LONG))

    def refuse(self, subject: str | None = None) -> None:
        """The server's refusal of a publish to `subject` (`far`), as nats-py hands it on."""
        refused = self.link._link.refused_publish  # noqa: SLF001
        assert refused is not None
        error = f'nats: permissions violation for publish to "{subject or self.far}"'
        assert refused(nats.errors.Error(error.lower()))

    async def ping(self) -> None:
        """A probe of `far`, as after an outage, until its ping is out."""
        self.probes.start_all([self.far])
        await self.connection.pinged.wait()

    async def answered(self) -> list[str]:
        """What the probe of `far` came to: given up on (`[far]`) once its ping ended."""
        return await self.probes.answers({self.far}, asyncio.Event())

    async def settled(self) -> None:
        """A turn for the refusals' settling (`call_soon`), and one for what they ended."""
        await asyncio.sleep(0)
        await asyncio.sleep(0)

    def close(self) -> None:
        self.probes.reset()
        self.link._requests.close("the test ended")  # noqa: SLF001
