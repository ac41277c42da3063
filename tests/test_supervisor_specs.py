"""`Supervisor` and `ChildSpec`: the children given are taken whole, in whatever iterable they
come, and everything a spec says reaches the child it starts."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import DEFAULT_MAILBOX_SIZE, ActorSystem, ChildSpec, Supervisor
from actorkit import _cell as cell_module
from actorkit._spawn import check_options
from actorkit.testing import snapshot

from .supervision_support import Worker


def test_children_that_can_be_gone_through_only_once_are_refused_where_written() -> None:
    """A restart of the supervisor builds it again from the same arguments: children from a
    generator would start once, then never again (and the check itself would use them up)."""
    children = (ChildSpec(Worker, [], label, name=label) for label in "ab")
    with pytest.raises(TypeError, match="must be a list of ChildSpec, got <generator"):
        Supervisor(children)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must be a list of ChildSpec, got <list_iterator"):
        Supervisor(iter([ChildSpec(Worker, [], "a")]))  # type: ignore[arg-type]


async def test_a_supervisor_keeps_its_children_as_given_when_the_list_changes_later() -> None:
    journal: list[str] = []
    async with asyncio.timeout(10), ActorSystem() as system:
        children = [ChildSpec(Worker, journal, "a", name="a")]
        supervisor = Supervisor(children)
        children.append(ChildSpec(Worker, journal, "b", name="b"))
        ref = await system.spawn(lambda: supervisor, name="sup")
        assert snapshot(ref).children == ("a",)


async def test_a_child_spec_gives_its_child_keywords_capabilities_and_a_bounded_mailbox() -> None:
    journal: list[str] = []
    spec = ChildSpec(Worker, journal=journal, label="w", name="w", capabilities=["gpu"])
    async with asyncio.timeout(10), ActorSystem() as system:
        await system.spawn(Supervisor, [spec], name="sup")
        child = system.lookup("/sup/w")
        assert child is not None
        assert journal == ["start w"]
        seen = snapshot(child)
        assert seen.capabilities == frozenset({"gpu"})
        assert seen.capacity == DEFAULT_MAILBOX_SIZE  # as `spawn`'s own default


@pytest.mark.parametrize("children", ["", "ab"])
def test_a_string_of_children_is_refused_as_not_a_list(children: str) -> None:
    with pytest.raises(TypeError, match=f"must be a list of ChildSpec, got '{children}'"):
        Supervisor(children)  # type: ignore[arg-type]


def test_a_child_spec_shows_its_factory_and_name() -> None:
    assert repr(ChildSpec(Worker, [], "w", name="w")) == "ChildSpec('Worker', name='w')"


async def test_the_options_of_a_spec_without_capabilities_are_not_checked_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Checked when the spec was built: each start and restart of its child takes spawn's
    path for the common options, as a plain `spawn` of the same child does."""
    checked: list[object] = []

    def counting(*options: object) -> object:
        checked.append(options[0])
        return check_options(*options)

    async with asyncio.timeout(10), ActorSystem() as system:
        for kind in (Worker, Supervisor):  # a class is checked once, at its first spawn
            await system.spawn(kind, *([[], "warm"] if kind is Worker else []))
        monkeypatch.setattr(cell_module, "check_options", counting)
        sup = await system.spawn(Supervisor, [ChildSpec(Worker, [], "a", name="a")], name="sup")
        a = system.lookup("/sup/a")
        assert a is not None
        a.tell("crash")
        assert await system.ask("/sup/a", "x", timeout=5.0) == "x"
        assert snapshot(sup).children == ("a",)
    assert checked == []


def test_two_specs_with_one_name_are_refused_where_written_naming_it() -> None:
    """Sibling names are unique: the second spec would fail only at spawn, after the first
    child had started, with a `NameTaken` that says nothing of the specs."""
    specs = [
        ChildSpec(Worker, [], "a", name="a"),
        ChildSpec(Worker, [], "b"),
        ChildSpec(Worker, [], "c", name="a"),
    ]
    with pytest.raises(ValueError, match=r"children\[0\] and children\[2\] are both named 'a'"):
        Supervisor(specs)
    Supervisor([ChildSpec(Worker, [], "x"), ChildSpec(Worker, [], "y")])  # unnamed: generated
