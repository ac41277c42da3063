"""What systems and actor paths may be named, and sets of names (capabilities, required
capabilities): one check each, with an error that says what to pass. A leaf, so the kernel
(spawn), the system, the task layer and the transport share the same rules."""

from __future__ import annotations

import reprlib
from collections.abc import Iterable

from ._exact import exact_str
from ._mistaken import wrong_path

MAX_NAME = 255
MAX_PATH = 4096
NOTHING: frozenset[str] = frozenset()
_COLLECTIONS = (tuple, list, set, frozenset)
_BARE = (str, bytes, bytearray, memoryview)
"""One name given whole, not a set of names: iterated, a str is a set of letters and bytes
a set of ints, and either would be refused item by item, naming a letter or an ord."""


def check_names(value: object, what: str, each: str) -> frozenset[str]:
    """A set of capability names, from any iterable of non-empty strings (a bare str or bytes
    is a mistake, refused whole: `_BARE`). An empty str is of the right type with a
    wrong value, a `ValueError` as an empty system name is."""
    if type(value) is tuple and not value:  # not `== ()`: a numpy array compares per item
        return NOTHING
    # Concrete collections first (a tuple of types, not a union: faster to check); the
    # isinstance check against the Iterable ABC is slow.
    if not isinstance(value, _COLLECTIONS) and (
        isinstance(value, _BARE) or not isinstance(value, Iterable)
    ):
        raise TypeError(
            f"{what} must be an iterable of strings such as ('gpu',), got {reprlib.repr(value)}"
        )
    items = tuple(value)
    for item in items:
        if not isinstance(item, str) or not item:
            # reprlib: a deeply nested list would exhaust the recursion limit in repr
            error = ValueError if isinstance(item, str) else TypeError
            raise error(f"{each} in {what} must be a non-empty str, got {reprlib.repr(item)}")
    # Exact strs (`_exact`): a subclass's own __hash__ or __eq__ would run in the task
    # layer's indexes, at every later submit and at shutdown.
    return frozenset([exact_str(item) for item in items])


def check_system_name(name: object) -> str:
    if not isinstance(name, str):
        raise TypeError(f"system name must be a str, got {type(name).__name__}")
    name = exact_str(name)  # it goes into subjects, labels and ids by formatting
    if not name or "/" in name or len(name) > MAX_NAME or not name.isprintable():
        raise ValueError(
            f"system name must be a non-empty str without '/' of at most {MAX_NAME} printable "
            f"characters, got {reprlib.repr(name)}"
        )
    return name


def check_path(path: object) -> str:
    if not isinstance(path, str):
        raise TypeError(f"path must be a str such as '/parent/child', {wrong_path(path)}")
    path = exact_str(path)  # looked up in the registry: a subclass's __hash__ must not run
    if not path.startswith("/") or len(path) > MAX_PATH or not path.isprintable():
        raise ValueError(
            f"path must be an actor path such as '/parent/child' (at most {MAX_PATH} printable "
            f"characters), got {reprlib.repr(path)}"
        )
    return path


def path_too_long(parent_path: str, name: str) -> ValueError:
    """The refusal of a child whose path would pass `MAX_PATH`: `lookup`, `system.ask`,
    `remote` and `/actors?path=` could never name it. A limit on paths is one on depth too,
    and so on the memory of a chain's paths, each holding its parent's: d² characters for a
    chain d deep (600 MB at 24,000) if paths were not bounded."""
    path = f"{parent_path}/{name}"
    cut = f"{path[:48]}...{path[-48:]}"  # its start and its end: where it is, and the name
    return ValueError(
        f"cannot spawn {cut}: its path would be {len(path):,} characters, and "
        f"actor paths are at most {MAX_PATH} characters (what lookup, system.ask and remote "
        "take); give the actors along it shorter names, or nest them less deeply"
    )


def check_actor_path(path: object) -> str:
    """A path some actor can have, for a ref made from it alone (a remote one) and for a
    `lookup` that found nothing: an empty name (`/a//b`, `/a/`, `/`), a relative step (`.`,
    `..`, names spawn refuses: paths are not resolved) or a name longer than spawn allows
    would name nobody, and be found out only by the first message, or read as "no actor
    there" while the actor meant runs."""
    checked = check_path(path)
    for name in checked[1:].split("/"):
        if not name:
            why = "an empty name: drop the trailing '/' or the doubled one"
        elif name in _STEPS:
            why = "'.' or '..': paths are not resolved, write the path from '/'"
        elif len(name) > MAX_NAME:
            why = f"a name longer than {MAX_NAME} characters"
        else:
            continue
        raise ValueError(
            f"path must be an actor path such as '/parent/child': names of 1 to {MAX_NAME} "
            f"characters, each after one '/', got {reprlib.repr(checked)}, with {why}"
        )
    return checked


_STEPS = (".", "..")
