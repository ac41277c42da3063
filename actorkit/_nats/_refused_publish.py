"""Publishes the NATS server refused this system's user: its publish permissions.

The server answers such a publish with an error line naming the subject and keeps the
connection, so nothing else says that the message was lost. A refused reply is the worst
case: its asker, in another system, waits out its timeout and cannot learn why, since a
request carries no address of its sender but its reply subject, the very one refused (and a
message on any other subject would be a new protocol). So the loss is said here, on the side
that lost it: a dead letter `send_failed` for each refused publish (counted in
`actorkit_nats_rejected_total`) and a warning naming the subject and the permission to grant,
while the asker's timeout names this among the causes of its silence
(`_requests.REMOTE_ADVICE`).
"""

from __future__ import annotations

import logging
import re
from typing import Literal

from ._core import Core

logger = logging.getLogger("actorkit")

_REFUSED = re.compile(r'permissions violation for publish to "(.*)"')
"""nats-py's error for the server's `Permissions Violation for Publish to "<subject>"`,
lowercased (subject included) as nats-py hands it on."""

Kind = Literal["reply", "request", "publish"]

_LOST: dict[Kind, str] = {
    "reply": (
        "a reply to another system's request (an ask, a send or a ping): the reply is lost (a "
        "dead letter send_failed) and its asker waits out its timeout; give this system's NATS "
        "user publish permission on the askers' inboxes (_INBOX.>, nats-py's default inbox "
        "prefix), or allow_responses in its permissions"
    ),
    "request": (
        "a request or tell to another system: it is lost (a dead letter send_failed; an ask "
        "or send waits out its timeout); give this system's NATS user publish permission on it"
    ),
    "publish": (
        "a publish to a topic: it is lost (a dead letter send_failed); give this system's "
        "NATS user publish permission on it"
    ),
}


def _warned(refused: int) -> bool:
    """Which refusals of one kind get a warning: each reply to a refused inbox is refused
    again, as many as the asks."""
    return refused in (1, 10, 100) or refused % 1000 == 0


class RefusedPublishes:
    """The publishes the server refused this system's user, for both connections."""

    def __init__(self, core: Core) -> None:
        self._core = core
        self._counts: dict[Kind, int] = dict.fromkeys(_LOST, 0)

    def heard(self, error: Exception) -> bool:
        """Whether `error`, from nats-py's error callback, is a refused publish: then a dead
        letter, its message unknown here (None: the server names only the subject)."""
        found = _REFUSED.search(str(error))
        if found is None:
            return False
        core = self._core
        subject = found.group(1)
        kind = self._kind(subject)
        core.reject("send_failed", None, subject)
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
                _LOST[kind],
                since,
            )
        return True

    def _kind(self, subject: str) -> Kind:
        """actorkit publishes under its prefix only requests, tells and topics' publishes;
        anywhere else, only replies (to the inbox the asker's request named)."""
        prefix = self._core.prefix.lower()
        if subject.startswith(f"{prefix}.topic."):
            return "publish"
        if subject.startswith((f"{prefix}.actor.", f"{prefix}.group.")):
            return "request"
        return "reply"
