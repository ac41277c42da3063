"""A tick a timer could not tell its target: there is no caller to raise to, so it is a
dead letter, and a failure to route it is logged with the target's path."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ._errors import MailboxFull
from ._failure import key_failure
from ._ref import local_cell
from ._shown import shown, traced

if TYPE_CHECKING:
    from ._dead_letters import DeadLetters
    from ._protocols import Ref

logger = logging.getLogger("actorkit")


def undelivered(dead_letters: DeadLetters, message: Any, target: Ref, error: BaseException) -> None:
    """Raised out of the firing, a `BaseException` would also lose the timers due with this
    one, unsent and no dead letters, and leave the queue armed for a time that has passed."""
    if isinstance(error, MailboxFull):
        dead_letters.add(message, target.path, "mailbox_full")
        return
    # Routing failed (a pool's `hash_key` raised) or a user's own `Ref` refused: logged with
    # the target's path, the message kept as a dead letter. A pool's is taken as from a
    # publish to it (`_pool_handover.route`); another ref's exit is raised on, to the owner.
    cell = local_cell(target)
    if cell is None:
        if isinstance(error, KeyboardInterrupt | SystemExit):
            raise error
    else:
        error = key_failure(cell, error)
    logger.error(
        "timer could not deliver %s to %s: %s",
        type(message).__name__,
        target.path,
        shown(error),
        exc_info=traced(error),
        extra={"actor_path": target.path},
    )
    dead_letters.add(message, target.path, "undeliverable")
