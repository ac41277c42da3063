from __future__ import annotations

import bisect
import hashlib
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from actorkit import _hashring
from actorkit._hashring import SPLIT, HashRing, stable_hash

MEMBERS = [f"worker-{i}" for i in range(8)]
KEYS = [f"user-{i}" for i in range(10_000)]


def owners(ring: HashRing[str], keys: list[str]) -> dict[str, str]:
    return {key: ring.node_for(key) for key in keys}


def test_same_key_same_member() -> None:
    ring = HashRing(MEMBERS)
    assert all(ring.node_for(key) == ring.node_for(key) for key in KEYS[:1000])
    assert owners(HashRing(MEMBERS), KEYS[:1000]) == owners(ring, KEYS[:1000])


def test_member_order_does_not_matter() -> None:
    assert owners(HashRing(MEMBERS), KEYS[:2000]) == owners(HashRing(MEMBERS[::-1]), KEYS[:2000])


def test_distribution_is_roughly_even() -> None:
    counts = Counter(owners(HashRing(MEMBERS), KEYS).values())
    mean = len(KEYS) / len(MEMBERS)
    assert set(counts) == set(MEMBERS)
    for member, count in counts.items():
        assert abs(count - mean) <= 0.35 * mean, (member, count)


def test_adding_a_member_only_moves_keys_to_it() -> None:
    ring = HashRing(MEMBERS)
    before = owners(ring, KEYS)
    assert ring.add("worker-8") is True
    after = owners(ring, KEYS)
    moved = [key for key in KEYS if before[key] != after[key]]
    assert len(moved) <= 0.2 * len(KEYS)
    assert moved  # the new member got a share
    assert {after[key] for key in moved} == {"worker-8"}


def test_removing_a_member_only_moves_its_keys() -> None:
    ring = HashRing(MEMBERS)
    before = owners(ring, KEYS)
    assert ring.remove("worker-3") is True
    after = owners(ring, KEYS)
    for key in KEYS:
        if before[key] == "worker-3":
            assert after[key] != "worker-3"
        else:
            assert after[key] == before[key]


def test_known_digests_catch_an_algorithm_change() -> None:
    assert stable_hash("user-42") == 13088657904087159980
    assert stable_hash(b"user-42") == 5728162267534568977
    assert stable_hash(42) == 9135168352115626000
    assert stable_hash(("user", 42)) == 2423387616873552466
    assert stable_hash(None) == 6753767377493465268
    assert stable_hash(1.5) == 16860426402307227005
    ring = HashRing(["a", "b", "c", "d"])
    assert [ring.node_for(f"user-{i}") for i in range(12)] == list("ccabadbdbdbc")


@pytest.mark.parametrize("vnodes", [1, 3])
def test_key_belongs_to_first_vnode_at_or_after_it_wrapping(vnodes: int) -> None:
    def position(data: str) -> int:
        return int.from_bytes(hashlib.blake2b(data.encode(), digest_size=8).digest(), "big")

    members = ["a", "b", "c"]
    points = sorted((position(f"{m}#{i}"), m) for m in members for i in range(vnodes))
    ring = HashRing(members, vnodes=vnodes)
    wrapped = 0
    for key in KEYS[:3000]:
        h = stable_hash(key)
        after = [m for p, m in points if p >= h]
        wrapped += not after
        assert ring.node_for(key) == (after[0] if after else points[0][1])
    assert wrapped  # some keys lie past the last vnode, exercising the wrap


def test_slot_table_agrees_with_the_ring_at_every_edge() -> None:
    """A slot names its owner only when no vnode lies inside it: probe both sides of every
    vnode and every slot edge, where an off-by-one would hand a key to the wrong member."""

    def identity(key: object) -> int:
        assert isinstance(key, int)
        return key

    ring = HashRing(["a", "b", "c"], vnodes=5, key_hash=identity)
    points = sorted((stable_position(f"{m}#{i}"), m) for m in "abc" for i in range(5))
    positions = [p for p, _ in points]
    shift = ring.shift
    probes = {0, 2**64 - 1}
    for p in positions:
        probes |= {p - 1, p, p + 1}
    for slot in range(len(ring.slots)):
        probes |= {slot << shift, ((slot + 1) << shift) - 1}
    for probe in sorted(probes):
        i = bisect.bisect_left(positions, probe)
        assert ring.node_for(probe) == points[i % len(points)][1], probe
    assert sum(owner is SPLIT for owner in ring.slots) <= len(points)
    assert any(owner is not SPLIT for owner in ring.slots)


def test_the_slot_table_stays_bounded_for_a_large_pool() -> None:
    """A pool rebuilds its table whenever a member starts or stops: a hundred members must
    not cost hundreds of thousands of slots each time."""
    ring = HashRing(range(100), label=str)
    assert len(ring.slots) <= 1 << _hashring.MAX_SLOT_BITS
    assert ring.node_for(42) in range(100)


def stable_position(label: str) -> int:
    return int.from_bytes(hashlib.blake2b(label.encode(), digest_size=8).digest(), "big")


