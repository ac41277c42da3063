"""Consistent hashing: which pool member owns a key.

A pool that routes by key wants the same key to reach the same member, and wants resizing
to move as few keys as possible: adding a member should only take keys *to* it, removing
one should only move *its* keys. Each member is placed at many pseudo-random points
("vnodes") on a 64-bit ring and a key belongs to the first point at or after its hash,
wrapping around; many points per member keep the shares even.

Positions must not depend on the process: Python's `hash()` of a str is salted per process,
so keys and vnodes are hashed with blake2b over a deterministic byte encoding instead.

Lookups go through a slot table: the ring is cut into equal slots, and a slot with no
vnode inside it names its owner outright, so most keys cost one list index instead of a
bisect over every vnode (a pool routes each message this way).

Pure data structure: no asyncio and no other actorkit imports, so it can be tested and
benchmarked on its own.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any, Generic, TypeVar

M = TypeVar("M")

DEFAULT_VNODES = 160
SLOTS_PER_POINT = 16
"""Slots in the table per vnode: about one slot in sixteen holds a vnode and needs a bisect."""
MAX_SLOT_BITS = 16
SPLIT: Any = object()
"""In `HashRing.slots`, a slot with a vnode inside it: its keys have two owners, found by
`owner_at`."""


def _digest(data: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big")


def _encode(key: object) -> bytes:
    """A byte string for `key`; keys of the encoded types that compare equal encode equally.

    Numbers are normalised because `1 == 1.0 == True` must route alike, as they would in a
    dict. Other types use `hash()`: it agrees with `__eq__` by contract, which no generic
    encoding (`repr`, pickle) guarantees, at the cost of being stable only within one
    process. (A number of another type, like `Fraction(1, 2)`, does not meet its equal
    float: mixing numeric types in one pool's keys is not worth a slower common case.)
    """
    if isinstance(key, str):
        return b"s" + key.encode("utf-8", "surrogatepass")
    if isinstance(key, bytes):
        return b"b" + key
    if isinstance(key, float) and key.is_integer():
        key = int(key)
    if isinstance(key, int):  # bool included: True == 1
        return b"i" + key.to_bytes(key.bit_length() // 8 + 1, "big", signed=True)
    if isinstance(key, float):
        return b"f" + key.hex().encode()
    if key is None:
        return b"n"
    if isinstance(key, tuple):
        parts = [_encode(item) for item in key]
        # Length prefixes keep ("ab", "c") and ("a", "bc") apart.
        return b"t" + b"".join(b"%d:%b" % (len(part), part) for part in parts)
    return b"h" + hash(key).to_bytes(8, "big", signed=True)


def stable_hash(key: object) -> int:
    """The ring position of `key`.

    Identical in every process for str, bytes, int, float, bool, None and tuples of them.
    """
    return _digest(_encode(key))


MASK64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15


def process_hash(key: object) -> int:
    """A ring position that is stable only within this process, about ten times cheaper than
    `stable_hash`: Python's own `hash`, spread over 64 bits by Fibonacci hashing (so that
    sequential ints do not bunch up at one end of the ring). Enough for in-process pools."""
    return (hash(key) * GOLDEN) & MASK64


CACHED_LABEL = 64
"""Labels up to this long have their points cached (`_points`): a pool's member names."""


def _hashed(name: str, vnodes: int) -> tuple[int, ...]:
    """A label's vnode positions."""
    # `#` then digits only at the end, so distinct (label, index) pairs never collide.
    return tuple(_digest(f"{name}#{i}".encode("utf-8", "surrogatepass")) for i in range(vnodes))


_points = lru_cache(maxsize=4096)(_hashed)
"""Cached: a pool's ring is rebuilt whenever a member starts or stops, from labels ("0", "1",
...) that every pool shares. Short labels only, so the cache stays small."""


