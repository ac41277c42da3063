"""An actor instance's state by name, what the default snapshot of an `EventSourced` keeps
and its default restore sets back."""

from __future__ import annotations

from .._actor import RUNTIME_OWN

OPTIONS = frozenset({"snapshot_every"})
"""What an `__init__` may set of its class's options (an `EventSourced`'s cadence, from a
spawn argument): configuration, not state, so no snapshot keeps it and none sets it back
over the new instance's."""


def attributes(instance: object) -> dict[str, object]:
    """An instance's state by name: its `__dict__` but for the runtime's own and `OPTIONS`,
    and the slots its classes declare that are set (an actor keeping its state in
    `__slots__`, to save memory over many actors, would otherwise snapshot none of it and
    recover none)."""
    cls = type(instance)
    state = {
        name: value
        for name, value in vars(instance).items()
        if name not in RUNTIME_OWN and name not in OPTIONS and not _cached(cls, name)
    }
    for base in cls.__mro__:
        for name in _slots(base):
            try:
                state[name] = base.__dict__[name].__get__(instance, base)
            except AttributeError:  # a slot not set: as an attribute never assigned
                continue
    return state


def _slots(cls: type) -> list[str]:
    """The slot names `cls` itself declares, private ones mangled as Python stores them."""
    declared = cls.__dict__.get("__slots__", ())
    names = (declared,) if isinstance(declared, str) else declared
    mangled = []
    for name in names:
        if name in ("__dict__", "__weakref__"):
            continue
        if name.startswith("__") and not name.endswith("__"):
            name = f"_{cls.__name__.lstrip('_')}{name}"
        if name in cls.__dict__:  # its member descriptor
            mangled.append(name)
    return mangled


def _cached(cls: type, name: str) -> bool:
    """Whether an instance's value of `name` shadows a descriptor that only reads (no
    `__set__`), not a method: what a `functools.cached_property` keeps under its name, a cache
    of what the class computes, not state, which set back by a restore would hide the
    computation. A data descriptor's value kept there (a validating field's) is state. Looked
    up in the classes' own dicts, as `inspect.getattr_static` does, at a fraction of its cost."""
    for base in cls.__mro__:
        found = base.__dict__.get(name, _ABSENT)
        if found is not _ABSENT:
            kind = type(found)
            return hasattr(kind, "__get__") and not (
                hasattr(kind, "__set__") or hasattr(kind, "__delete__") or callable(found)
            )
    return False


_ABSENT = object()
