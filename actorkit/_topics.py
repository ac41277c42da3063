"""The subscription index: which subscribers a published topic reaches.

Topics and patterns follow NATS subject rules (`_topic_names`: `*` is one token, `>` one or
more trailing tokens).

Publishing must not cost O(subscriptions). Exact patterns live in a dict keyed by the
topic string; wildcard patterns live in a token trie, walked once per token. Results are
cached per topic so a repeated publish is one dict lookup; the cache is bounded because
topics can carry ids and a stream of unique topics must not grow memory without bound. It is
bounded in count and in size: a topic has no length limit, and a count alone would let a
stream of distinct megabyte-long topics hold gigabytes, so only topics up to
`CACHED_LENGTH` are cached. A longer one is matched anew at each publish, at a cost its
validation already makes proportional to its length. Each cached match holds every
subscriber it reaches, so the matches together hold at most `CACHED_REFS` of them: a publish
per user id under a pattern that thousands of sessions share would otherwise keep a tuple of
every session per id. The hit path pays nothing for either bound.

A pure data structure (no asyncio; of actorkit, only the rules in `_topic_names`): tested and
benchmarked alone.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable
from typing import Generic, TypeVar

from ._topic_names import topic_text, validate_pattern, validate_topic

__all__ = ["DEFAULT_CACHE_SIZE", "TopicIndex", "validate_pattern", "validate_topic"]

S = TypeVar("S", bound=Hashable)

DEFAULT_CACHE_SIZE = 8192
CACHED_LENGTH = 1024
"""The longest topic cached, in characters: at the default size the cache then keeps at most
about 9 MiB of ASCII topics alive (33 MiB of the widest characters), where a publisher's
stream of distinct long topics was bounded only by their length."""
CACHED_REFS = 1 << 20
"""The most subscribers the cached matches hold, all together: 8 MiB of references. A match
reaching more is not cached: its publish costs a delivery to each anyway."""
CACHED_TOKENS = 32
"""The most tokens of a topic given as a tuple that is cached: each token is an object of its
own (about 60 bytes), which the key keeps alive."""


def _has_wildcard(tokens: tuple[str, ...]) -> bool:
    """Whether validated pattern tokens need the trie (`>` can only be last)."""
    return "*" in tokens or tokens[-1] == ">"


class _Node(Generic[S]):
    """One trie position: the wildcard patterns whose first tokens lead here."""

    __slots__ = ("children", "star", "subs", "tail")

    def __init__(self) -> None:
        self.children: dict[str, _Node[S]] = {}
        # Kept out of `children` so the walk reaches it without a second dict lookup.
        self.star: _Node[S] | None = None
        # Subscribers whose pattern ends exactly here.
        self.subs: set[S] = set()
        # Subscribers whose pattern is this position followed by `>`.
        self.tail: set[S] = set()

    def is_empty(self) -> bool:
        return not (self.children or self.star or self.subs or self.tail)


class TopicIndex(Generic[S]):
    """Subscribers indexed by pattern, answering "who receives this topic?" cheaply.

    A subscriber appears in a match at most once, however many of its patterns match, and
    matches are ordered by when each subscriber first subscribed (one that dropped all its
    patterns counts as new when it subscribes again).
    """

    __slots__ = (
        "_by_subscriber",
        "_cache",
        "_cache_size",
        "_cached_refs",
        "_exact",
        "_next_rank",
        "_pairs",
        "_rank",
        "_root",
        "_wildcards",
    )

    def __init__(self, cache_size: int = DEFAULT_CACHE_SIZE) -> None:
        if cache_size < 1:
            raise ValueError(f"cache_size must be at least 1, got {cache_size}")
        self._cache_size = cache_size
        # Keyed by whatever `match` was given, str or token tuple, so either form of a
        # repeated publish is a single lookup.
        self._cache: dict[str | tuple[str, ...], tuple[S, ...]] = {}
        # The subscribers the cached matches hold, all together (`CACHED_REFS`).
        self._cached_refs = 0
        # Wildcard-free patterns: a publish finds them with one lookup, no trie walk.
        self._exact: dict[str, set[S]] = {}
        self._root: _Node[S] = _Node()
        # Wildcard (pattern, subscriber) pairs; with none, a publish skips the trie.
        self._wildcards = 0
        # Subscriber -> its patterns, in the order it subscribed to them.
        self._by_subscriber: dict[S, dict[str, None]] = {}
        # Subscriber -> when it first subscribed; sorts matches deterministically.
        self._rank: dict[S, int] = {}
        self._next_rank = 0
        self._pairs = 0

    def __len__(self) -> int:
        """The number of (pattern, subscriber) pairs."""
        return self._pairs

    def __contains__(self, subscriber: object) -> bool:
        return subscriber in self._by_subscriber

    def patterns_of(self, subscriber: S) -> frozenset[str]:
        return frozenset(self._by_subscriber.get(subscriber, ()))

    def add(self, pattern: str, subscriber: S) -> bool:
        """Subscribe; False if this exact (pattern, subscriber) pair was already present."""
        tokens = validate_pattern(pattern)
        patterns = self._by_subscriber.get(subscriber)
        if patterns is None:
            patterns = self._by_subscriber[subscriber] = {}
            self._rank[subscriber] = self._next_rank
            self._next_rank += 1
        elif pattern in patterns:
            return False
        patterns[pattern] = None
        self._pairs += 1
        if _has_wildcard(tokens):
            self._trie_add(tokens, subscriber)
            self._wildcards += 1
            self._clear_cache()
        else:
            self._exact.setdefault(pattern, set()).add(subscriber)
            self._forget(pattern, tokens)
        return True

    def remove(self, pattern: str, subscriber: S) -> bool:
        """Unsubscribe; False if this (pattern, subscriber) pair was not present."""
        patterns = self._by_subscriber.get(subscriber)
        if type(pattern) is str and patterns is not None and pattern in patterns:
            tokens = tuple(pattern.split("."))  # `add` checked it
        else:
            tokens = validate_pattern(pattern)  # a bad pattern raises, subscribed or not
            if patterns is None or pattern not in patterns:
                return False
        del patterns[pattern]
        if not patterns:
            del self._by_subscriber[subscriber]
            del self._rank[subscriber]
        self._drop(pattern, tokens, subscriber)
        return True

    def remove_subscriber(self, subscriber: S) -> list[str]:
        """Drop every pattern of `subscriber`; return them in the order they were added."""
        patterns = self._by_subscriber.pop(subscriber, None)
        if patterns is None:
            return []
        del self._rank[subscriber]
        for pattern in patterns:
            self._drop(pattern, tuple(pattern.split(".")), subscriber)
        return list(patterns)

    def match(self, topic: str | tuple[str, ...]) -> tuple[S, ...]:
        """Every subscriber with a pattern matching `topic`, each once, in subscription order.

        `topic` is a topic string or its tokens; a token tuple must hold valid tokens (no
        dots). Raises like `validate_topic` for an invalid topic.
        """
        try:
            return self._cache[topic]
        except (KeyError, TypeError):  # TypeError: unhashable input, rejected below
            return self._match_uncached(topic)

    def _match_uncached(self, topic: str | tuple[str, ...]) -> tuple[S, ...]:
        text = topic_text(topic)
        found: Collection[S] = self._exact.get(text, ())
        if self._wildcards:
            walked = set(found)
            self._walk(text.split("."), walked)
            found = walked
        if len(found) < 2:
            result = tuple(found)
        else:
            result = tuple(sorted(found, key=self._rank.__getitem__))
        if len(text) <= CACHED_LENGTH and (topic is text or len(topic) <= CACHED_TOKENS):
            refs = self._cached_refs + len(result)
            if len(self._cache) >= self._cache_size or refs > CACHED_REFS:
                self._clear_cache()
                refs = len(result)
            if refs <= CACHED_REFS:
                self._cache[topic] = result
                self._cached_refs = refs
        return result

    def _walk(self, tokens: list[str], found: set[S]) -> None:
        """Add to `found` the subscribers of every wildcard pattern matching `tokens`."""
        nodes = [self._root]
        for token in tokens:
            following: list[_Node[S]] = []
            for node in nodes:
                # At least this token remains, so a `>` here matches.
                if node.tail:
                    found.update(node.tail)
                child = node.children.get(token)
                if child is not None:
                    following.append(child)
                star = node.star
                if star is not None:
                    following.append(star)
            if not following:
                return
            nodes = following
        for node in nodes:
            if node.subs:
                found.update(node.subs)

    def _trie_add(self, tokens: tuple[str, ...], subscriber: S) -> None:
        node = self._root
        for token in tokens[:-1] if tokens[-1] == ">" else tokens:
            if token == "*":
                if node.star is None:
                    node.star = _Node()
                node = node.star
            else:  # no spare `_Node` (a dict and two sets) built when the path exists
                child = node.children.get(token)
                if child is None:
                    child = node.children[token] = _Node()
                node = child
        (node.tail if tokens[-1] == ">" else node.subs).add(subscriber)

    def _drop(self, pattern: str, tokens: tuple[str, ...], subscriber: S) -> None:
        """Remove one pair from the structures `match` reads and invalidate what it changed."""
        self._pairs -= 1
        if not _has_wildcard(tokens):
            subscribers = self._exact[pattern]
            subscribers.discard(subscriber)
            if not subscribers:
                del self._exact[pattern]
            self._forget(pattern, tokens)
            return
        path = [self._root]
        for token in tokens[:-1] if tokens[-1] == ">" else tokens:
            step = path[-1].star if token == "*" else path[-1].children[token]
            assert step is not None  # every pattern of a subscriber has its trie path
            path.append(step)
        (path[-1].tail if tokens[-1] == ">" else path[-1].subs).discard(subscriber)
        self._wildcards -= 1
        # Prune emptied nodes so churn of short-lived patterns does not leave a dead trie.
        for depth in range(len(path) - 1, 0, -1):
            node, parent = path[depth], path[depth - 1]
            if not node.is_empty():
                break
            if parent.star is node:
                parent.star = None
            else:
                del parent.children[tokens[depth - 1]]
        self._clear_cache()

    def _clear_cache(self) -> None:
        self._cache.clear()
        self._cached_refs = 0

    def _forget(self, topic: str, tokens: tuple[str, ...]) -> None:
        """Invalidate the cached match of the one topic an exact pattern can change."""
        self._cached_refs -= len(self._cache.pop(topic, ())) + len(self._cache.pop(tokens, ()))
