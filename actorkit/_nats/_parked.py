"""Messages whose connection is down, set aside until it is back.

Requests (tells, sends, asks) and publishes travel on two connections, and either can be
down while the other is up (the server or a proxy cut just that one). The writer takes the
queue in order, and a message meeting its connection down must not hold up the other
connection's messages queued behind it: it is parked, with the others for its connection,
and they all go back to the front of the queue when that connection is back. Parked once,
a message is not looked at again by every turn of the writer while it waits.

Order is kept among each connection's messages, since every message for a connection that
is down is parked, in queue order, and what was queued after them stays behind them. There
is none to keep between the two connections: the server keeps none between them either.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterator

from ._batches import Out


class Parked:
    """The requests' and the publishes' parked messages."""

    __slots__ = ("requests", "topics")

    def __init__(self) -> None:
        self.requests: deque[Out] = deque()
        self.topics: deque[Out] = deque()

    def __len__(self) -> int:
        return len(self.requests) + len(self.topics)

    def __iter__(self) -> Iterator[Out]:
        return itertools.chain(self.requests, self.topics)

    def park(self, item: Out) -> None:
        (self.topics if item.topic else self.requests).append(item)

    def unpark(self, out: deque[Out], requests_up: bool, topics_up: bool) -> None:
        """Put the messages of each connection that is up again at the front of `out`."""
        for parked, up in ((self.requests, requests_up), (self.topics, topics_up)):
            if up and parked:
                out.extendleft(reversed(parked))
                parked.clear()

    def drop_ended(self) -> None:
        """Forget the requests whose callers were answered already (failed as the link was
        lost): nothing would send them, and they would count as buffered until it is back."""
        if any(item.future is not None and item.future.done() for item in self.requests):
            self.requests = deque(
                item for item in self.requests if item.future is None or not item.future.done()
            )

    def clear(self) -> None:
        self.requests.clear()
        self.topics.clear()
