"""The public parameters the bad input sweep leaves out (`EXEMPT`), each with the reason."""

from __future__ import annotations

import inspect

import actorkit
import actorkit.nats
import actorkit.persistence
import actorkit.testing
from actorkit._instruments import Instrument

from .sweep_calls import SWEPT

_STORES = [
    f"{name}:{p}"
    for name, fn in inspect.getmembers(actorkit.persistence.Store, inspect.isfunction)
    if not name.startswith("_")
    for p in list(inspect.signature(fn).parameters)[1:]
]

PERSISTENCE_EXEMPT: dict[str, str] = {
    # Any value the codec encodes: another is a TypeError before anything is written.
    "DurableState.save:state": "any value the codec encodes is a state (test_durable_state)",
    "Reminders.start:message": "any value the codec encodes is a message (test_durable_reminders)",
    **dict.fromkeys(
        [
            "EventSourced.apply:event",
            "EventSourced.restore:snapshot",
            "EventSourced.receive:message",
            "DurableState.receive:message",
            "Reminders.__init__:actor",
            "Reminders.__init__:binding",
        ],
        "called by the runtime with what it built (a hook, or self.reminders), not by users",
    ),
    **{
        f"{cls}.{key.split('.', 1)[1]}": "the same method as Actor's, swept there"
        for cls in ("EventSourced", "DurableState")
        for key in SWEPT
        if key.startswith("Actor.")
    },
    **{f"Store.{key}": "a Protocol: the shipped stores' methods are swept" for key in _STORES},
    **{
        f"PostgresStore.{key}": "SQLStore's method, which SQLiteStore runs too (swept there): "
        "its checks come before any I/O"
        for key in [
            *_STORES,
            "events:persistence_id",
            "events:from_seq",
            "load_recovery:persistence_id",
            "load_recovery:journal",
        ]
    },
    **{
        f"{cls}.__init__:{p}": "a record built by the runtime or a store (StoredReminder's "
        "fields are swept through put_reminder)"
        for cls in ("AgentChange", "StoredEvent", "StoredSnapshot", "StoredState", "StoredRecovery")
        for p in inspect.signature(getattr(actorkit.persistence, cls)).parameters
    },
}

