"""What an `ActorSystem` reaches beyond spawning and stopping: actors by path, pub-sub, other
systems, tasks for agents and timers. Each method checks its arguments and hands over to the
service that does the work (router, transport, task layer, timer queue); `ActorSystem`
inherits them, so they are part of its documented face.
"""

from __future__ import annotations

import re
import reprlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ._errors import NotDelivered, not_running
from ._exact import exact_str
from ._mistaken import not_a_local_ref, wrong_ref
from ._names import check_actor_path, check_system_name
from ._protocols import KeptWhole, Ref
from ._ref import ActorRef, local_cell
from ._router import DEAD_LETTER_TOPIC
from ._seconds import check_delay, check_interval, check_seconds
from ._system_checks import check_own_loop, check_ref_on_this_loop, check_thread
from ._topic_names import validate_topic

if TYPE_CHECKING:
    from ._accounting import Accounting
    from ._cell import Cell
    from ._router import Router
    from ._runtime import Runtime
    from ._tasks import AgentInfo, TaskHandle, TaskLayer, TaskStats
    from ._timers import TimerHandle
    from ._transport import Transport


class Reach(KeptWhole):
    _runtime: Runtime
    _router: Router
    _transport: Transport | None
    _tasks: TaskLayer

    def _running_root(self, call: str) -> Cell:
        root = self._runtime.root
        if root is None:
            raise not_running(self._runtime.name, call, started=False)
        return root

    # --- actors by path ------------------------------------------------------------------
    def lookup(self, path: str) -> ActorRef | None:
        # A live actor's path is one `check_actor_path` passes: a plain str found in the
        # registry (`Runtime.lookup`, written out) needs no check, only what is not found does.
        cell = self._runtime.live.get(path) if type(path) is str else None
        if cell is None:
            cell = self._runtime.lookup(check_actor_path(path))
        return (cell.ref_ or cell.ref) if cell is not None else None  # as `ask` below

    async def ask(self, path: str, msg: Any, timeout: float = 5.0) -> Any:
        """`lookup(path).ask(...)`. A path found in the registry is checked already (as in
        `lookup`) and `ActorRef.ask` checks the timeout, so asking by path in a loop costs a
        dict lookup more than asking by ref; a miss is checked, timeout first, as before."""
        cell = self._runtime.live.get(path) if type(path) is str else None
        if cell is None:
            check_seconds(timeout, "ask timeout")  # refused even when no actor is at `path`
            ref = self.lookup(path)
            if ref is None:
                runtime = self._runtime
                if not runtime.accepting:  # none is: say why, as `spawn` and `submit` do
                    started = runtime.root is not None
                    raise not_running(runtime.name, "ask", started, NotDelivered)
                raise NotDelivered(f"no actor at {path!r}; the ask was not delivered")
            return await ref.ask(msg, timeout=timeout)
        return await (cell.ref_ or cell.ref).ask(msg, timeout=timeout)

    def accounting(self) -> Accounting:
        """System-wide message accounting over live and stopped actors. At any moment
        `accepted == processed + crashed + dead_lettered + queued + handling`."""
        return self._runtime.accounting()

    @property
    def actor_count(self) -> int:
        """Live actors, without building a list of them (`/healthz` reads it each probe)."""
        return self._runtime.actor_count

    # --- pub-sub --------------------------------------------------------------------------
    def subscribe(self, ref: ActorRef, pattern: str) -> None:
        """Deliver every publish whose topic matches `pattern` (NATS rules: `*` is one
        token, `>` one or more trailing tokens) to `ref`, once per publish. An actor on its
        way out (stopped, stopping, or draining) raises `ActorStopped` (`_router`)."""
        check_thread(self._runtime, "subscribe")
        self._router.subscribe(self._own_cell(ref, "subscribe"), pattern)

    def unsubscribe(self, ref: ActorRef, pattern: str | None = None) -> None:
        """Remove one subscription, or all of `ref`'s when `pattern` is None."""
        check_thread(self._runtime, "unsubscribe")
        self._router.unsubscribe(self._own_cell(ref, "unsubscribe"), pattern)

    def _own_cell(self, ref: object, call: str) -> Cell:
        """The cell of one of this system's actors. Another system's: a subscribe would keep
        this router (and so this system) in memory through its stop follower, and an
        unsubscribe would find nothing here while its subscriptions stay there."""
        cell = _cell_of(ref, call)
        runtime = cell.runtime
        if runtime is not self._runtime and not cell.closed:  # a closed one: as a stopped actor
            raise ValueError(
                f"{cell.path} belongs to actor system {runtime.name!r}; {call} it there "
                f"(with its {call}, or with self.{call}(pattern) inside the actor)"
            )
        return cell

    def publish(self, topic: str, msg: Any) -> int:
        """Deliver to every subscribed actor whose pattern matches; returns how many got it.
        No subscriber, or a full mailbox, makes a dead letter; publish never raises for it.
        With a transport it also goes to every connected system (raising TypeError first for
        a message that cannot cross); it returns the local deliveries, and no local
        subscriber is not a dead letter, since other systems may have some. The dead-letter
        topic is each system's own: a publish to it stays here (another system refuses it
        from NATS, a dead letter of its own in every peer)."""
        if type(topic) is not str:  # the index also takes token tuples; a transport does not
            validate_topic(topic)  # raises, saying what to pass
            topic = exact_str(topic)  # a str subclass: its own __hash__ must not run in the index
        transport = self._transport
        # Not started, it has no connection (nor any actor to subscribe): a local publish's
        # dead letter, which the transport, told its system only at the start, could not keep.
        if transport is None or topic == DEAD_LETTER_TOPIC or self._runtime.root is None:
            return self._router.publish(topic, msg)
        transport.publish(topic, msg)
        return self._router.publish(topic, msg, unmatched_is_dead=False)

    # --- other systems (with a transport) ---------------------------------------------------
    def expose(self, ref: ActorRef, *, group: str | None = None) -> None:
        """Make a local actor reachable from other systems by `remote(self.name, ref.path)`;
        with `group=`, it also joins that queue group, so each message to
        `remote_group(group)` goes to one member among all systems that expose one."""
        cell = local_cell(ref)
        if cell is None:
            raise not_a_local_ref("expose", ref)
        if cell.runtime is not self._runtime:  # its stop would never reach this transport
            raise ValueError(
                f"{ref.path} belongs to actor system {cell.runtime.name!r}; expose it there"
            )
        if group is not None:
            group = _check_word(group, "group")
        self._transport_for("expose").expose(ref, group)

    def remote(self, system_name: str, path: str) -> ActorRef:
        """A ref to the actor exposed at `path` in the system named `system_name`: a name no
        system can have, or a path no actor can, is refused here with the words `ActorSystem`
        and `spawn` use, not found out by the first message."""
        system_name = check_system_name(system_name)
        path = check_actor_path(path)
        return self._transport_for("remote").remote(system_name, path)

    def remote_group(self, group: str) -> ActorRef:
        """A ref whose messages each go to one member of the group, in any system."""
        group = _check_word(group, "group")
        return self._transport_for("remote_group").remote_group(group)

    def _transport_for(self, what: str) -> Transport:
        if self._transport is None:
            raise RuntimeError(
                f"{what} needs a transport: ActorSystem(name, "
                "transport=actorkit.nats.NatsTransport(servers=[...]))"
            )
        self._running_root(what)
        return self._transport

    # --- tasks ----------------------------------------------------------------------------
    async def submit(
        self,
        payload: Any,
        priority: int = 0,
        deadline: float | None = None,
        requires: Iterable[str] = (),
        retries: int = 0,
    ) -> TaskHandle:
        """Hand `payload` to an idle agent with every capability in `requires` (highest
        priority first, then first submitted); `deadline` is seconds from now to start it."""
        check_own_loop(self._runtime, "submit")
        return self._tasks.submit(payload, priority, deadline, requires, retries)

    @property
    def tasks(self) -> TaskStats:
        return self._tasks.stats

    def agents(self) -> list[AgentInfo]:
        """Every live agent (an actor with capabilities), restarting ones included."""
        return self._tasks.agents()

    # --- time -----------------------------------------------------------------------------
    def now(self) -> float:
        """Seconds on the system clock, the one every timer, deadline and backoff waits on
        (`ActorSystem(clock=...)`, else the event loop's `time()`): an agent's time left is
        `task.deadline - self.system.now()`."""
        return self._runtime.clock.now()

    def schedule_once(self, delay: float, ref: Ref, msg: Any) -> TimerHandle:
        """Deliver `msg` to `ref` after `delay` seconds on the system clock. Once sent, it
        is the target's (the handle's `cancel()` returns False): `self.timers` is the timer
        whose tick a cancel withdraws."""
        return self._schedule("schedule_once", check_delay(delay), ref, msg, None)

    def schedule_every(
        self, interval: float, ref: Ref, msg: Any, initial_delay: float | None = None
    ) -> TimerHandle:
        """Deliver `msg` every `interval` seconds without drift: ticks queue behind a slow
        handler, and only those a blocked loop missed coalesce. `cancel()` stops the ticks not
        yet sent; one already queued is received, as with Akka's scheduler, since a pool or a
        remote target leaves nothing to withdraw."""
        interval = check_interval(interval)
        first = interval if initial_delay is None else check_delay(initial_delay, "initial_delay")
        return self._schedule("schedule_every", first, ref, msg, interval)

    def _schedule(
        self, call: str, delay: float, ref: Ref, message: Any, interval: float | None
    ) -> TimerHandle:
        if not isinstance(ref, ActorRef) and not isinstance(ref, Ref):
            raise TypeError(f"schedule needs an ActorRef to deliver to, {wrong_ref(ref)}")
        check_thread(self._runtime, call)
        if self._running_root(call).closed:  # as `spawn` and `submit`: its timers ended with it
            raise not_running(self._runtime.name, call, started=True)
        if (cell := local_cell(ref)) is not None:
            check_ref_on_this_loop(self._runtime, cell.runtime, call, cell.display_path)
        return self._runtime.timers.schedule(ref, message, delay, interval)


def _cell_of(ref: object, call: str) -> Cell:
    cell = local_cell(ref)
    if cell is None:
        raise not_a_local_ref(call, ref, _REMOTE_SUBSCRIBE)
    return cell


_REMOTE_SUBSCRIBE = (
    "; a remote actor subscribes in the system that owns it (a remote ref offers tell, send "
    "and ask)"
)


_WORD = re.compile(r"[A-Za-z0-9_-]{1,255}")


def _check_word(value: object, what: str) -> str:
    """A group name: what NATS puts in one subject token. Refused in the words of the whole
    rule, whichever part of it a name breaks, so that a name changed as the error says is
    taken."""
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, got {type(value).__name__}")
    value = exact_str(value)
    if not _WORD.fullmatch(value):
        raise ValueError(
            f"{what} must be a name of 1 to 255 ASCII letters, digits, '_' or '-' (one NATS "
            f"subject token), got {reprlib.repr(value)}"
        )
    return value
