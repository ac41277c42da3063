"""The two libraries `benchmarks.compare` measures, behind one small `Library` surface, and
the plain handlers both libraries' actors call, so a difference is the runtime's."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, Protocol

TIMEOUT = 60.0


# --- the handlers both libraries' actors call ----------------------------------------------
class Count:
    """Adds each int it is told; answers an ask with the running total."""

    def __init__(self) -> None:
        self.total = 0

    def tell(self, message: Any) -> None:
        self.total += message

    def ask(self, message: Any) -> int:
        self.total += message
        return self.total


class Echo:
    def tell(self, message: object) -> None:
        pass

    def ask(self, message: object) -> object:
        return message


Handler = Count | Echo
Ref = Any


class Library(Protocol):
    name: str
    how_publish: str

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def spawn(self, handler: Callable[[], Handler] | None) -> Ref:
        """An actor running `handler()`, or an idle one for None."""
        ...

    def tell(self, ref: Ref, message: Any) -> None: ...
    def ask(self, ref: Ref, message: Any) -> Any: ...
    def subscribers(self, count: int) -> tuple[list[Ref], Callable[[Any], None]]:
        """`count` counting actors and a function that delivers a message to all of them."""
        ...


# --- Pykka ---------------------------------------------------------------------------------
class Pykka:
    name = "pykka"
    how_publish = "ActorRegistry.broadcast(message, target_class)"

    def __init__(self) -> None:
        import pykka

        self.pykka = pykka

        class Handled(pykka.ThreadingActor):
            def __init__(self, handler: Handler) -> None:
                super().__init__()
                self.handler = handler

            def on_receive(self, message: Any) -> Any:
                if type(message) is Request:
                    return self.handler.ask(message.message)
                self.handler.tell(message)
                return None

        class Subscriber(Handled):
            """Its own class, so a broadcast reaches the subscribers only."""

        class Idle(pykka.ThreadingActor):
            pass

        self.handled = Handled
        self.subscriber = Subscriber
        self.idle = Idle

    def start(self) -> None:
        pass

    def stop(self) -> None:
        self.pykka.ActorRegistry.stop_all()

    def spawn(self, handler: Callable[[], Handler] | None) -> Ref:
        if handler is None:
            return self.idle.start()
        return self.handled.start(handler())

    def tell(self, ref: Ref, message: Any) -> None:
        ref.tell(message)

    def ask(self, ref: Ref, message: Any) -> Any:
        return ref.ask(Request(message), timeout=TIMEOUT)

    def subscribers(self, count: int) -> tuple[list[Ref], Callable[[Any], None]]:
        subscriber = self.subscriber
        refs = [subscriber.start(Count()) for _ in range(count)]
        broadcast = self.pykka.ActorRegistry.broadcast

        def publish(message: Any) -> None:
            broadcast(message, target_class=subscriber)

        return refs, publish


# --- Thespian ------------------------------------------------------------------------------
class Thespian:
    name = "thespian"
    how_publish = "a loop of ActorSystem.tell over the subscribers (no pub-sub in Thespian)"

    def __init__(self) -> None:
        # Thespian ships no type information: hold it as Any, on purpose.
        actors: Any = importlib.import_module("thespian.actors")
        self.actors = actors
        base: Any = actors.Actor
        self.system: Any = None
        self._handlers: list[Callable[[], Handler] | None] = []

        pending = self._handlers

        class Handled(base):
            def __init__(self) -> None:
                super().__init__()
                make = pending.pop()
                self.handler = make() if make is not None else None

            def receiveMessage(self, message: Any, sender: Any) -> None:
                handler = self.handler
                if handler is None or isinstance(message, actors.ActorSystemMessage):
                    return
                if type(message) is Request:
                    self.send(sender, handler.ask(message.message))
                else:
                    handler.tell(message)

        self.handled = Handled

    def start(self) -> None:
        self.system = self.actors.ActorSystem("simpleSystemBase")

    def stop(self) -> None:
        self.system.shutdown()
        self.system = None

    def spawn(self, handler: Callable[[], Handler] | None) -> Ref:
        # simpleSystemBase builds the actor inside createActor, so the handler is handed
        # over through a stack instead of constructor arguments (which Thespian lacks).
        self._handlers.append(handler)
        return self.system.createActor(self.handled)

    def tell(self, ref: Ref, message: Any) -> None:
        self.system.tell(ref, message)

    def ask(self, ref: Ref, message: Any) -> Any:
        return self.system.ask(ref, Request(message), TIMEOUT)

    def subscribers(self, count: int) -> tuple[list[Ref], Callable[[Any], None]]:
        refs = [self.spawn(Count) for _ in range(count)]
        tell = self.system.tell

        def publish(message: Any) -> None:
            for ref in refs:
                tell(ref, message)

        return refs, publish


class Request:
    """An ask's message, so an actor knows to answer (Thespian has no separate ask)."""

    __slots__ = ("message",)

    def __init__(self, message: object) -> None:
        self.message = message
