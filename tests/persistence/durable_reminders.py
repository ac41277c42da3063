"""Reminders in the durable model test (`test_properties_durable_reminders`), as
docs/persistence.md states them: the store holds, by owner and key, the last one started and
not cancelled, with its due time on the system's clock; each one armed is delivered at least
once at or after its due time (a periodic one at or after its latest due time) by every
instance of its owner that runs then, across restarts of the actor and of the system; none
is delivered before its due time, or once replaced or cancelled."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from actorkit.persistence import Store
from actorkit.persistence._payload import decode

from .durable_model import check
from .durable_model_support import Recording, Recovered, Tape, cancelled


@dataclass(frozen=True)
class Remind:
    """Start reminder `key`, whose message is `token` (unique in the run)."""

    key: str
    token: int
    delay: float
    every: float | None
    cancel_after: int | None = None
    """Loop turns after which the handler cancels its own call (`cancelled`)."""


@dataclass(frozen=True)
class Cancel:
    key: str
    cancel_after: int | None = None


@dataclass(frozen=True)
class Delivery:
    token: int
    time: float
    instance: int
    """The owner's instance that got it, counted from 1 (`RemindingTape.starts`)."""


@dataclass(frozen=True)
class Armed:
    token: int
    due: float
    every: float | None

    def latest(self, now: float) -> float:
        """Its latest due time by `now` (the first one, if it is not due yet)."""
        if self.every is None or now < self.due:
            return self.due
        return self.due + (now - self.due) // self.every * self.every


class RemindingTape(Tape):
    """A tape whose actors also start and cancel reminders, and note their deliveries."""

    def __init__(self, now: Callable[[], float]) -> None:
        super().__init__()
        self.now = now
        self.starts: dict[str, int] = {}
        """By persistence id, how many instances recovered: the latest is the live one."""
        self.delivered: dict[str, list[Delivery]] = {}

    def record(self, persistence_id: str, entry: object) -> None:
        if isinstance(entry, Recovered):
            self.starts[persistence_id] = self.starts.get(persistence_id, 0) + 1
        super().record(persistence_id, entry)  # type: ignore[arg-type]

    async def aside(self, actor: Recording, message: object) -> object:
        pid = actor.persistence_id
        reminders = actor.reminders  # type: ignore[attr-defined]
        if isinstance(message, Remind):
            start = reminders.start(message.key, message.token, message.delay, message.every)
            return await _unless_cancelled(start, message.cancel_after, "started")
        if isinstance(message, Cancel):
            return await _unless_cancelled(reminders.cancel(message.key), message.cancel_after)
        if isinstance(message, int):
            delivery = Delivery(message, self.now(), self.starts[pid])
            self.delivered.setdefault(pid, []).append(delivery)
            return None
        return await super().aside(actor, message)


async def _unless_cancelled(
    call: Awaitable[object], turns: int | None, done: object = None
) -> object:
    """What `call` returns (`done` if given), or "cancelled" when the handler cancelled it
    after `turns` loop turns (`cancelled`)."""
    answer: list[object] = []

    async def run() -> None:
        answer.append(await call)

    if turns is not None and await cancelled(run(), turns):
        return "cancelled"
    if turns is None:
        await run()
    return answer[0] if done is None else done


@dataclass
class Reminders:
    """The model: what the store holds, and until which delivery each ended token ran."""

    tape: RemindingTape
    stored: dict[str, dict[str, Armed]] = field(default_factory=dict)
    tokens: dict[int, Armed] = field(default_factory=dict)
    ended: dict[int, int] = field(default_factory=dict)
    """By token replaced or cancelled, how many deliveries its owner had got by then."""

    def started(self, pid: str, key: str, armed: Armed) -> None:
        self.end(pid, key)
        self.stored.setdefault(pid, {})[key] = armed
        self.tokens[armed.token] = armed

    def cancelled(self, pid: str, key: str, found: object) -> None:
        check(found == (key in self.stored.get(pid, {})), f"{pid}: cancel({key!r}) said {found}")
        self.end(pid, key)

    def end(self, pid: str, key: str) -> None:
        old = self.stored.get(pid, {}).pop(key, None)
        if old is not None:
            self.ended[old.token] = len(self.tape.delivered.get(pid, []))

    async def took_back(self, pid: str, store: Store, key: str, armed: Armed | None) -> None:
        """A start (`armed`) or cancel of `key` the handler cancelled: stored or not, as the
        store says, all or nothing."""
        found = [r for r in await store.reminders(pid) if r.key == key]
        if armed is not None and found and decode(found[0].payload) == armed.token:
            self.started(pid, key, armed)
        elif armed is None and not found:
            self.end(pid, key)

    async def check_store(self, pid: str, store: Store) -> None:
        found = {r.key: (r.due, r.every, decode(r.payload)) for r in await store.reminders(pid)}
        armed = self.stored.get(pid, {})
        model = {key: (a.due, a.every, a.token) for key, a in armed.items()}
        check(found == model, f"{pid}: the store holds reminders {found}, the model {model}")

    def check_deliveries(self, pid: str) -> None:
        """None before its due time, of a token not started, or after it ended."""
        for index, delivery in enumerate(self.tape.delivered.get(pid, [])):
            armed = self.tokens.get(delivery.token)
            what = f"{pid}: delivered {delivery} of {armed}"
            check(armed is not None and delivery.time >= armed.due, what)
            check(index < self.ended.get(delivery.token, index + 1), f"{what}, after it ended")

    def check_delivered(self, pid: str, now: float) -> None:
        """Each reminder due by `now`, to the live instance, at or after its latest due time."""
        instance = self.tape.starts[pid]
        got = self.tape.delivered.get(pid, [])
        for key, armed in self.stored.get(pid, {}).items():
            latest = armed.latest(now)
            check(
                latest > now
                or any(
                    d.token == armed.token and d.instance == instance and d.time >= latest
                    for d in got
                ),
                f"{pid}: {key} ({armed}) not delivered to instance {instance} by {now}: {got}",
            )
