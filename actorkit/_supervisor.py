"""A ready-made supervisor actor, OTP style: it starts its children from specs, in order."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ._actor import DEFAULT_MAILBOX_SIZE, Actor, check_arguments
from ._hook_checks import is_async
from ._mistaken import async_factory
from ._persistence_id import check_durable_spawn
from ._shown import given
from ._spawn import (
    check_capabilities,
    check_factory,
    check_mailbox_size,
    check_name,
    check_restart,
)
from ._supervision import OneForOne, Strategy, check_strategy


class ChildSpec:
    """How to start (and restart) one child: the factory, its arguments and spawn options.
    Checked when built, so a bad tree fails where it is written, not at first restart."""

    __slots__ = (
        "args", "capabilities", "factory", "kwargs", "mailbox_size", "name", "persistence_id",
        "restart",
    )  # fmt: skip

    def __init__(
        self,
        factory: Callable[..., Actor],
        *args: Any,
        name: str | None = None,
        restart: str = "permanent",
        mailbox_size: int | None = DEFAULT_MAILBOX_SIZE,
        capabilities: Iterable[str] = (),
        persistence_id: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.factory: Callable[..., Actor] = check_factory(factory)
        if is_async(factory):
            raise async_factory(factory)
        check_arguments(factory, args, kwargs)
        self.args: tuple[Any, ...] = args
        self.kwargs: dict[str, Any] = kwargs
        self.name: str | None = None if name is None else check_name(name)
        self.restart: str = check_restart(restart)
        self.mailbox_size: int | None = (
            None if mailbox_size is None else check_mailbox_size(mailbox_size)
        )
        self.capabilities: frozenset[str] = check_capabilities(capabilities)
        self.persistence_id: str | None = (
            None if persistence_id is None else check_durable_spawn(factory, persistence_id)
        )

    def __repr__(self) -> str:
        return f"ChildSpec({getattr(self.factory, '__name__', self.factory)!r}, name={self.name!r})"


class Supervisor(Actor):
    """Starts `children` in order under `strategy` (else the `supervisor_strategy` a subclass
    declares, else `OneForOne()`); a restart of the supervisor starts them all again from
    their specs. It works in its hooks: a message to it is dropped, an ask answered `None`."""

    def __init__(
        self, children: Sequence[ChildSpec] = (), strategy: Strategy | None = None
    ) -> None:
        passed: object = children  # typed as a sequence, but whatever the caller passed
        # An iterator (a generator) is refused: a restart builds the supervisor again from
        # the same arguments, and would find it used up, and so start no child.
        if isinstance(passed, str) or not isinstance(passed, Iterable) or iter(passed) is passed:
            raise TypeError(f"Supervisor children must be a list of ChildSpec, got {given(passed)}")
        specs = list(children)
        for spec in specs:
            if not isinstance(spec, ChildSpec):
                raise TypeError(f"Supervisor children must be ChildSpec objects, got {given(spec)}")
        named: dict[str, int] = {}
        for index, spec in enumerate(specs):
            if spec.name is None:
                continue
            if spec.name in named:
                raise ValueError(
                    f"Supervisor children[{named[spec.name]}] and children[{index}] are both "
                    f"named {spec.name!r}: sibling names are unique; rename one, or leave it "
                    "unnamed for a generated name"
                )
            named[spec.name] = index
        self.specs = specs
        if strategy is not None:
            check_strategy(strategy, "strategy")
            self.supervisor_strategy: Strategy | None = strategy
        elif type(self).supervisor_strategy is None:
            # A subclass's own declaration (checked at spawn) is left to supervise.
            self.supervisor_strategy = OneForOne()

    async def on_start(self) -> None:
        for spec in self.specs:
            await self.spawn(
                spec.factory,
                *spec.args,
                name=spec.name,
                restart=spec.restart,
                mailbox_size=spec.mailbox_size,
                capabilities=spec.capabilities,
                persistence_id=spec.persistence_id,
                **spec.kwargs,
            )
