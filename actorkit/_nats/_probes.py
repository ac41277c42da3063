"""Is anyone there? Pings to other systems: the name claim at start, and after an outage
the check that a target answers again before the tells buffered for it are sent. The
server may refuse a ping's publish (`_ping`): the claim then fails the start, the probe gives
its target up as refused, the check for a namesake says it could not be made."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

import nats.errors
from nats.aio.msg import Msg

from .._errors import NameTaken
from .._shown import printable
from .._wire import BadPayload
from ._core import Core
from ._frames import OK, PING
from ._options import shown_servers
from ._ping import Refused, one_ping
from ._round_trip import until_back

if TYPE_CHECKING:
    from ._refused_publish import RefusedPublishes

logger = logging.getLogger("actorkit")

_PROBE_MAX_DELAY = 0.5
_PROBE_MIN_WAIT = 0.1
"""The shortest wait for an answer to a ping, even past the target's deadline."""
_NAMESAKE_WAIT = 1.0
"""How long a reconnected system listens for another system answering under its name."""


class Probes:
    """Which subjects answered since the link came back (`confirmed`), which gave up, and
    the pings under way. Each target gets its own `buffer_timeout`, counted from the first
    probe after the reconnect, and every target's probe starts then: one that stays silent
    does not use up the time of those queued behind it."""

    refusals: RefusedPublishes
    """Where each ping takes its place among the requests to its subject: set by the
    transport once its requests are built, which come after the outbox, which needs these."""

    def __init__(self, core: Core, buffer_timeout: float) -> None:
        self._core = core
        self._buffer_timeout = buffer_timeout
        self.confirmed: set[str] = set()
        self._unreachable: set[str] = set()
        self.refused: dict[str, str] = {}
        """The targets given up on because the server refused their ping, with its words:
        what was buffered for them is dropped as refused, not as silent."""
        self._pinging: dict[str, asyncio.Task[bool | None]] = {}
        self._started = False
        self._rechecking: asyncio.Task[None] | None = None

    def reset(self) -> None:
        """The link dropped (or the system stops): every target must answer again after the
        reconnect."""
        self.confirmed.clear()
        self._unreachable.clear()
        self.refused.clear()
        self._started = False
        pinging, self._pinging = self._pinging, {}
        for task in pinging.values():
            task.cancel()
        if self._rechecking is not None:
            self._rechecking.cancel()

    def recheck(self, name: str, instance: str) -> None:
        """The link is back: is another system answering under this one's name now?"""
        if self._rechecking is None or self._rechecking.done():
            recheck = self._namesakes(name, instance)
            self._rechecking = asyncio.get_running_loop().create_task(recheck)

    async def _namesakes(self, name: str, instance: str) -> None:
        """A system started under this one's name while this one was cut off from NATS passed
        its claim (nobody answered it then). Once both are connected, each handles every
        message to the name, and nothing else would show it: every answer to one ping of the
        own subject within `_NAMESAKE_WAIT` is read, this system's own and any other's."""
        core = self._core
        nc = core.link.connection
        others: set[str] = set()
        heard = asyncio.Event()

        async def answered(msg: Msg) -> None:
            with contextlib.suppress(BadPayload):
                frame = core.codec.decode(msg.data)
                if len(frame) == 2 and frame[0] == OK and frame[1] != instance and len(others) < 3:
                    others.add(printable(str(frame[1])))  # a peer's text: no forged log line
                    heard.set()

        own = core.actor_subject(name)
        refused: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        refused.add_done_callback(lambda _: heard.set())
        try:
            inbox = nc.new_inbox()
            sub = await nc.subscribe(inbox, cb=answered)
            try:
                frame = self._frame()
                self.refusals.place(own, refused)  # nats-py takes the publish in this step
                await nc.publish(own, frame, reply=inbox)
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(_NAMESAKE_WAIT):
                        await heard.wait()
            finally:
                self.refusals.done(own, refused)
                await sub.unsubscribe()
        except nats.errors.Error:  # the link dropped or closed meanwhile: checked again then
            return
        if refused.done():
            logger.warning(
                "%s: %r cannot check whether another system answers under its name since the "
                "reconnect (one started while it was cut off from NATS would pass its claim); "
                "give its NATS user publish permission on %s",
                refused.result(),
                name,
                own,
            )
        elif others:
            logger.error(
                "another system named %r answers on NATS (instance %s; this one is %s): it "
                "started while this one was cut off from NATS, and each handles every message "
                "to the name from now on; stop one of them (system names must be unique in the "
                "cluster)",
                name,
                ", ".join(sorted(others)),
                instance,
            )

    def start_all(self, subjects: Iterable[str]) -> None:
        """The first probe since the link came back: ping every target with something
        buffered (`subjects`) at once, instead of each when its turn in the queue comes."""
        if not self._started:
            self._started = True
            self._start(subjects)

    def _start(self, subjects: Iterable[str]) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._buffer_timeout
        for subject in subjects:
            if not (
                subject in self._pinging
                or subject in self.confirmed
                or subject in self._unreachable
            ):
                self._pinging[subject] = loop.create_task(self._ping(subject, deadline))

    async def claim(self, name: str) -> None:
        """A request to our own subject answered by someone else means the name is taken.
        Two systems starting in the same instant can both pass: this catches mistakes, it is
        not a consensus protocol. A request lost as the connection drops is sent again once
        it is back (`connect_timeout` at most); one closed meanwhile ends it at once
        (`ConnectionClosedError`): nats-py's close leaves the request's future pending."""
        core = self._core
        link = core.link
        answer = await self._ask_own(name)
        while answer is None:
            await until_back(link.up, link.shut, link.connect_timeout)
            answer = await self._ask_own(name)
        if not isinstance(answer, Msg):
            return
        holder = "another process"
        try:
            frame = core.codec.decode(answer.data)
            if frame[0] == OK and isinstance(frame[1], str):
                holder = f"instance {frame[1]}"
        except (BadPayload, IndexError):
            pass
        raise NameTaken(
            f"a system named {name!r} is already connected to NATS at "
            f"{shown_servers(link.servers)} ({holder}); system names must be unique across the "
            "cluster"
        )

    async def _ask_own(self, name: str) -> Msg | bool | None:
        """The answer to one claim; False for none (the name is free), None if the
        connection dropped first."""
        link = self._core.link
        own = self._core.actor_subject(name)
        ends = (link.shut, link.down)
        try:
            answer = await one_ping(self.refusals, link.connection, own, self._frame(), 1, *ends)
        except nats.errors.NoRespondersError:
            return False
        except nats.errors.TimeoutError:
            if not (link.shut.is_set() or link.down.is_set()):
                return False
            answer = None
        except Refused as refused:
            raise ConnectionRefusedError(
                f"{refused}, which it needs as it starts: it pings its own subject to learn "
                "whether another system has its name (NameTaken), and again after each "
                f"reconnect; give its NATS user publish permission on {own}"
            ) from None
        if answer is not None:
            return answer
        if link.shut.is_set():
            raise nats.errors.ConnectionClosedError
        return None

    async def answers(self, subjects: set[str], wake: asyncio.Event) -> list[str]:
        """After an outage: wait until one of `subjects` answers or is given up on, or
        `wake` is set (something new to send); returns those given up on."""
        self._start(subjects)
        pinging = [self._pinging[subject] for subject in subjects if subject in self._pinging]
        if pinging and not any(task.done() for task in pinging):
            woken = asyncio.ensure_future(wake.wait())
            try:
                await asyncio.wait((*pinging, woken), return_when=asyncio.FIRST_COMPLETED)
            finally:
                woken.cancel()
        return [subject for subject in subjects if self._answer(subject) is False]

    def _answer(self, subject: str) -> bool | None:
        """Has `subject` answered since the link came back? None while its ping is under
        way or when the connection dropped meanwhile (it is pinged again)."""
        if subject in self.confirmed:
            return True
        if subject in self._unreachable:
            return False
        task = self._pinging.get(subject)
        if task is None or not task.done():
            return None
        try:
            answered = task.result()
        except Exception as error:  # the writer outlives any one probe
            logger.warning("%s could not ping %s: %r", self._core.system_name, subject, error)
            self._unreachable.add(subject)
            return False
        if answered is None:
            del self._pinging[subject]
        return answered

    async def _ping(self, subject: str, deadline: float) -> bool | None:
        """At least one ping, however late it starts: a target is given up on for its own
        silence only."""
        nc = self._core.link.connection
        loop = asyncio.get_running_loop()
        delay = 0.02
        while True:
            if not nc.is_connected:
                return None
            left = deadline - loop.time()
            try:
                wait = min(1.0, max(left, _PROBE_MIN_WAIT))
                await one_ping(self.refusals, nc, subject, self._frame(), wait)
            except Refused as refused:
                self._given_up(subject, str(refused))
                return False
            except nats.errors.NoRespondersError:
                await asyncio.sleep(max(0.0, min(delay, deadline - loop.time())))
                delay = min(delay * 2, _PROBE_MAX_DELAY)
            except nats.errors.TimeoutError:
                pass
            except nats.errors.Error:
                return None
            else:
                self.confirmed.add(subject)
                return True
            if deadline - loop.time() <= 0:
                self._unreachable.add(subject)
                return False

    def _frame(self) -> bytes:
        return self._core.codec.encode([PING, "", None, None])

    def _given_up(self, subject: str, refused: str) -> None:
        """The server refused the ping, as it will every message to `subject` while the
        permission stands: what waits for it is dropped now, not held `buffer_timeout`."""
        self._unreachable.add(subject)
        self.refused[subject] = refused
        logger.warning(
            "%s: the ping of it after the outage was refused, so what was buffered for it is "
            "dropped (each tell a dead letter send_failed) rather than sent to be refused in "
            "turn; give this system's NATS user publish permission on %s",
            refused,
            subject,
        )
