"""Publishes from other systems, routed to this system's subscribers (`Inbound.topic_now`)."""

from __future__ import annotations

import logging
from typing import Any

from nats.aio.msg import Msg

from .._shown import shown, traced
from .._wire import BadPayload, Incompatible
from ._core import Core
from ._frames import frames_of
from ._refusals import Refusals

logger = logging.getLogger("actorkit")


def route_publish(core: Core, refusals: Refusals, msg: Msg) -> bool:
    """A publish (or a batch of them): each frame decoded on its own, refused alone."""
    topic = msg.subject[len(core.topic_prefix) :]
    core.received += 1
    try:
        frames = frames_of(msg.data)
    except BadPayload as error:
        refusals.payload(msg.data, _recipient(topic), error)
        return True
    core.received += 0 if frames is None else len(frames) - 1
    for frame in frames or (msg.data,):
        try:
            body = core.codec.decode(frame)
            if len(body) != 1:
                raise BadPayload("a publish frame has 1 slot")
        except BadPayload as error:
            system = core.system  # no actor here wanting it: nothing here was refused
            if not isinstance(error, Incompatible) or system is None or system.wanted(topic):
                refusals.payload(frame, _recipient(topic), error)
            continue
        _publish(core, topic, body[0])
    return True


def _publish(core: Core, topic: str, body: Any) -> None:
    system = core.system
    assert system is not None
    if not system.accepting:
        core.reject("shutdown", body, _recipient(topic))
        return
    try:
        system.publish_local(topic, body)
    except ValueError as error:  # a subject no local publish could have: `a*b`, `x.>`
        core.reject("bad_topic", body, _recipient(topic))
        logger.warning("%s rejected a publish: %s", core.system_name, error)
    except Exception as error:
        undeliverable(core, body, _recipient(topic), error)


def _recipient(topic: str) -> str:
    """A refused publish's recipient: its topic, with the bytes of a subject that was not
    UTF-8 (kept as lone surrogates, `Client._build_message`) shown escaped (`\\xff`): a lone
    surrogate cannot be printed or encoded, so the record would fail whoever shows it."""
    return "topic " + topic.encode(errors="surrogateescape").decode(errors="backslashreplace")


def undeliverable(core: Core, body: Any, where: str, error: BaseException) -> None:
    """What a local delivery raised of a message from NATS: logged, and a dead letter."""
    what = f"{core.system_name} could not deliver a {type(body).__name__} from NATS"
    logger.error("%s to %s: %s", what, where, shown(error), exc_info=traced(error))
    core.reject("undeliverable", body, where)