class HashRing(Generic[M]):
    """Members placed on a hash ring; `node_for` maps a key to its owning member.

    `label` names a member for placing its vnodes and must be unique per member;
    `key_hash` places keys (`stable_hash` by default, the same in every process). The
    default, `str`, suits members with a meaningful str; for objects whose str is their
    address, pass a label derived from a stable identity (e.g. an actor's path) if rings in
    different processes must agree.
    """

    __slots__ = (
        "_key_hash",
        "_label",
        "_members",
        "_owners",
        "_positions",
        "_vnodes",
        "shift",
        "slots",
    )

    slots: list[Any]
    """Owner by slot (`position >> shift`), or `SPLIT` where a vnode splits the slot.
    Public so that a hot caller can index it in place (`PoolRef.tell`)."""
    shift: int

    def __init__(
        self,
        members: Iterable[M] = (),
        vnodes: int = DEFAULT_VNODES,
        label: Callable[[M], str] = str,
        key_hash: Callable[[object], int] = stable_hash,
    ) -> None:
        if vnodes < 1:
            raise ValueError(f"vnodes must be at least 1, got {vnodes}")
        self._vnodes = vnodes
        self._key_hash = key_hash
        self._label = label
        # Label -> (member, its vnode positions), in the order members were added.
        self._members: dict[str, tuple[M, tuple[int, ...]]] = {}
        # Parallel sorted lists: `_positions` for bisect, `_owners[i]` owns `_positions[i]`.
        self._positions: list[int] = []
        self._owners: list[M] = []
        for member in members:
            self._place(member)
        self._rebuild()

    def __len__(self) -> int:
        return len(self._members)

    @property
    def members(self) -> tuple[M, ...]:
        """The members, in the order they were added."""
        return tuple(member for member, _ in self._members.values())

    def add(self, member: M) -> bool:
        """Place `member` on the ring; False if it is already there.

        Raises ValueError if a different member already has the same label, since two
        members on the same points would make ownership depend on insertion order.
        """
        if not self._place(member):
            return False
        self._rebuild()
        return True

    def remove(self, member: M) -> bool:
        """Take `member` off the ring; False if it was not there. Only its keys move."""
        name = self._label(member)
        entry = self._members.get(name)
        if entry is None or entry[0] != member:
            return False
        del self._members[name]
        self._rebuild()
        return True

    def node_for(self, key: object) -> M:
        """The member owning `key`. Raises LookupError when the ring has no members.
        `PoolRef.tell` and `PoolRef.ask` write the lookup out (`process_hash`, the slot,
        `owner_at` for a split one), a call fewer a message: change all three."""
        if not self._owners:
            raise LookupError("the hash ring has no members: add one before routing keys")
        position = self._key_hash(key)
        owner = self.slots[position >> self.shift]
        return self.owner_at(position) if owner is SPLIT else owner

    def owner_at(self, position: int) -> M:
        """The owner of a ring position, by bisect (for slots that a vnode splits)."""
        i = bisect_left(self._positions, position)
        return self._owners[i if i < len(self._owners) else 0]

    def _place(self, member: M) -> bool:
        name = self._label(member)
        entry = self._members.get(name)
        if entry is not None:
            if entry[0] == member:
                return False
            raise ValueError(f"label {name!r} of {member!r} is already used by {entry[0]!r}")
        vnodes = self._vnodes
        points = _points(name, vnodes) if len(name) <= CACHED_LABEL else _hashed(name, vnodes)
        self._members[name] = (member, points)
        return True

    def _rebuild(self) -> None:
        # Ties (astronomically rare at 64 bits) go to the smaller label, so ownership never
        # depends on the order members were added.
        ring = sorted(
            (position, name) for name, (_, points) in self._members.items() for position in points
        )
        self._positions = [position for position, _ in ring]
        self._owners = [self._members[name][0] for _, name in ring]
        self._fill_slots()

    def _fill_slots(self) -> None:
        """One pass over the sorted points: the slots between two points belong to the later
        point's owner (the first at or after their keys), and a slot holding a point below
        its last position is split. Linear, where a bisect per slot took ~20 ms for a pool of
        six, and a pool rebuilds its table whenever a member starts or stops."""
        positions, owners = self._positions, self._owners
        bits = max(1, min(MAX_SLOT_BITS, (len(positions) * SLOTS_PER_POINT).bit_length()))
        self.shift = shift = 64 - bits
        if not owners:
            self.slots = [SPLIT] * (1 << bits)
            return
        low = (1 << shift) - 1
        slots: list[Any] = []
        filled = 0  # slots filled so far; slot `filled` is the next one
        for owner, position in zip(owners, positions, strict=True):
            slot = position >> shift
            if slot >= filled:
                slots += [owner] * (slot - filled)
                # A point at the slot's very last position splits nothing: keys up to it
                # are its owner's, as are those of the empty slots before.
                slots.append(SPLIT if position & low != low else owner)
                filled = slot + 1
        slots += [owners[0]] * ((1 << bits) - filled)  # past the last point: wrap around
        self.slots = slots
