"""A rolling deploy, tells and publishes: an incompatible one is a dead letter `incompatible` on
the receiving side, logged once per type (the warnings bounded by the number of types); a
publish nobody there wants is no dead letter there."""

from __future__ import annotations

import logging
from collections import Counter

import pytest

from actorkit import DEAD_LETTER_TOPIC
from actorkit.testing import Probe

from .nats_support import SAFETY, NatsServer, link_of, requires_nats
from .nats_systems_support import metric
from .nats_versions_support import Keeper, two_versions
from .versions_messages import AddedNew, AddedOld, RequiredOld, RetypedOld

pytestmark = requires_nats


async def test_refused_tells_and_publishes_are_dead_letters_logged_once_per_type(
    server: NatsServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Each was logged as a WARNING (`new rejected a payload on actorkit.actor.new: bad
    'rolling.Required': ...`): one per message, a flood for the length of a deploy. Its dead
    letter was a `bad_payload` for the subject, not the actor."""
    caplog.set_level(logging.DEBUG, logger="actorkit")
    async with two_versions(server) as versions:
        old, new = versions.old, versions.new
        letters = await Probe.spawn(new)
        new.subscribe(letters.ref, DEAD_LETTER_TOPIC)
        listener = await new.spawn(Keeper)
        new.subscribe(listener, "events")
        await link_of(new).flush()
        k = old.remote("new", "/k")
        for i in range(3):  # no await: one batch, the refused frames among the others
            k.tell(AddedOld(i))
            k.tell(RequiredOld(i))
            k.tell(RetypedOld(i))
            old.publish("events", AddedOld(i))
            old.publish("events", RequiredOld(i))
        old.remote_group("new-pool").tell(RequiredOld(9))
        seen = [await letters.receive(SAFETY) for _ in range(10)]
        assert {letter.reason for letter in seen} == {"incompatible"}
        assert Counter(letter.recipient for letter in seen) == {
            "/k": 6,
            "topic events": 3,
            "group new-pool": 1,
        }
        assert await versions.keepers["new"].ask("got") == [AddedNew(i) for i in range(3)]
        assert await listener.ask("got") == [AddedNew(i) for i in range(3)]
        assert new.dead_letters.by_reason == {"incompatible": 10}
        assert await metric(new, 'actorkit_nats_rejected_total{reason="incompatible"}') == 10
        assert await metric(new, 'actorkit_dead_letters_total{reason="incompatible"}') == 10
    warnings = [
        record.getMessage()
        for record in caplog.records
        if record.levelno >= logging.WARNING and "rolling." in record.getMessage()
    ]
    assert len(warnings) == 2, warnings  # one per type, not one per message
    required = next(text for text in warnings if "rolling.Required" in text)
    assert "`b`" in required and "another version" in required, required
    retyped = next(text for text in warnings if "rolling.Retyped" in text)
    assert "`n`" in retyped, retyped


async def test_a_refused_publish_on_a_topic_nobody_here_wants_is_no_dead_letter_here(
    server: NatsServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Every system gets every publish: each system of the other version recorded and
    logged one that none of its actors would have got (a compatible one is no dead letter
    there either)."""
    caplog.set_level(logging.WARNING, logger="actorkit")
    async with two_versions(server) as versions:
        old, new = versions.old, versions.new
        letters = await Probe.spawn(new)
        new.subscribe(letters.ref, DEAD_LETTER_TOPIC)
        events = await Probe.spawn(new)
        new.subscribe(events.ref, "events")
        await link_of(new).flush()
        old.publish("quiet.orders", RequiredOld(1))  # no actor of new subscribes to it
        old.publish("events", RequiredOld(2))
        old.publish("events", AddedOld(3))  # one connection: handled after the others
        await events.expect(AddedNew(3), SAFETY)
        letter = await letters.receive(SAFETY)
        assert (letter.recipient, letter.reason) == ("topic events", "incompatible")
        letters.expect_empty()
        assert new.dead_letters.by_reason == {"incompatible": 1}
    warned = [record.getMessage() for record in caplog.records if "rolling." in record.getMessage()]
    assert len(warned) == 1 and "topic events" in warned[0], warned


def test_the_warnings_are_bounded_by_the_number_of_types(caplog: pytest.LogCaptureFixture) -> None:
    """The names come off the wire: a sender making up one per message gets `SAID_LIMIT`
    warnings, then DEBUG lines, each still a dead letter."""
    from actorkit._nats._refusals import SAID_LIMIT, Refusals
    from actorkit._wire import Incompatible

    rejected: list[str] = []

    class Core:
        system_name = "here"

        def reject(self, reason: str, message: object, recipient: str) -> None:
            rejected.append(reason)

    caplog.set_level(logging.DEBUG, logger="actorkit")
    refusals = Refusals(Core())  # type: ignore[arg-type]
    for i in [0, 0, *range(SAID_LIMIT + 5)]:
        refusals.payload(b"x", "/k", Incompatible(f"made.Up{i}", None))
    levels = Counter(record.levelname for record in caplog.records)
    assert levels == {"WARNING": SAID_LIMIT, "DEBUG": 7}
    assert rejected == ["incompatible"] * (SAID_LIMIT + 7)
