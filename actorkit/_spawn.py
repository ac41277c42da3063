"""Spawn's argument checks, each error saying what to change. The spawning itself is
`Cell.new_child`: a cell, an instance and (when it has a hook to run) a task."""

from __future__ import annotations

import functools
import inspect
import reprlib
import weakref
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ._actor import Actor, Unspawned, _constructing
from ._errors import ActorStopped, NameTaken, not_running
from ._exact import exact_str, index_int, not_integer
from ._hook_checks import HOOKS, check_hook, hidden
from ._mistaken import not_an_actor, wrong_factory
from ._names import MAX_NAME, check_names
from ._own_names import check_class, check_instance
from ._room import UNBOUNDED
from ._shown import class_qualname, given
from ._state import ENDING
from ._supervision import RESTART_TYPES, check_strategy

if TYPE_CHECKING:
    from ._cell import Cell
    from ._stats import ClassStats

CHECKED: set[type] = set()
"""Actor classes whose hooks passed `check_hooks`: the check runs once per class. A plain set
(a WeakSet costs ten times more per spawn), emptied when it reaches `CHECKED_KEPT` classes,
so that classes made at run time are not kept for ever: each is checked again next spawn."""
CHECKED_KEPT = 4096


def check_factory(factory: object) -> Callable[..., Actor]:
    if isinstance(factory, type):
        if not issubclass(factory, Actor):
            raise TypeError(
                f"{factory.__name__} is not an Actor subclass; derive it from actorkit.Actor"
            )
        if factory not in CHECKED:
            check_hooks(factory)
        return factory
    if not callable(factory):
        raise TypeError(
            f"spawn needs an Actor subclass or a callable returning an Actor, "
            f"{wrong_factory(factory)}"
        )
    return factory


def check_options(
    factory: object, mailbox_size: object, restart: object, capabilities: object
) -> tuple[Callable[..., Actor], int, str, frozenset[str]]:
    """Spawn's options, each checked (and its error raised): what `Cell.new_child` does not
    let pass itself, the common options, which it checks without a call."""
    make = check_factory(factory)
    capacity = check_mailbox_size(mailbox_size)
    restart = check_restart(restart)
    extra = check_capabilities(capabilities)
    return make, capacity, restart, extra


def check_parent(parent: Cell) -> None:
    """Children start under a starting or running instance: not while it stops, not from an
    `on_stop` (its instance is gone: that child would outlive it), be it of an instance being
    restarted or of one whose control signal failed (`_signal_failure.signal_failed`)."""
    if (
        parent.state in ENDING
        or parent.instance is None
        or parent.draining
        or not parent.runtime.accepting
    ):
        if parent.parent is None:  # the root: the system itself is closed
            raise not_running(parent.runtime.name, "spawn", started=True)
        raise ActorStopped(
            f"cannot spawn under {parent.display_path}: it is stopping or restarting, "
            "or the system is shut down"
        )


def check_name(name: object) -> str:
    if not isinstance(name, str):
        raise TypeError(f"actor name must be a str, got {type(name).__name__}")
    name = exact_str(name)  # a subclass's __hash__, __eq__ or __format__ would build the path
    if not name:
        raise ValueError("actor name must not be empty; pass name=None for a generated one")
    if "/" in name:
        raise ValueError(f"actor name {name!r} must not contain '/': paths are built from names")
    if name.startswith("$"):
        raise ValueError(f"actor name {name!r} must not start with '$' (reserved for generated)")
    if name in (".", "..") or name.isspace():  # a path's own steps, or nothing to read
        raise ValueError(f"actor name {name!r} must not be '.', '..' or blank: use a word")
    if len(name) > MAX_NAME or not name.isprintable():
        raise ValueError(
            f"actor name {reprlib.repr(name)} must be at most {MAX_NAME} printable characters "
            "(no control characters): it is a path segment, a log field and a metrics label"
        )
    return name


def check_child_name(name: object, children: Mapping[str, Cell], parent_path: str) -> str:
    name = check_name(name)
    taken = children.get(name)
    if taken is None:
        return name
    if taken.mailbox.final or taken.state in ENDING:  # its stop began: what is left is to wait
        raise NameTaken(
            f"{parent_path}/{name} is still stopping: await its stop (`await ref.stop()` "
            "returns once it has ended) before spawning the name again, or choose another name"
        )
    raise NameTaken(f"{parent_path}/{name} already exists; choose another name or stop it first")


