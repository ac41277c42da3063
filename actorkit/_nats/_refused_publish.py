"""Publishes the NATS server refused this system's user: its publish permissions.

The server answers such a publish with an error line naming the subject and keeps the
connection, so nothing else says that the message was lost. A refused request (an ask or a
send) ends at once with `NotDelivered` naming the subject and the permission to grant: its
timeout would come later and blame the target. The error line names no message, only the subject:
the server reads one connection's publishes in order, so a refusal is for the oldest publish
to that subject it has not refused yet, and a permission stands for every publish to its
subject. So each refusal ends one request, the oldest waiting on that subject (counted in
`actorkit_nats_rejected_total`); one that no request accounts for (a tell's, a request's
that had ended) is a dead letter `send_failed`. The count is exact; which loss is which may
not be: a tell's refusal ends the request behind it, whose own refusal, certain to follow
while the permission stands, then becomes the dead letter (docs/distributed.md has the
limits: subjects that differ only in case, a permission revoked while a request is out).

Pings (`_probes`: the name claim, the check for a namesake, the probe after an outage) go to
the same subjects outside the requests, and take their places among them as they leave
(`place`): the refusal of a ping ends the ping, which says what it could not do, and neither
a request behind it nor the count of lost messages, since it carried none.

A refused reply is the worst case: its asker, in another system, waits out its timeout and
cannot learn why, since a request carries no address of its sender but its reply subject,
the very one refused (and a message on any other subject would be a new protocol). So the
loss is said here, on the side that lost it: a dead letter `send_failed` and a warning
naming the subject and the permission to grant, while the asker's timeout names this among
the causes of its silence (`_requests.remote_advice`).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Collection
from typing import Literal

from .._envelope import Ask
from .._errors import NotDelivered
from ._core import Core
from ._requests import Requests

logger = logging.getLogger("actorkit")

_REFUSED = re.compile(r'permissions violation for publish to "(.*)"')
"""nats-py's error for the server's `Permissions Violation for Publish to "<subject>"`,
lowercased (subject included) as nats-py hands it on."""

Kind = Literal["reply", "request", "publish"]

_LOST: dict[Kind, str] = {
    "reply": (
        "a reply to another system's request (an ask, a send or a ping): the reply is lost (a "
        "dead letter send_failed) and its asker waits out its timeout; give this system's NATS "
        "user publish permission on the askers' inboxes ({replies}: the inbox prefix this "
        "system's connection uses), or allow_responses in its permissions"
    ),
    "request": (
        "a request or tell to another system: a tell is lost (a dead letter send_failed), an "
        "ask or send fails at once (NotDelivered); give this system's NATS user publish "
        "permission on it"
    ),
    "publish": (
        "a publish to a topic: it is lost (a dead letter send_failed); give this system's "
        "NATS user publish permission on it"
    ),
}


def _refused(system: str, subject: str, ask: Ask) -> str:
    return (
        f"NATS refused system {system!r} publish permission on {subject!r}: {ask.target} never "
        f"got the request, so nothing handled it; give that system's NATS user publish "
        f"permission on {subject} (a retry is safe once it has it)"
    )


class _Ping:
    """A ping out: its subject, the requests to that subject handed to nats-py ahead of it,
    and the future its refusal sets."""

    __slots__ = ("before", "refused", "subject")

    def __init__(
        self, subject: str, before: frozenset[asyncio.Future[object]], refused: asyncio.Future[str]
    ) -> None:
        self.subject = subject
        self.before = before
        self.refused = refused


def _warned(refused: int) -> bool:
    """Which refusals of one kind get a warning: each reply to a refused inbox is refused
    again, as many as the asks."""
    return refused in (1, 10, 100) or refused % 1000 == 0


class RefusedPublishes:
    """The publishes the server refused this system's user, for both connections: requests
    and tells are published on the requests' one only."""

    def __init__(self, core: Core, requests: Requests) -> None:
        self._core = core
        self._requests = requests
        self._counts: dict[Kind, int] = dict.fromkeys(_LOST, 0)
        self._refused: dict[str, int] = {}
        """The requests' and tells' subjects refused since the last `_settle`, how often."""
        self._pings: dict[str, list[_Ping]] = {}
        """The pings out, by their subject lowered (as a refusal names it), in the order they
        left."""

    def place(self, subject: str, refused: asyncio.Future[str]) -> None:
        """A ping to `subject` is handed to nats-py in this step: behind the requests to it
        out already, ahead of those to come. `refused` gets the words of its refusal. A
        look over the requests waiting, once a ping: none on the ask's path."""
        lowered = subject.lower()
        ahead = self._waiting((lowered,)).get(lowered, [])
        before = frozenset(ask.future for ask, _ in ahead)
        self._pings.setdefault(lowered, []).append(_Ping(subject, before, refused))

    def done(self, subject: str, refused: asyncio.Future[str]) -> None:
        """The ping ended (answered, timed out, given up on): a refusal that comes later is
        another publish's, as one that comes after a request ended."""
        lowered = subject.lower()
        pings = self._pings.get(lowered)
        if pings is not None:
            pings[:] = [ping for ping in pings if ping.refused is not refused]
            if not pings:
                del self._pings[lowered]

    def heard(self, error: Exception) -> bool:
        """Whether `error`, from nats-py's error callback, is a refused publish: then a dead
        letter, its message unknown here (None: the server names only the subject), unless
        it ends a request or a ping (`_settle`, once the refusals that came with it are in
        too)."""
        found = _REFUSED.search(str(error))
        if found is None:
            return False
        subject = found.group(1)
        kind = self._kind(subject)
        if kind != "request":
            self._core.reject("send_failed", None, subject)
            self._said(kind, subject)
            return True
        if not self._refused:
            asyncio.get_running_loop().call_soon(self._settle)
        self._refused[subject] = self._refused.get(subject, 0) + 1
        return True

    def _said(self, kind: Kind, subject: str) -> None:
        """A refused message, in the log: a few warnings of each kind, the rest at DEBUG."""
        refused = self._counts[kind] = self._counts[kind] + 1
        level = logging.WARNING if _warned(refused) else logging.DEBUG
        if logger.isEnabledFor(level):
            since = (
                " (later ones of this kind at DEBUG, a warning at the 10th, 100th and every "
                "1,000th)"
                if refused == 1
                else f" ({refused:,} of this kind so far)"
            )
            logger.log(
                level,
                "NATS refused system %r publish permission on %r, %s%s",
                self._core.system_name,
                subject,
                _LOST[kind].format(replies=self._requests.replies),
                since,
            )

    def _settle(self) -> None:
        """Ends the pings and requests that the refusals of this loop turn account for, in
        one pass over those waiting however many refusals came (a burst of them is one read).
        A ping's refusal is no lost message: its ping says what it could not do."""
        core, refused, self._refused = self._core, self._refused, {}
        waiting = self._waiting(refused)
        for lowered, count in refused.items():
            ending = _in_order(waiting.get(lowered, []), self._pings.get(lowered, []))[:count]
            for entry in ending:
                if isinstance(entry, _Ping):
                    self.done(entry.subject, entry.refused)
                    words = f"NATS refused system {core.system_name!r} publish permission on"
                    entry.refused.set_result(f"{words} {entry.subject!r}")
                    continue
                ask, subject = entry
                ask.future.set_exception(NotDelivered(_refused(core.system_name, subject, ask)))
                core.rejected["send_failed"] += 1
                self._said("request", lowered)
            for _ in range(count - len(ending)):
                core.reject("send_failed", None, lowered)
                self._said("request", lowered)

    def _waiting(self, subjects: Collection[str]) -> dict[str, list[tuple[Ask, str]]]:
        """The requests handed to nats-py and waiting, by their subject lowered (if one of
        `subjects`), in the order they left, each with its subject as it was sent."""
        waiting: dict[str, list[tuple[Ask, str]]] = {}
        for ask in self._requests.sent():
            subject = self._core.subject_of(ask.target)
            if subject.lower() in subjects:
                waiting.setdefault(subject.lower(), []).append((ask, subject))
        return waiting

    def _kind(self, subject: str) -> Kind:
        """actorkit publishes under its prefix only requests, tells and topics' publishes;
        anywhere else, only replies (to the inbox the asker's request named)."""
        prefix = self._core.prefix.lower()
        if subject.startswith(f"{prefix}.topic."):
            return "publish"
        if subject.startswith((f"{prefix}.actor.", f"{prefix}.group.")):
            return "request"
        return "reply"


def _in_order(requests: list[tuple[Ask, str]], pings: list[_Ping]) -> list[tuple[Ask, str] | _Ping]:
    """The requests and pings out to one subject, in the order they left: each ping behind
    the requests that were out as it left. None of them if they went to subjects that differ
    only in case, which NATS keeps apart and a permission may too: which one was refused?"""
    if len({subject for _, subject in requests} | {ping.subject for ping in pings}) > 1:
        return []
    entries: list[tuple[Ask, str] | _Ping] = []
    ahead = iter(requests)
    request = next(ahead, None)
    for ping in pings:
        while request is not None and request[0].future in ping.before:
            entries.append(request)
            request = next(ahead, None)
        entries.append(ping)
    if request is not None:
        entries.append(request)
    entries.extend(ahead)
    return entries
