"""What the metrics conservation tests share: a scrape read as Prometheus reads it (the text
exposition `/metrics` serves, parsed with prometheus_client's parser), the crash reports the
failures counter must match, and actors that count what they did themselves, so the exported
figures can be checked against a count the runtime did not keep."""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from typing import Any, Literal

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from actorkit import Actor, ActorRef, ActorSystem, Backoff, OneForAll, OneForOne, RestForOne

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scraped(system: ActorSystem) -> Samples:
    """Every sample of a scrape of `system`, by name and labels."""
    text = generate_latest(system.metrics.registry).decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def sample(samples: Samples, name: str, **labels: str) -> float:
    """One series' value; 0 for a series not exported."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum of the series of `name` whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(value for (n, held), value in samples.items() if n == name and wanted <= held)


def label_values(samples: Samples, name: str, label: str) -> set[str]:
    return {dict(held)[label] for (n, held) in samples if n == name and label in dict(held)}


class CrashReports(logging.Handler):
    """Counts the crash reports (records with an `actor_class` and an exception: ERRORs, and
    WARNINGs for a resumed actor) by class and exception type:
    `actorkit_actor_failures_total` is documented as one per crash report."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: Counter[tuple[str, str]] = Counter()
        self._logger = logging.getLogger("actorkit")
        self._level = self._logger.level

    def emit(self, record: logging.LogRecord) -> None:
        actor_class = getattr(record, "actor_class", None)
        if actor_class is not None and record.exc_info and record.exc_info[0] is not None:
            self.counts[(actor_class, record.exc_info[0].__name__)] += 1

    def __enter__(self) -> CrashReports:
        self._logger.addHandler(self)
        self._logger.setLevel(logging.WARNING)
        return self

    def __exit__(self, *exc: object) -> None:
        self._logger.removeHandler(self)
        self._logger.setLevel(self._level)


class Restart(Exception):
    """Restarts its actor (the deciders below)."""


class Resume(Exception):
    """Resumes its actor."""


class Stop(Exception):
    """Stops its actor."""


class Escalate(Exception):
    """Fails its actor's parent."""


FAILURES: tuple[type[Exception], ...] = (Restart, Resume, Stop, Escalate)
Directive = Literal["restart", "resume", "stop", "escalate"]
DECIDER: dict[type[BaseException], Directive] = {
    Restart: "restart",
    Resume: "resume",
    Stop: "stop",
    Escalate: "escalate",
}


class Gate:
    """One event the held handlers wait on; `open` releases them and arms a fresh one."""

    def __init__(self) -> None:
        self.event = asyncio.Event()

    def open(self) -> None:
        self.event.set()
        self.event = asyncio.Event()

    def open_for_good(self) -> None:
        """No handler waits from now on."""
        self.event.set()


class Truth:
    """What the actors did, counted by themselves: `processed[class]` handlers that returned,
    `restarts[class]` `on_start`s that finished for an actor that had started before (its
    ref is the same across restarts)."""

    def __init__(self, seed: int) -> None:
        self.processed: Counter[str] = Counter()
        self.restarts: Counter[str] = Counter()
        self.started: set[ActorRef] = set()
        self.starts = random.Random(seed)


class Worker(Actor):
    """Handles ("fail", error), "hold" (waits for the gate), ("spawn", cls, restart, size),
    ("timer", key, delay, every), "untimer", "selfstop" and ("watch", ref); answers the
    message; counts each handler that returns."""

    def __init__(self, truth: Truth, gate: Gate) -> None:
        self.truth = truth
        self.gate = gate

    async def on_start(self) -> None:
        if self.ref in self.truth.started:
            self.truth.restarts[type(self).__name__] += 1
        self.truth.started.add(self.ref)

    async def receive(self, message: Any) -> Any:
        kind = message[0] if isinstance(message, tuple) else message
        answer: Any = message
        if kind == "fail":
            raise message[1]("on purpose")
        if kind == "hold":
            event = self.gate.event
            await event.wait()
        elif kind == "spawn":
            _, cls, restart, size = message
            answer = await self.spawn(
                cls, self.truth, self.gate, restart=restart, mailbox_size=size
            )
        elif kind == "timer":
            _, key, delay, every = message
            if every:
                self.timers.start_every(key, "tick", delay)
            else:
                self.timers.start_once(key, "tick", delay)
        elif kind == "untimer":
            self.timers.cancel_all()
        elif kind == "selfstop":
            self.stop()
        elif kind == "watch" and message[1].is_alive:
            self.watch(message[1])
        self.truth.processed[type(self).__name__] += 1
        return answer


class Other(Worker):
    """A second class, so that the figures of two classes are told apart."""


class Member(Worker):
    """The pools' members (their asks are counted where they are answered)."""


class StartsBadly(Worker):
    """Its `on_start` fails now and then: at `spawn`, raised to the caller; in a restart, a
    failure of its own (and no completed restart)."""

    async def on_start(self) -> None:
        if self.truth.starts.random() < 0.3:
            raise Restart("on_start, on purpose")
        await super().on_start()


class StartsSlowly(Worker):
    """Its `on_start` waits for the gate: a `spawn` of it may be cancelled meanwhile."""

    async def on_start(self) -> None:
        event = self.gate.event
        await event.wait()
        await super().on_start()


class OneForOneParent(Worker):
    supervisor_strategy = OneForOne(max_restarts=100, within=5.0, decider=DECIDER)


class OneForAllParent(Worker):
    supervisor_strategy = OneForAll(max_restarts=100, within=5.0, decider=DECIDER)


class RestForOneParent(Worker):
    """Gives up after its third restart within 5 s."""

    supervisor_strategy = RestForOne(max_restarts=2, within=5.0, decider=DECIDER)


class BackoffParent(Worker):
    supervisor_strategy = OneForOne(
        max_restarts=100, within=5.0, decider=DECIDER, backoff=Backoff(0.5, 1.0, jitter=0.0)
    )


PARENTS: tuple[type[Worker], ...] = (
    OneForOneParent,
    OneForAllParent,
    RestForOneParent,
    BackoffParent,
)
CHILDREN: tuple[type[Worker], ...] = (Worker, Other, StartsBadly)


def refs_alive(refs: list[tuple[ActorRef, type[Worker]]]) -> list[tuple[ActorRef, type[Worker]]]:
    return [(ref, cls) for ref, cls in refs if ref.is_alive]
