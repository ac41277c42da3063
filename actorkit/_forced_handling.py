"""The message a forced stop took from its handler. Only a forced stop ends an actor in the
middle of a handler: that message is lost to the actor, so it is accounted as a dead letter
and its asker answered (a request of the runtime's own, `CONTROL`, is only answered: no
message a user sent is lost)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._envelope import CONTROL, Ask
from ._errors import ActorStopped

if TYPE_CHECKING:
    from ._dead_letters import Reason
    from ._record import Record


def drop_handling(record: Record, why: Reason) -> None:
    """At `close`, when it was handling a message (`Record.handling`)."""
    handling: Any = record.handling
    record.handling = None
    message = handling
    if type(handling) is Ask:
        if not handling.future.done():
            stopped = ActorStopped(f"{record.path} was stopped while handling it")
            handling.future.set_exception(stopped)
        if handling.timeout == CONTROL:  # the runtime's own request: its caller was told
            record.mailbox.accepted -= 1
            return
        message = handling.message
    record.mailbox.dead_lettered += 1
    record.runtime.dead_letters.add(message, record.path, why)
