"""The topic index agrees with a brute-force matcher under random subscriptions."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from actorkit._topics import TopicIndex

TOKENS = ["a", "b", "c"]
pattern_tokens = st.lists(st.sampled_from([*TOKENS, "*"]), min_size=1, max_size=3).flatmap(
    lambda toks: st.sampled_from([toks, [*toks, ">"]])
) | st.just([">"])
patterns = pattern_tokens.map(".".join)
topics = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=4).map(".".join)
subscribers = st.integers(0, 3)
ops = st.lists(
    st.one_of(
        st.tuples(st.just("add"), patterns, subscribers),
        st.tuples(st.just("remove"), patterns, subscribers),
        st.tuples(st.just("drop"), st.just(""), subscribers),
        st.tuples(st.just("match"), topics, st.just(0)),
    ),
    max_size=40,
)


def brute_matches(pattern: str, topic: str) -> bool:
    p, t = pattern.split("."), topic.split(".")
    if p[-1] == ">":
        return len(t) > len(p) - 1 and all(x in ("*", y) for x, y in zip(p[:-1], t, strict=False))
    return len(p) == len(t) and all(x in ("*", y) for x, y in zip(p, t, strict=True))


@settings(max_examples=200, deadline=None)
@given(ops)
def test_index_agrees_with_brute_force(operations: list[tuple[str, str, int]]) -> None:
    index: TopicIndex[int] = TopicIndex(cache_size=4)
    model: dict[int, list[str]] = {}  # subscriber -> patterns, in order; dict order = rank
    for op, arg, sub in operations:
        if op == "add":
            fresh = arg not in model.get(sub, [])
            assert index.add(arg, sub) is fresh
            model.setdefault(sub, [])
            if fresh:
                model[sub].append(arg)
        elif op == "remove":
            present = arg in model.get(sub, [])
            assert index.remove(arg, sub) is present
            if present:
                model[sub].remove(arg)
                if not model[sub]:
                    del model[sub]
        elif op == "drop":
            assert index.remove_subscriber(sub) == model.pop(sub, [])
        else:
            expected = tuple(s for s, ps in model.items() if any(brute_matches(p, arg) for p in ps))
            assert index.match(arg) == expected
            assert index.match(tuple(arg.split("."))) == expected
        assert len(index) == sum(len(ps) for ps in model.values())
        for s in range(4):
            assert (s in index) is (s in model)
            assert index.patterns_of(s) == frozenset(model.get(s, ()))