def check_mailbox_size(size: object) -> int:
    if size is None:
        return UNBOUNDED
    number = index_int(size)
    if number is None:
        raise TypeError(
            f"mailbox_size must be an int or None, got {type(size).__name__}{not_integer(size)}"
        )
    size = number
    if size < 1:
        raise ValueError(f"mailbox_size must be >= 1 (or None for unbounded), got {size}")
    return size


def check_restart(restart: object) -> str:
    if isinstance(restart, str):
        restart = exact_str(restart)
    if not isinstance(restart, str) or restart not in RESTART_TYPES:
        raise ValueError(f"restart must be one of {sorted(RESTART_TYPES)}, got {given(restart)}")
    assert isinstance(restart, str)
    return restart


def check_capabilities(capabilities: object) -> frozenset[str]:
    return check_names(capabilities, "capabilities", "each capability")


def _own_capabilities(instance: Actor) -> TypeError:
    """An instance that set `self.capabilities`: an actor's capabilities are its class's and
    its spawn's, fixed at spawn (a restart keeps them), so the instance's would be ignored
    without a word, and the tasks meant for it would wait for ever. Found by identity with
    the class's, not by reading the instance's `__dict__`: that makes CPython build the
    dict its attributes otherwise live without, and every later `self.x` of the actor's
    handlers goes through it (counting's tells cost 15% more instructions)."""
    return TypeError(
        f"{class_qualname(type(instance))} sets self.capabilities in __init__, which the "
        "runtime never reads: declare `capabilities` on the class, or pass "
        "spawn(..., capabilities=...) for capabilities that differ per actor (keep data "
        "of your own under another name)"
    )


class Kind:
    """What spawning needs to know of an actor class, learnt from its first instance spawned
    in a system (`Runtime.learn`): one dict lookup per spawn instead of a call for each."""

    __slots__ = ("capabilities", "dormant", "name", "starts", "stats")

    def __init__(self, first: Actor, stats: ClassStats | None) -> None:
        cls = type(first)
        self.name: str = cls.__name__
        check_receive(first)
        check_instance(first)
        self.capabilities: frozenset[str] = check_capabilities(cls.capabilities)
        self.starts: bool = cls.on_start is not Actor.on_start
        """`spawn` waits for its `on_start`; without one, the actor runs on return."""
        self.dormant: bool = not self.starts and cls.on_stop is Actor.on_stop
        """No hook at all: its task is made by its first message or signal (until then the
        cell itself waits in its mailbox's waiter slot)."""
        self.stats: ClassStats | None = stats


def check_hooks(cls: type[Actor]) -> None:
    """Refuse, at spawn, a hook the runtime could not await (a plain `def receive` would
    otherwise fail on the first message, far from the mistake), a class attribute
    `supervisor_strategy` that is no strategy (it would fail at its first child's exit), and
    a class attribute hiding one of actorkit's bases (`_own_names.check_class`)."""
    if cls in CHECKED:
        return
    for hook in HOOKS:
        mixed = hidden(cls, Actor, hook)
        if mixed is not None:
            raise TypeError(f"{class_qualname(cls)}.{hook} is Actor's placeholder: {mixed}")
        check_hook(cls, hook)
    if cls.supervisor_strategy is not None:
        check_strategy(cls.supervisor_strategy, f"{class_qualname(cls)}.supervisor_strategy")
    check_class(cls)
    if len(CHECKED) >= CHECKED_KEPT:
        CHECKED.clear()
    CHECKED.add(cls)


def check_receive(actor: Actor) -> None:
    """Refuse a class whose every message would be answered None without a word, as Akka's
    abstract `receive` does: it has no `receive` (nor does its instance assign
    `self.receive` in `__init__`, the way to change behaviour), yet defines methods of its
    own, such as a misspelt `recieve` or another library's `on_receive`. A class with no
    such method does its work in its hooks (as a `Supervisor` does), and is let be.
    actorkit's own bases (`DurableState.save`...) are no sign of a mistake."""
    cls = type(actor)
    if cls.receive is not Actor.receive or "receive" in getattr(actor, "__dict__", ()):
        return
    methods = [
        name
        for base in cls.__mro__
        if issubclass(base, Actor) and base.__module__.partition(".")[0] != "actorkit"
        for name, value in vars(base).items()
        if inspect.isfunction(value) and not name.startswith("_") and name not in HOOKS
    ]
    if methods:
        raise TypeError(
            f"{class_qualname(cls)} defines no receive (it defines {', '.join(methods)}), so every "
            "message to it would be answered None: define `async def receive(self, message)`, "
            "or assign `self.receive` in __init__"
        )


