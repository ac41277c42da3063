"""What nats-py drops as a slow consumer, accounted for.

A subscription's messages wait in its pending queue only behind one on the slower path
(`_direct`); when more arrive than that queue holds (nats-py's `pending_msgs_limit`, 524,288,
or `pending_bytes_limit`, 128 MiB), nats-py drops each further one and reports only a
`SlowConsumerError` without it. `Direct` hands each such message here first: a tell becomes a
dead letter `slow_consumer`, an ask or send is answered `NotDelivered` (not handled, so a
retry is safe; its asker would otherwise wait out its timeout), and a ping goes unanswered,
as from a system that is not there (a probe pings again).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import msgspec
from nats.aio.msg import Msg

from .._errors import NotDelivered
from .._wire import BadPayload
from ._core import Core
from ._frames import ASK, SEND, TELL, error_frame, frames_of, request_of

Reply = Callable[[str, list[Any], str], object]


class Drop(Protocol):
    def __call__(self, msg: Msg, group: str | None = None) -> None: ...


def dropping(core: Core, reply: Reply) -> Drop:
    """The handler of a subscription's drops, for `Inbound.dropped`."""

    def drop(msg: Msg, group: str | None = None) -> None:
        _dropped(core, reply, msg, group)

    return drop


def _dropped(core: Core, reply: Reply, msg: Msg, group: str | None) -> None:
    try:
        frames: list[msgspec.Raw] | list[bytes] = frames_of(msg.data) or [msg.data]
    except BadPayload:
        frames = [msg.data]
    core.received += len(frames)
    for frame in frames:
        try:
            kind, path, body, _ = request_of(msg.reply, core.codec.decode(frame))
        except BadPayload:
            kind, path, body = TELL, "", bytes(memoryview(frame)[:256])
        where = f"group {group}" if group is not None else path or msg.subject
        if kind == TELL:
            core.reject("slow_consumer", body, where)
        elif kind in (ASK, SEND):
            why = (
                f"{core.system_name}:{where} did not handle it: its NATS subscription's queue "
                "was full (a slow consumer), and the message was dropped"
            )
            reply(msg.reply, error_frame(NotDelivered(why)), "a slow consumer's refusal")