def test_keys_that_compare_equal_route_alike() -> None:
    ring = HashRing(MEMBERS)
    assert stable_hash(1) == stable_hash(1.0) == stable_hash(True)
    assert stable_hash(0) == stable_hash(-0.0) == stable_hash(False)
    assert stable_hash((1, "a")) == stable_hash((1.0, "a"))
    assert ring.node_for(7) == ring.node_for(7.0)


def test_encoding_keeps_distinct_keys_apart() -> None:
    distinct = [
        "1",
        1,
        b"1",
        1.5,
        None,
        "",
        b"",
        (),
        ("",),
        ("ab", "c"),
        ("a", "bc"),
        ("a", ("b", "c")),
        (("a", "b"), "c"),
        -1,
        255,
        -256,
        2**100,
    ]
    assert len({stable_hash(key) for key in distinct}) == len(distinct)


def test_other_objects_fall_back_to_hash() -> None:
    class Key:
        def __init__(self, value: int) -> None:
            self.value = value

        def __eq__(self, other: object) -> bool:
            return isinstance(other, Key) and other.value == self.value

        def __hash__(self) -> int:
            return self.value

    assert stable_hash(Key(5)) == stable_hash(Key(5))
    assert stable_hash(Key(5)) != stable_hash(Key(6))
    assert stable_hash(("k", Key(5))) == stable_hash(("k", Key(5)))


def test_routing_is_stable_across_processes() -> None:
    """str hashing is salted per process; the ring must not be."""
    script = (
        "import json, sys\n"
        "from actorkit._hashring import HashRing\n"
        "ring = HashRing([f'worker-{i}' for i in range(8)])\n"
        "print(json.dumps([ring.node_for(f'user-{i}') for i in range(500)]))\n"
    )
    root = Path(_hashring.__file__).resolve().parents[1]
    results = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(root)}
        done = subprocess.run(
            [sys.executable, "-c", script],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        )
        results.append(json.loads(done.stdout))
    ring = HashRing(MEMBERS)
    expected = [ring.node_for(f"user-{i}") for i in range(500)]
    assert results == [expected, expected]


def test_empty_ring_raises_lookup_error() -> None:
    ring: HashRing[str] = HashRing()
    with pytest.raises(LookupError, match="no members"):
        ring.node_for("k")
    ring.add("a")
    ring.remove("a")
    with pytest.raises(LookupError, match="no members"):
        ring.node_for("k")


def test_membership_bookkeeping() -> None:
    ring = HashRing(["a", "b"])
    assert len(ring) == 2
    assert list(ring.members) == ["a", "b"]
    assert ring.add("a") is False
    assert ring.add("c") is True
    assert list(ring.members) == ["a", "b", "c"]
    assert ring.remove("b") is True
    assert ring.remove("b") is False
    assert list(ring.members) == ["a", "c"]
    assert len(ring) == 2
    assert {ring.node_for(key) for key in KEYS[:500]} == {"a", "c"}


def test_label_places_arbitrary_members() -> None:
    class Cell:
        def __init__(self, path: str) -> None:
            self.path = path

    cells = [Cell(f"/user/pool/{i}") for i in range(4)]
    ring = HashRing(cells, label=lambda cell: cell.path)
    by_path = HashRing([cell.path for cell in cells])
    # Placement depends only on the label, not on the object.
    assert all(ring.node_for(key).path == by_path.node_for(key) for key in KEYS[:1000])
    assert ring.remove(Cell("/user/pool/0")) is False  # same label, different member
    assert len(ring) == 4


def test_duplicate_label_is_rejected() -> None:
    ring = HashRing([1], label=lambda _: "same")
    with pytest.raises(ValueError, match="already used"):
        ring.add(2)
    assert ring.members == (1,)


def test_vnodes_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        HashRing(["a"], vnodes=0)


def test_single_vnode_ring_still_routes_everything() -> None:
    ring = HashRing(["a", "b", "c"], vnodes=1)
    assert {ring.node_for(key) for key in KEYS[:2000]} <= {"a", "b", "c"}


@settings(max_examples=50, deadline=None)
@given(
    members=st.lists(st.text(min_size=1, max_size=6), min_size=1, max_size=6, unique=True),
    newcomer=st.text(min_size=1, max_size=6),
    keys=st.lists(
        st.one_of(st.text(max_size=8), st.integers(), st.binary(max_size=8)), max_size=60
    ),
    vnodes=st.integers(1, 32),
)
def test_stickiness_property(
    members: list[str], newcomer: str, keys: list[object], vnodes: int
) -> None:
    assume(newcomer not in members)
    ring = HashRing(members, vnodes=vnodes)
    before = [ring.node_for(key) for key in keys]
    assert ring.add(newcomer)
    after = [ring.node_for(key) for key in keys]
    assert all(new in (old, newcomer) for old, new in zip(before, after, strict=True))
    # Removing the newcomer is an exact undo.
    assert ring.remove(newcomer)
    assert [ring.node_for(key) for key in keys] == before
    # Removing an old member only moves that member's keys.
    gone = members[0]
    assert ring.remove(gone)
    for key, old in zip(keys, before, strict=True):
        if old != gone:
            assert ring.node_for(key) == old
