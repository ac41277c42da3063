"""Stored values read by a later version of the program (docs/persistence.md, "Changing
stored classes between deploys"): what to change when one no longer decodes, a warning for
stored fields a class no longer has, and whether a default snapshot still fits the actor.

The codec's own errors speak to a receiver of messages from another process; a store's
reader is the same program a deploy later, whose way out is to change its classes.
"""

from __future__ import annotations

import inspect
import logging
import re
from types import MemberDescriptorType

from .._errors import PersistenceError
from .._shown import class_qualname
from .._wire import BadPayload, Incompatible
from . import _payload

logger = logging.getLogger("actorkit")

SECTION = 'docs/persistence.md, "Changing stored classes between deploys"'
_told: set[tuple[str, frozenset[str]]] = set()
"""Dropped fields already warned of: a recovery of 100k events warns once."""


_CONVERT = {"event": "apply", "snapshot": "restore", "state": "on_start", "reminder": "receive"}
"""Where an actor meets each kind of stored value, to convert an old version in."""
_SCALAR = {"int": "int", "float": "float", "str": "str", "bool": "bool", "null": "None"}
_GOT = re.compile(r"Expected `([^`]+)`, got `([^`]+)`")


def unreadable(error: BadPayload, what: str, persistence_id: str) -> PersistenceError:
    """`what` ("event 3", "snapshot 1000", "state revision 2", "reminder 'k'") of
    `persistence_id` does not decode: the error says which class and field, and what to
    change in the program to read it."""
    _payload.dropped.clear()  # what the value's other objects had: it is not read
    kind, _, key = what.partition(" ")
    said = _advice(error, _CONVERT.get(kind, "apply"))
    if kind == "reminder":  # `key` is the key's repr: a timer, unlike history, can just end
        said += f", or delete the reminder: await store.delete_reminder({persistence_id!r}, {key})"
    return PersistenceError(f"{what} of {persistence_id!r} does not decode: {said} ({SECTION})")


def _advice(error: BadPayload, hook: str) -> str:
    if not isinstance(error, Incompatible):  # not a registered object's: bytes no version wrote
        return str(error)
    name, detail, field = error.type_name, error.detail, error.field
    keep = (
        f"keep the old class registered as {name!r}, register the new one under a new name "
        f"and convert the old one in {hook}"
    )
    if detail is None:
        return (
            f"no class is registered as {name!r}, its stored type (renamed or removed since "
            f"it was stored?): register the class under that name, @actorkit.message({name!r}), "
            f"or keep the old class registered under it and convert it in {hook}"
        )
    if field is None:  # a `__post_init__` that raised: the class's own refusal
        return str(error)
    if error.missing:
        return (
            f"{error}; values of {name!r} stored before field {field!r} was added lack it: give "
            f"{field} a default, or, if it was renamed, {keep}"
        )
    got = _GOT.search(detail)
    if got is not None and {*got.groups()} <= _SCALAR.keys():
        admit = f"`{_SCALAR[got.group(1)]} | {_SCALAR[got.group(2)]}`"
    elif "Invalid enum value" in detail:
        admit = "the stored value back in its Literal"
    else:  # a message class, which no union of them admits
        admit = "`Any`"
    return (
        f"{error}; the stored value no longer fits the annotation of {field}: make it admit "
        f"the value ({admit}), or {keep}"
    )


def decoded(payload: bytes, what: str, persistence_id: str) -> object:
    """One stored value, decoded; `PersistenceError` saying what to change when it no
    longer decodes. `Binding.decode` is this, written out for recovery's every event."""
    try:
        value = _payload.decode(payload)
    except BadPayload as error:
        raise unreadable(error, what, persistence_id) from None
    if _payload.dropped:
        warn_dropped(what, persistence_id)
    return value


