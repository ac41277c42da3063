"""The codec's refusals (`actorkit._wire`): what may not cross, said with where it sits in
the value (`at Order.lines[2]`) and what to send instead; and what it refuses to decode."""

from __future__ import annotations

import dataclasses
import re

from ._protocols import REFS_STAY, is_ref_class
from ._registry import is_attrs_class
from ._shown import class_qualname


class BadPayload(Exception):
    """A frame that did not decode into something this process accepts."""


_MISSING = re.compile(r"missing required field `([^`]+)`")
_PATH = re.compile(r" - at `\$\.?([^`]*)`$")


class Incompatible(BadPayload):
    """A well-formed object that the class registered under its name here refuses
    (`detail`, msgspec's words), or whose name no class here is registered under (`detail`
    None): what a process running another version of that class sends, so the transport
    reports it as such rather than as garbage."""

    def __init__(self, type_name: str, detail: str | None) -> None:
        super().__init__(
            f"unknown message type {type_name!r}: register it with @actorkit.message in the "
            "receiving process too"
            if detail is None
            else f"bad {type_name!r}: {detail}"
        )
        self.type_name = type_name
        self.detail = detail
        self.field = _field(detail)
        self.missing = detail is not None and _MISSING.search(detail) is not None
        """The field is missing (else its value does not fit, or `field` is None)."""


def _field(detail: str | None) -> str | None:
    """The field msgspec names (`Object missing required field `b` - at `$.inner``: `inner.b`),
    None when it names none (a `__post_init__` that raised, an unknown type)."""
    if detail is None:
        return None
    at = _PATH.search(detail)
    path = at.group(1) if at else ""
    missing = _MISSING.search(detail)
    if missing is not None:
        return f"{path}.{missing.group(1)}" if path else missing.group(1)
    return path or None


def _at(path: str) -> str:
    return f" at {path}" if path else ""


def too_big(path: str = "", what: str = "an int") -> TypeError:
    return TypeError(
        f"{what}{_at(path)} does not fit in 64 bits (msgpack holds -2**63 to 2**64 - 1): "
        "send or store it as a str"
    )


def not_text(path: str = "", what: str = "a str") -> TypeError:
    return TypeError(
        f"{what}{_at(path)} holds a lone surrogate (such as '\\udcff', which os.fsdecode makes "
        "of bytes that are not UTF-8), which UTF-8 cannot encode: send or store the bytes, or "
        "text made with errors='backslashreplace'"
    )


def too_deep() -> TypeError:
    """A value that holds itself, or nests past Python's recursion limit: no path to say."""
    return TypeError(
        "a value that holds itself or nests deeper than Python's recursion limit cannot cross: "
        "send or store it flatter (a list of records, ids instead of references)"
    )


def leaf(value: object, path: str, key: bool = False) -> TypeError:
    """The error for a value with no children that does not cross (a key of a dict, if `key`)."""
    cls = type(value)
    if cls is int:
        return too_big(path, "an int dict key" if key else "an int")
    if cls is str:
        return not_text(path, "a str dict key" if key else "a str")
    return refuse_key(value, path) if key else refuse(value, path)


class Unset:
    """What `Codec._located` finds in a registered class's field that was never set (a field with
    `init=False` and no default that `__post_init__` did not assign)."""

    __slots__ = ("field", "owner")

    def __init__(self, owner: type, field: str) -> None:
        self.owner = owner
        self.field = field


def refuse(value: object, path: str) -> TypeError:
    cls = type(value)
    if isinstance(value, Unset):
        owner = value.owner
        return TypeError(
            f"cannot encode {owner.__module__}.{class_qualname(owner)}{_at(path)}: its field "
            f"{value.field!r} was never set (a field(init=False) without a default that __init__ "
            "and __post_init__ left unset): set it in __post_init__ or give it a default"
        )
    if is_ref_class(cls):
        return TypeError(f"cannot encode {value!r}{_at(path)}: {REFS_STAY}")
    if dataclasses.is_dataclass(cls) or is_attrs_class(cls):
        return TypeError(
            f"{cls.__module__}.{class_qualname(cls)}{_at(path)} is not a registered message type: "
            "decorate it with @actorkit.message in every process that sends, receives, stores "
            "or recovers it"
        )
    return TypeError(
        f"cannot encode a {cls.__module__}.{class_qualname(cls)}{_at(path)}: values that cross to "
        "another system or into a store are None, bool, int, float, str, bytes, lists, "
        "tuples, dicts and @actorkit.message dataclasses or attrs classes"
    )


def refuse_key(key: object, path: str) -> TypeError:
    return TypeError(
        f"cannot encode a dict keyed by {type(key).__module__}.{class_qualname(type(key))}"
        f"{_at(path)}: keys cross as None, bool, int, float, str or bytes; use str keys or a "
        "list of (key, value) pairs"
    )


def unrebuildable(cls: type, error: Exception) -> TypeError:
    """A registered class whose annotations msgspec cannot rebuild it by: every receiver and
    every recovery would reject it, so the first send or write is refused instead."""
    return TypeError(
        f"{cls.__module__}.{class_qualname(cls)} cannot cross: a receiver rebuilds it from its "
        f"fields by their annotations (msgspec), which refuse it ({type(error).__name__}: "
        f"{error}); annotate a field that holds one of several message classes `Any`, and "
        "import the names annotations use at run time, not only under TYPE_CHECKING"
    )


def unreadable(why: str) -> TypeError:
    """A value that encodes but that its class's annotations refuse on the way back (a
    `bool` in an `int` field, a subclass in a field annotated with its base class)."""
    return TypeError(
        f"it would not be read back ({why}): a registered class is rebuilt from its fields by "
        "their annotations, so give each field a value of its annotated type, and annotate "
        "`Any` a field that holds subclasses or several types"
    )
