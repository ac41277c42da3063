"""A rolling deploy, compatible changes (a field added with a default, one removed, a type
widened, an enum member both know): delivered each way, with no dead letter."""

from __future__ import annotations

from .nats_support import SAFETY, NatsServer, requires_nats
from .nats_versions_support import two_versions
from .versions_messages import (
    AddedNew,
    AddedOld,
    LevelNew,
    LevelOld,
    OptionalNew,
    OptionalOld,
    RemovedNew,
    RemovedOld,
    RequiredNew,
    RequiredOld,
    WidenedNew,
    WidenedOld,
)

pytestmark = requires_nats


async def test_compatible_changes_are_delivered(server: NatsServer) -> None:
    async with two_versions(server) as versions:
        old, new = versions.old, versions.new
        to_new, to_old = old.remote("new", "/k"), new.remote("old", "/k")
        # added with a default, removed, widened, a member both know: each way
        assert await to_new.ask(AddedOld(1), timeout=SAFETY) == AddedOld(1)  # and back
        to_new.tell(RemovedOld(1, 2))
        await to_new.send(WidenedOld(2))
        old.publish("nowhere", LevelOld("high"))
        to_new.tell(OptionalOld(3))  # in order with the ask after it
        assert await to_new.ask(LevelOld("high"), timeout=SAFETY) == LevelOld("high")
        got = await versions.got("new")
        assert got == [
            AddedNew(1, 7),
            RemovedNew(1),
            WidenedNew(2.0),
            OptionalNew(3),
            LevelNew("high"),
        ]
        assert type(got[2].n) is float
        assert await to_old.ask(AddedNew(1, 9), timeout=SAFETY) == AddedNew(1, 7)
        to_old.tell(RequiredNew(1, 2))
        to_old.tell(OptionalNew(4))
        await to_old.send(LevelNew("low"))
        assert await versions.got("old") == [
            AddedOld(1),
            RequiredOld(1),
            OptionalOld(4),
            LevelOld("low"),
        ]
        assert old.dead_letters.count == new.dead_letters.count == 0