EXEMPT: dict[str, str] = {
    # Payloads: any object is a message.
    **dict.fromkeys(
        [
            "ActorRef.tell:msg",
            "ActorRef.send:msg",
            "ActorRef.ask:msg",
            "PoolRef.tell:msg",
            "PoolRef.send:msg",
            "PoolRef.ask:msg",
            "Ref.tell:msg",
            "Ref.send:msg",
            "Ref.ask:msg",
            "RemoteRef.tell:msg",
            "RemoteRef.send:msg",
            "RemoteRef.ask:msg",
            "ActorSystem.ask:msg",
            "ActorSystem.publish:msg",
            "ActorSystem.schedule_once:msg",
            "ActorSystem.schedule_every:msg",
            "ActorSystem.submit:payload",
            "Timers.start_once:msg",
            "Timers.start_every:msg",
            "Probe.expect:expected",
            "NatsTransport.publish:message",
        ],
        "any object is a message",
    ),
    # Timer keys: any hashable names a timer.
    **dict.fromkeys(
        [
            "Timers.start_once:key",
            "Timers.start_every:key",
            "Timers.cancel:key",
            "Timers.is_active:key",
        ],
        "any hashable object names a timer",
    ),
    # Hooks and runtime-facing methods: the runtime calls them with what it built.
    **dict.fromkeys(
        [
            "Actor.receive:message",
            "Supervisor.receive:message",
            "Backoff.delay:attempt",
            *(
                f"{s}.{m}:{p}"
                for s in ("OneForOne", "OneForAll", "RestForOne")
                for m, p in (
                    ("affected", "children"),
                    ("affected", "failed"),
                    ("directive", "error"),
                )
            ),
            "DeadLetters.__init__:now",
            "DeadLetters.__init__:limit",
            "DeadLetters.add:message",
            "DeadLetters.add:recipient",
            "DeadLetters.add:reason",
            "DeadLetters.add_all:messages",
            "DeadLetters.add_all:recipient",
            "DeadLetters.add_all:reason",
            "DeadLetters.listen:listener",
            "DeadLetters.forward_to:forward",
            "DeadLetters.watchers_copy:fields",
            "Timers.__init__:cell",
            "ManualClock.call_at:when",
            "ManualClock.call_at:callback",
            "ManualClock.attach:loop",
            "ManualClock.attach:idle",
            "ManualClock.detach:idle",
            "NatsTransport.start:system",
            "NatsTransport.expose:ref",
            "NatsTransport.expose:group",
            "NatsTransport.publish:topic",
            "NatsTransport.remote:system",
            "NatsTransport.remote:path",
            "NatsTransport.remote_group:group",
        ],
        "called by the runtime (or ActorSystem, which checks first), not by users",
    ),
    # Supervisor's inherited Actor methods are swept as Actor's.
    **dict.fromkeys(
        [f"Supervisor.{key.split('.', 1)[1]}" for key in SWEPT if key.startswith("Actor.")],
        "the same method as Actor's, swept there",
    ),
    # Records the runtime builds and hands out: users read them, never construct them.
    **{
        f"{cls}.__init__:{p}": "a record built by the runtime"
        for cls, params in [
            ("AgentInfo", inspect.signature(actorkit.AgentInfo).parameters),
            ("DeadLetter", inspect.signature(actorkit.DeadLetter).parameters),
            ("Terminated", inspect.signature(actorkit.Terminated).parameters),
            ("Task", inspect.signature(actorkit.Task).parameters),
            ("TaskHandle", inspect.signature(actorkit.TaskHandle).parameters),
            ("TimerHandle", inspect.signature(actorkit.TimerHandle).parameters),
            ("ActorSnapshot", inspect.signature(actorkit.testing.ActorSnapshot).parameters),
            ("RemoteRef", inspect.signature(actorkit.nats.RemoteRef).parameters),
            ("RemoteError", inspect.signature(actorkit.nats.RemoteError).parameters),
            (
                "IncompatibleMessage",
                inspect.signature(actorkit.nats.IncompatibleMessage).parameters,
            ),
        ]
        for p in params
    },
    # Test-only introspection: they take the system or ref under test.
    **{
        f"{name}:{p}": "a test helper reading the system or ref under test"
        for name in (
            "accepting",
            "actor_tree",
            "cancel_task",
            "instance",
            "pending_asks",
            "pending_timers",
            "snapshot",
            "snapshots",
            "subscription_count",
            "transport",
        )
        for p in inspect.signature(getattr(actorkit.testing, name)).parameters
    },
    "Probe.spawn:system": "a test helper reading the system under test",
    # Parts the runtime builds and hands out (`system.accounting()`, `system.metrics`,
    # `system.tasks`, `serve_http`'s server): exported to annotate with, never constructed.
    **{
        f"{cls}.__init__:{p}": "a part built by the runtime and handed out; users read it"
        for cls in ("Accounting", "HttpServer", "Metrics", "TaskStats")
        for p in inspect.signature(getattr(actorkit, cls)).parameters
    },
    **dict.fromkeys(
        [
            "Accounting.add:cell",
            "Accounting.retire:mailbox",
            "HttpServer.track:among",
            "Metrics.start:loop",
            "Metrics.start:router",
            "Metrics.start:watchdog",
            "Metrics.gather:text",
            *(
                f"Metrics.{name}:{p}"
                for name, fn in inspect.getmembers(Instrument, inspect.isfunction)
                if not name.startswith("_")
                for p in list(inspect.signature(fn).parameters)[1:]
            ),
        ],
        "called by the runtime on a part it built (an instrument event, its own tally), "
        "not by users",
    ),
    # Protocols a user implements (`clock=`, `transport=`): the runtime calls their methods.
    **{
        f"{proto.__name__}.{name}:{p}": f"a Protocol: {shipped}'s methods are the runtime's "
        "calls, and ActorSystem's parameter that takes one is swept"
        for proto, shipped in [
            (actorkit.Clock, "ManualClock"),
            (actorkit.Transport, "NatsTransport"),
        ]
        for name, fn in inspect.getmembers(proto, inspect.isfunction)
        if not name.startswith("_")
        for p in list(inspect.signature(fn).parameters)[1:]
    },
    # The decorator registers a class under a wire name; its checks live with the codec.
    "message:target": "the class being decorated",
    "message:name": "checked by the wire codec's registry",
    "Ref.ask:timeout": "a Protocol: ActorRef's and PoolRef's implementations are swept",
    "RemoteRef.ask:timeout": "a RemoteRef needs a connected NATS transport; not swept here",
    "RemoteRef.stop:timeout": "a RemoteRef's stop raises TypeError whatever it is given",
    "NatsTransport.__init__:tls": "an ssl.SSLContext, checked by type; nats-py uses it as given",
    **dict.fromkeys(
        ["BearerAuth.accepts:header", "BasicAuth.accepts:header"],
        "the HTTP server's call with each request's Authorization header, whatever it holds",
    ),
    **PERSISTENCE_EXEMPT,
}