_ACTOR_NEW: Any = Actor.__new__
_OBJECT_NEW: Any = object.__new__  # `object.__new__` at each spawn is a lookup in `object`
_ACTOR_INIT: Any = Actor.__init__

_HANDED: dict[int, weakref.ref[Actor]] = {}
"""Every instance a callable factory returned, by id: one returned again at a restart would
carry its predecessor's state. Kept off the instance (whose attributes are a durable actor's
default snapshot), by id (an actor's `__hash__` is the user's). A class factory makes a new
instance each time, so its path pays nothing. Weak references in a dict, not a
`WeakValueDictionary`, whose `get` and `__setitem__` are Python calls, and a class with its
own `__new__` (every durable actor's) comes this way at each spawn."""


def _forget(handed: dict[int, weakref.ref[Actor]], key: int, ref: weakref.ref[Actor]) -> None:
    """The instance went: its entry goes, unless another one holds its id by now. Given the
    table rather than reading the global, which an instance freed late in the interpreter's
    exit may outlive (as `WeakValueDictionary`'s own callback is given it)."""
    if handed.get(key) is ref:
        del handed[key]


def make_instance(cell: Cell) -> Actor:
    """The factory's instance, its `_cell` set before its `__init__` runs (so that
    `self.ref` works there): directly for a plain Actor subclass, through
    `_constructing` (read by `Actor.__new__`) for any other factory."""
    factory: Any = cell.factory
    # A new incarnation before the factory runs: one that raises (in a restart) is a
    # failure of its own, its report no stale second report of the instance it replaces.
    cell.incarnation += 1
    if type(factory) is type and factory.__new__ is _ACTOR_NEW:
        made: Actor = _OBJECT_NEW(factory)
        made._cell = cell
        # `Actor.__init__` without arguments does nothing: a class without an `__init__` of
        # its own (a per-request actor's) pays no Python call for it.
        if cell.args or cell.kwargs or factory.__init__ is not _ACTOR_INIT:  # type: ignore[misc]
            made.__init__(*cell.args, **cell.kwargs)  # type: ignore[misc]
            if made.capabilities is not type(made).capabilities:  # not `__dict__`: see below
                raise _own_capabilities(made)
        return made
    token = _constructing.set(cell)
    try:
        instance = factory(*cell.args, **cell.kwargs)
    finally:
        _constructing.reset(token)
    if not isinstance(instance, Actor):
        raise not_an_actor(cell.factory, instance)
    # Not `getattr`: a class whose own `__new__` set none would reach its `__getattr__`; nor
    # `__dict__`, whose reading makes every later attribute of the actor's cost twice as much.
    try:
        owner = object.__getattribute__(instance, "_cell")
    except AttributeError:
        owner = None
    handed = _HANDED.get(id(instance)) if owner is cell else None
    if handed is not None and handed() is instance:
        raise TypeError(
            f"factory {reprlib.repr(cell.factory)} returned the instance {cell.display_path} "
            "had before its restart: return a new instance from each call (a restart calls "
            "it again for a fresh state), such as `lambda: Counter(5)`"
        )
    if owner is not cell and owner is not None and type(owner) is not Unspawned:
        # Shared, it would answer for both actors, as the last one, with their state mixed.
        raise TypeError(
            f"factory {reprlib.repr(cell.factory)} returned the instance of actor {owner.path}: "
            "return a new instance from each call (a restart calls it again for a fresh "
            "state), such as `lambda: Counter(5)`"
        )
    if type(instance) is not cell.factory:
        check_hooks(type(instance))
    if instance.capabilities is not type(instance).capabilities:
        raise _own_capabilities(instance)
    instance._cell = cell
    key = id(instance)
    _HANDED[key] = weakref.ref(instance, functools.partial(_forget, _HANDED, key))
    return instance