def snapshot_decoded(payload: bytes, what: str, persistence_id: str) -> tuple[object, str | None]:
    """A stored snapshot, decoded, and why it may not be restored (None when it may): it no
    longer decodes, or decoding dropped stored fields its classes no longer have. Where an
    event's dropped field is only warned of (the journal is the truth, read alike by every
    recovery), a snapshot is a copy of events the journal still holds: a field renamed to one
    with a default would restore that default in place of the stored value, a state no replay
    of the journal gives, so the snapshot is passed over instead."""
    try:
        value = _payload.decode(payload)
    except BadPayload as error:
        return None, str(unreadable(error, what, persistence_id))
    if not _payload.dropped:
        return value, None
    lost = "; ".join(
        f"field(s) {', '.join(map(repr, sorted(fields)))} of {name!r}"
        for name, fields in _payload.dropped
    )
    _payload.dropped.clear()
    return value, (
        f"{what} of {persistence_id!r} holds {lost} that its class no longer has (renamed "
        "since it was taken?), which restoring it would read as their defaults"
    )


def warn_dropped(what: str, persistence_id: str) -> None:
    """Warns of the stored fields that decoding `what` met and its classes no longer have,
    once per type and fields."""
    hook = _CONVERT.get(what.partition(" ")[0], "apply")
    for name, fields in _payload.dropped:
        if (name, fields) not in _told:
            _told.add((name, fields))
            logger.warning(
                "%s of %r holds field(s) %s of %r that its class no longer has: they are "
                "ignored. If a field was renamed, the new one reads its default instead of the "
                "stored value: keep the old class registered as %r, register the new one under "
                "a new name and convert the old one in %s (%s)",
                what, persistence_id, ", ".join(map(repr, sorted(fields))), name, name, hook,
                SECTION,
            )  # fmt: skip
    _payload.dropped.clear()


def unfit(snapshot: object, fresh: dict[str, object], cls: type) -> str | None:
    """Why a default snapshot (the dict of an instance's attributes) cannot be restored into
    an instance of `cls` whose `__init__` set `fresh`, None when it can: one taken by an
    earlier shape of the actor lacks an attribute this one sets, which restoring would leave
    at its initial value while only the later events are applied; or it holds one that the
    class now defines as a property or method, which setting back would fail (no setter) or
    hide behind the stored value."""
    if type(snapshot) is not dict:
        return f"it is a {type(snapshot).__name__}, not the dict of attributes"
    lacking = [name for name in fresh if name not in snapshot]
    if lacking:
        return f"it lacks the attribute(s) {', '.join(map(repr, lacking))}"
    odd = [name for name in snapshot if type(name) is not str]
    if odd:
        return f"its key(s) {', '.join(map(repr, odd))} are not attribute names"
    taken = [name for name in snapshot if name not in fresh and _defined(cls, name)]
    if taken:
        return (
            f"it holds the attribute(s) {', '.join(map(repr, taken))}, which "
            f"{class_qualname(cls)} now defines as a property or method"
        )
    return None


def _defined(cls: type, name: str) -> bool:
    """Whether setting `name` on an instance of `cls` would not keep a plain value: a
    descriptor (a property, which it would fail, or a method or `functools.cached_property`,
    which the stored value would hide for good) or something the class calls. A class default
    that instances shadow (`count = 0`) is neither, nor is a slot."""
    found = inspect.getattr_static(cls, name, _ABSENT)
    if found is _ABSENT or isinstance(found, MemberDescriptorType):  # a slot holds state
        return False
    return callable(found) or hasattr(type(found), "__get__")


_ABSENT = object()


def pass_over(why: str, snapshot_every: int) -> None:
    """Recovery replays the whole journal instead of restoring a snapshot (a store deletes
    no event): the state is the same, only its recovery slower until the next snapshot, which
    an actor that takes none (`snapshot_every` 0) never writes, so the warning says so."""
    logger.warning(
        "%s: the snapshot is passed over and the journal replayed from its first event; %s",
        why,
        "the actor's next persist takes a snapshot in its current shape"
        if snapshot_every
        else "snapshot_every is 0, so no persist replaces it and every recovery passes it "
        "over: set snapshot_every to have one taken in the actor's current shape",
    )
