"""Label values are escaped in both exposition formats: a class or exception named with a
quote, a backslash, a newline or a line separator reads back, through prometheus_client's
own parsers, as the name it has, and takes no line of its own."""

from __future__ import annotations

import asyncio
from typing import Any

from prometheus_client import generate_latest
from prometheus_client.openmetrics.exposition import generate_latest as openmetrics_latest
from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as parse_openmetrics,
)
from prometheus_client.parser import text_string_to_metric_families as parse_text

from actorkit import Actor, ActorSystem

CLASS = 'We"ird\nna\\me\u2028é'
ERROR = 'E"x\n\\'


async def _receive(self: Actor, message: Any) -> Any:
    if message == "boom":
        raise type(ERROR, (Exception,), {})()
    return message


async def test_odd_class_and_exception_names_read_back_in_both_formats() -> None:
    odd = type(CLASS, (Actor,), {"receive": _receive})
    async with asyncio.timeout(10), ActorSystem("labels") as system:
        ref = await system.spawn(odd, name="w")
        await ref.ask(1)
        ref.tell("boom")
        await ref.ask(2)
        registry = system.metrics.registry
        texts = (
            (generate_latest(registry).decode(), parse_text),
            (openmetrics_latest(registry).decode(), parse_openmetrics),  # type: ignore[no-untyped-call]
        )
        for text, parse in texts:
            families = {family.name: family for family in parse(text)}
            (processed,) = families["actorkit_messages_processed"].samples
            assert processed.labels == {"actor_type": CLASS}
            assert processed.value == 2
            (failure,) = families["actorkit_actor_failures"].samples
            assert failure.labels == {"actor_type": CLASS, "exception": ERROR}
