"""Payloads this system cannot decode, and above all those of another version of their class.

In a rolling deploy two versions of a message class run side by side for a while, and a
message of one that the other's class refuses (a field it requires and was not sent, a value
of another type, a name it has no class for) repeats for every message of that type until
the deploy ends. It is neither garbage nor an attack: its sender is told at once when it
waits for an answer (`IncompatibleMessage`, naming the type and the field), each one is a
dead letter `incompatible` (counted in `actorkit_nats_rejected_total`), and the log says it
once per type, not once per message. Other undecodable payloads stay `bad_payload`.
"""

from __future__ import annotations

import logging
import time

import msgspec

from .._shown import WIRE_LENGTH, printable
from .._wire import BadPayload, Incompatible
from ._core import Core
from ._frames import IncompatibleMessage

logger = logging.getLogger("actorkit")

SAID_LIMIT = 1000
"""Types whose refusal is logged at WARNING, at most: their names come off the wire, and a
sender could make up a new one for each message."""

QUIET_SECONDS = 1.0
"""Garbage is logged at WARNING at most once in this time, the rest at DEBUG: one batch of a
megabyte can carry a million frames that do not decode, each a dead letter."""

_outline = msgspec.msgpack.Decoder(ext_hook=lambda code, data: None)
"""Reads a frame whose objects the codec refused, each as None, to learn where it went."""


def _what(error: Incompatible, sender: str) -> str:
    """Its names come off the wire, and end in log lines: `printable`."""
    name = printable(error.type_name)
    if error.detail is None:
        return (
            f"no class is registered under '{name}' here: {sender} runs another version of "
            f"the program, one that has {name} (or this one lacks @actorkit.message('{name}'))"
        )
    refused = "it" if error.field is None else f"its field `{printable(error.field)}`"
    return (
        f"the class {name} here refuses {refused} ({printable(error.detail)}): {sender} runs "
        f"another version of {name} (or sent a value the annotations of its class refuse)"
    )


def refusal(system: str, error: Incompatible, where: str) -> str:
    name, where = printable(error.type_name), printable(where)
    return f"{system} refused a {name} for {where}: {_what(error, 'the sender')}"


def refused_request(system: str, error: Incompatible, where: str) -> IncompatibleMessage:
    """What the sender of a refused ask or send gets back."""
    text = f"{refusal(system, error, where)}; the message was not handled"
    return IncompatibleMessage(text, error.type_name, error.field)


def refused_reply(target: str, error: Incompatible) -> IncompatibleMessage:
    """What an asker gets for a reply it cannot read: the handler ran, so a retry runs it
    again."""
    text = (
        f"the reply from {target} holds a {error.type_name} that this system cannot read: "
        f"{_what(error, target)}; the ask was handled"
    )
    return IncompatibleMessage(text, error.type_name, error.field)


def addressee(payload: bytes | msgspec.Raw, group: str | None, subject: str) -> str:
    """Where a refused request went: its group, else the actor's path read off the frame,
    else the subject it came on."""
    if group is not None:
        return f"group {group}"
    try:
        frame = _outline.decode(payload)
    except Exception:  # a frame the codec refused for more than its objects
        return subject
    if type(frame) is list and len(frame) == 4 and type(frame[1]) is str and frame[1]:
        return frame[1]
    return subject


class Refusals:
    """The payloads one system refused: each a dead letter, the log once per type of
    another version."""

    def __init__(self, core: Core) -> None:
        self._core = core
        self._said: set[str] = set()
        self._quiet_until = 0.0
        self._quieted = 0

    def request(
        self, payload: bytes | msgspec.Raw, subject: str, group: str | None, error: BadPayload
    ) -> str:
        """A request refused, recorded for where it went: the actor or group when it is of
        another version, else the subject (a frame that may not even say)."""
        where = addressee(payload, group, subject) if isinstance(error, Incompatible) else subject
        self.payload(payload, where, error)
        return where

    def payload(self, payload: bytes | msgspec.Raw, where: str, error: BadPayload) -> None:
        core = self._core
        kept = bytes(memoryview(payload)[:256])
        if not isinstance(error, Incompatible):
            core.reject("bad_payload", kept, where)
            self._garbage(where, error)
            return
        core.reject("incompatible", kept, where)
        name = error.type_name[:WIRE_LENGTH]  # a megabyte each, 1,000 of them: a gigabyte
        if name in self._said or len(self._said) >= SAID_LIMIT:
            logger.debug("%s; not delivered", refusal(core.system_name, error, where))
            return
        self._said.add(name)
        logger.warning(
            "%s; not delivered: a dead letter 'incompatible', as is each later one (counted in "
            "actorkit_nats_rejected_total, and logged at DEBUG: this warning is once per type)",
            refusal(core.system_name, error, where),
        )

    def _garbage(self, where: str, error: BadPayload) -> None:
        """A payload that is no frame: said at WARNING once in `QUIET_SECONDS`, with how many
        went to DEBUG since; escaped at either level, its error quoting what the peer sent (a
        class's `__post_init__` raising with a field's value)."""
        now = time.monotonic()
        level = logging.DEBUG if now < self._quiet_until else logging.WARNING
        if level == logging.DEBUG:
            self._quieted += 1
            since = ""
        else:
            quieted, self._quieted, self._quiet_until = self._quieted, 0, now + QUIET_SECONDS
            since = f" ({quieted:,} more since the last such warning, at DEBUG)" if quieted else ""
        if logger.isEnabledFor(level):  # else no escape per frame of a batch of garbage
            name, where, what = self._core.system_name, printable(where), printable(str(error))
            logger.log(level, "%s rejected a payload on %s: %s%s", name, where, what, since)
