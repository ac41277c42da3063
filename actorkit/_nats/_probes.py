"""Is anyone there? Pings to other systems: the name claim at start, and after an outage
the check that a target answers again before the tells buffered for it are sent."""

from __future__ import annotations

import asyncio

import nats.errors

from .._errors import NameTaken
from .._wire import BadPayload
from ._core import Core
from ._frames import OK, PING

_PROBE_MAX_DELAY = 0.5


class Probes:
    """Which subjects answered since the link came back (`confirmed`), which gave up, and
    the one deadline (`buffer_timeout` after the first probe) that all of them share."""

    def __init__(self, core: Core, buffer_timeout: float) -> None:
        self._core = core
        self._buffer_timeout = buffer_timeout
        self.confirmed: set[str] = set()
        self._unreachable: set[str] = set()
        self._deadline: float | None = None

    def reset(self) -> None:
        """The link dropped: every target must answer again after the reconnect."""
        self.confirmed.clear()
        self._unreachable.clear()
        self._deadline = None

    async def claim(self, name: str) -> None:
        """A request to our own subject answered by someone else means the name is taken.
        Two systems starting in the same instant can both pass: this catches mistakes, it is
        not a consensus protocol."""
        core = self._core
        nc = core.link.connection
        try:
            answer = await nc.request(
                core.actor_subject(name), core.codec.encode([PING, "", None, None]), timeout=1
            )
        except (nats.errors.NoRespondersError, nats.errors.TimeoutError):
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
            f"{', '.join(core.link.servers)} ({holder}); system names must be unique across "
            "the cluster"
        )

    async def probe(self, subject: str) -> bool | None:
        """After an outage: does anyone answer on `subject` again? None when the connection
        dropped meanwhile (ask again after the next reconnect)."""
        if subject in self._unreachable:
            return False
        nc = self._core.link.connection
        loop = asyncio.get_running_loop()
        if self._deadline is None:  # the first probe since the link came back
            self._deadline = loop.time() + self._buffer_timeout
        deadline = self._deadline
        ping = self._core.codec.encode([PING, "", None, None])
        delay = 0.02
        while (left := deadline - loop.time()) > 0:
            if not nc.is_connected:
                return None
            try:
                await nc.request(subject, ping, timeout=min(1.0, left))
            except nats.errors.NoRespondersError:
                await asyncio.sleep(min(delay, left))
                delay = min(delay * 2, _PROBE_MAX_DELAY)
            except nats.errors.TimeoutError:
                continue
            except nats.errors.Error:
                return None
            else:
                self.confirmed.add(subject)
                return True
        self._unreachable.add(subject)
        return False
