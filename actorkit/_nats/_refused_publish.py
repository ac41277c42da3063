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

    def heard(self, error: Exception) -> bool:
        """Whether `error`, from nats-py's error callback, is a refused publish: then a dead
        letter, its message unknown here (None: the server names only the subject), unless
        it ends a request (`_settle`, once the refusals that came with it are in too)."""
        found = _REFUSED.search(str(error))
        if found is None:
            return False
        core = self._core
        subject = found.group(1)
        kind = self._kind(subject)
        if kind != "request":
            core.reject("send_failed", None, subject)
        else:
            if not self._refused:
                asyncio.get_running_loop().call_soon(self._settle)
            self._refused[subject] = self._refused.get(subject, 0) + 1
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
                core.system_name,
                subject,
                _LOST[kind].format(replies=self._requests.replies),
                since,
            )
        return True

    def _settle(self) -> None:
        """Ends the requests that the refusals of this loop turn account for, in one pass
        over those waiting however many refusals came (a burst of them is one read)."""
        core, refused, self._refused = self._core, self._refused, {}
        waiting: dict[str, list[tuple[Ask, str]]] = {}
        for ask in self._requests.sent():
            subject = core.subject_of(ask.target)
            if subject.lower() in refused:
                waiting.setdefault(subject.lower(), []).append((ask, subject))
        for lowered, count in refused.items():
            ending = waiting.get(lowered, [])
            if len({subject for _, subject in ending}) > 1:
                ending = []  # subjects NATS keeps apart, one perhaps allowed: which was it?
            for ask, subject in ending[:count]:
                ask.future.set_exception(NotDelivered(_refused(core.system_name, subject, ask)))
            ended = min(count, len(ending))
            core.rejected["send_failed"] += ended
            for _ in range(count - ended):
                core.reject("send_failed", None, lowered)

    def _kind(self, subject: str) -> Kind:
        """actorkit publishes under its prefix only requests, tells and topics' publishes;
        anywhere else, only replies (to the inbox the asker's request named)."""
        prefix = self._core.prefix.lower()
        if subject.startswith(f"{prefix}.topic."):
            return "publish"
        if subject.startswith((f"{prefix}.actor.", f"{prefix}.group.")):
            return "request"
        return "reply"
