"""Spawning: argument checks that say what to change, then a cell, an instance and a task."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ._actor import Actor
from ._cell import Cell
from ._errors import ActorStopped, NameTaken
from ._names import check_names
from ._receive import run
from ._state import ENDING
from ._supervision import RESTART_TYPES

if TYPE_CHECKING:
    from ._ref import ActorRef

UNBOUNDED = sys.maxsize


def check_factory(factory: object) -> Callable[..., Actor]:
    if isinstance(factory, type):
        if not issubclass(factory, Actor):
            raise TypeError(
                f"{factory.__name__} is not an Actor subclass; derive it from actorkit.Actor"
            )
        return factory
    if not callable(factory):
        raise TypeError(
            f"spawn needs an Actor subclass or a callable returning an Actor, "
            f"got {type(factory).__name__} {factory!r}"
        )
    return factory


def check_name(name: object) -> str:
    if not isinstance(name, str):
        raise TypeError(f"actor name must be a str, got {type(name).__name__}")
    if not name:
        raise ValueError("actor name must not be empty; pass name=None for a generated one")
    if "/" in name:
        raise ValueError(f"actor name {name!r} must not contain '/': paths are built from names")
    if name.startswith("$"):
        raise ValueError(f"actor name {name!r} must not start with '$' (reserved for generated)")
    return name


def check_mailbox_size(size: object) -> int:
    if size is None:
        return UNBOUNDED
    if not isinstance(size, int) or isinstance(size, bool):
        raise TypeError(f"mailbox_size must be an int or None, got {type(size).__name__}")
    if size < 1:
        raise ValueError(f"mailbox_size must be >= 1 (or None for unbounded), got {size}")
    return size


def check_restart(restart: object) -> str:
    if restart not in RESTART_TYPES:
        raise ValueError(f"restart must be one of {sorted(RESTART_TYPES)}, got {restart!r}")
    assert isinstance(restart, str)
    return restart


def check_capabilities(capabilities: object) -> frozenset[str]:
    return check_names(capabilities, "capabilities", "each capability")


async def spawn(
    parent: Cell,
    factory: object,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    *,
    name: str | None,
    mailbox_size: int | None,
    restart: str,
    capabilities: Iterable[str],
) -> ActorRef:
    make = check_factory(factory)
    capacity = check_mailbox_size(mailbox_size)
    restart = check_restart(restart)
    extra = check_capabilities(capabilities)
    runtime = parent.runtime
    if parent.state in ENDING or parent.draining or not runtime.accepting:
        raise ActorStopped(
            f"cannot spawn under {parent.display_path}: it is stopping or the system is shut down"
        )
    if name is None:
        parent.name_counter += 1
        name = f"${parent.name_counter}"
    else:
        name = check_name(name)
        if name in parent.children:
            raise NameTaken(
                f"{parent.path}/{name} already exists; choose another name or stop it first"
            )
    cell = Cell(runtime, parent, name, make, args, kwargs, capacity, restart)
    instance = cell.make_instance()
    cell.instance = instance
    cell.capabilities = check_capabilities(type(instance).capabilities) | extra
    cell.stats = runtime.stats_for(type(instance))
    parent.children[name] = cell
    runtime.register(cell)
    runtime.instruments.spawned(cell)
    if type(instance).on_start is Actor.on_start:
        # Nothing to wait for: skip the loop round trip that spawning would otherwise cost.
        cell.started()
        cell.task = runtime.loop.create_task(run(cell, None))
        return cell.ref
    started = runtime.loop.create_future()
    cell.task = runtime.loop.create_task(run(cell, started))
    await started
    return cell.ref
