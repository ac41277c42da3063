"""API.md sections 4 and 9 (router): the parameters of subscribing, publishing and pools, and
the fields of a dead letter."""

from __future__ import annotations

import dataclasses

from actorkit import ActorSystem, DeadLetter

from .contract_support import assert_signature


def test_router_calls_take_the_contract_s_parameters() -> None:
    assert_signature(ActorSystem.subscribe, "self, ref, pattern")
    assert_signature(ActorSystem.unsubscribe, "self, ref, pattern=None")
    assert_signature(ActorSystem.publish, "self, topic, msg")
    assert_signature(
        ActorSystem.spawn_pool,
        "self, factory, *args, size=4, routing='round_robin', name=None, hash_key=None, **kwargs",
    )


def test_a_dead_letter_has_the_contract_s_fields() -> None:
    assert [field.name for field in dataclasses.fields(DeadLetter)] == [
        "message",
        "recipient",
        "reason",
        "time",
    ]
