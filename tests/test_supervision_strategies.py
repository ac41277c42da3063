"""One-for-one, one-for-all and rest-for-one: which children restart, in what order (API 3)."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import ActorSystem, Backoff, ChildSpec, OneForAll, OneForOne, RestForOne, Supervisor
from actorkit.testing import snapshot

from .supervision_support import Worker, specs


async def test_one_for_all_stops_in_reverse_and_starts_in_order() -> None:
    journal: list[str] = []
    async with ActorSystem() as system:
        sup = await system.spawn(Supervisor, specs(journal, "a", "b", "c"), OneForAll(), name="sup")
        journal.clear()
        b = system.lookup("/sup/b")
        assert b is not None
        with pytest.raises(RuntimeError):
            await b.ask("crash")
        await sup.ask("sync")  # the supervisor handles it once the restart is complete
        assert journal == ["stop c", "stop b", "stop a", "start a", "start b", "start c"]
        assert snapshot(sup).children == ("a", "b", "c")


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [
        pytest.param(
            (RestForOne(),), ["stop c", "stop b", "start b", "start c"], id="rest_for_one"
        ),
        pytest.param((), ["stop b", "start b"], id="no_strategy_is_one_for_one"),
    ],
)
async def test_rest_for_one_restarts_the_failed_child_and_those_after_it(
    strategy: tuple[RestForOne, ...], expected: list[str]
) -> None:
    """rest_for_one restarts the failed child and those started after it; a `Supervisor`
    given no strategy restarts only the failed one."""
    journal: list[str] = []
    async with ActorSystem() as system:
        await system.spawn(Supervisor, specs(journal, "a", "b", "c"), *strategy, name="sup")
        journal.clear()
        b = system.lookup("/sup/b")
        assert b is not None
        b.tell("crash")
        await b.ask("sync")
        await system.ask("/sup", "sync")
        assert journal == expected


async def test_one_for_one_touches_only_the_failed_child() -> None:
    journal: list[str] = []
    async with ActorSystem() as system:
        await system.spawn(Supervisor, specs(journal, "a", "b", "c"), OneForOne(), name="sup")
        journal.clear()
        b = system.lookup("/sup/b")
        assert b is not None
        b.tell("crash")
        await b.ask("sync")
        assert journal == ["stop b", "start b"]


async def test_strategy_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="max_restarts"):
        OneForOne(max_restarts=-1)
    with pytest.raises(ValueError, match="within"):
        OneForAll(within=0)
    with pytest.raises(ValueError, match="directive"):
        OneForOne(decider={KeyError: "explode"})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="exception classes"):
        OneForOne(decider={"KeyError": "stop"})
    with pytest.raises(ValueError, match="max"):
        Backoff(min=2.0, max=1.0)
    with pytest.raises(TypeError, match="ChildSpec"):
        Supervisor(children=["not a spec"])  # type: ignore[list-item]


async def test_concurrent_failures_under_one_for_all_do_not_deadlock() -> None:
    journal: list[str] = []
    async with ActorSystem(supervisor=OneForOne(max_restarts=100)) as system:
        await system.spawn(
            Supervisor, specs(journal, "a", "b", "c"), OneForAll(max_restarts=100), name="sup"
        )
        for _ in range(5):
            for name in "abc":
                ref = system.lookup(f"/sup/{name}")
                assert ref is not None
                ref.tell("crash")
        async with asyncio.timeout(5):
            for name in "abc":
                ref = system.lookup(f"/sup/{name}")
                assert ref is not None
                assert await ref.ask("handled") == 0


async def test_a_child_spec_s_spawn_options_apply_to_its_child() -> None:
    journal: list[str] = []
    children = [
        ChildSpec(Worker, journal, "a", name="a", mailbox_size=7),
        ChildSpec(Worker, journal, "b", name="b", mailbox_size=None),
    ]
    async with ActorSystem() as system:
        await system.spawn(Supervisor, children, name="sup")
        a, b = system.lookup("/sup/a"), system.lookup("/sup/b")
        assert a is not None and b is not None
        assert (snapshot(a).capacity, snapshot(b).capacity) == (7, None)
