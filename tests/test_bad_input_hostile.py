"""Hostile values through every swept parameter: subclasses of int, float and str whose own
methods raise, objects that convert to nothing, numpy's scalars and arrays.

Each one is either refused at the call (a TypeError or ValueError naming the parameter, the
system left as it was: no actor, timer or subscription added) or taken as the value it holds,
and then none of its own methods ever runs: not at the call, not in a queue, a heap or an
index later, not at shutdown (`Hostile` raised anywhere fails the test)."""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
from typing import Any

import pytest

import actorkit
from actorkit import Actor, ActorError, ActorSystem, ChildSpec, Task
from actorkit.nats import NatsTransport
from actorkit.testing import pending_timers, snapshots, subscription_count

from .hostile_values import (
    Hostile,
    LyingText,
    RaisingCompare,
    RaisingFloat,
    RaisingText,
    hostile_values,
    numpy_values,
)
from .sweep_calls import SWEPT
from .sweep_param import Env, Param
from .sweep_values import Plain

WAIT = 5.0
"""Longer than any accepted timeout the sweep passes (1 s): past it, a call hangs."""

LATER_REFUSALS = (
    "needs a transport",
    "agent_history=True",
    "transport is not started",
    "this probe has no actor",
)
"""What a call says of the system or its object, once it took the value: no transport, no
agent history, a probe not spawned (the sweep's probes are not: spawning one adds an actor)."""


def swept() -> list[Any]:
    cases = []
    for key, param in sorted(SWEPT.items()):
        values = hostile_values(param.kind) + numpy_values(param.kind)
        if values:
            cases.append(pytest.param(key, param, values, id=key))
    return cases


def state(system: ActorSystem) -> tuple[int, int, int]:
    return len(snapshots(system)), pending_timers(system), subscription_count(system)


async def outcome(env: Env, key: str, param: Param, value: object) -> str | None:
    """None when `value` was refused as it should be or accepted, else what went wrong."""
    name = key.split(":")[1]
    before = state(env.system)
    try:
        async with asyncio.timeout(WAIT) as deadline:
            result = param.call(env, {name: value})
            if inspect.isawaitable(result):
                await result
    except Hostile as error:
        return f"ran the value's own method: {error}"
    except (TypeError, ValueError, RuntimeError) as error:
        if isinstance(error.__cause__ or error.__context__, Hostile):
            return f"ran the value's own method: {error!r}"
        if any(words in str(error) for words in LATER_REFUSALS):
            return None
        if isinstance(error, RuntimeError):
            return f"RuntimeError: {error}"
        says = param.says or name
        if says.lower() not in str(error).lower():
            return f"{type(error).__name__} not naming {says!r}: {str(error)[:200]}"
        if state(env.system) != before and not key.startswith("PoolRef."):  # it spawns a pool
            return f"refused, but left {before} -> {state(env.system)} (actors, timers, subs)"
        return None
    except TimeoutError:
        if deadline.expired():
            return f"no answer in {WAIT} s"
        return None  # a probe's own timeout, or an ask's: the value worked as seconds
    except ActorError:
        return None  # a name taken, an actor stopped: the value was read as its text
    return None


@pytest.mark.parametrize(("key", "param", "values"), swept())
async def test_hostile_values_are_refused_or_read_as_their_value(
    key: str, param: Param, values: list[object]
) -> None:
    faults: dict[str, str] = {}
    async with asyncio.timeout(60):
        async with ActorSystem("hostile") as system:
            env = Env(system, await system.spawn(Plain, name="live"))
            for index, value in enumerate(values):
                fault = await outcome(env, key, param, value)
                if fault is not None:
                    faults[f"{index}: {type(value).__name__}"] = fault
                if key.endswith("stop:timeout"):  # the sweep stops /live itself
                    env = Env(system, await system.spawn(Plain))
            assert await env.ref.ask("still here") == "still here"
    assert faults == {}


# --- what an accepted hostile value would have broken later ---------------------------------
# Each ran the value's own method after the call had returned, where the caller never sees it.


class Agent(Actor):
    async def receive(self, message: Any) -> Any:
        return message.payload if isinstance(message, Task) else message


async def test_a_priority_that_compares_by_its_own_methods_does_not_corrupt_the_task_queue() -> (
    None
):
    async with asyncio.timeout(10):
        async with ActorSystem("queue") as system:
            handles = [await system.submit(n, priority=RaisingCompare(n)) for n in (1, 2)]
            handles.append(await system.submit(3, priority=2**64))
            await system.spawn(Agent, capabilities=["any"])
            results = [await handle.result() for handle in handles]
    assert sorted(results) == [1, 2, 3]


async def test_a_capability_that_compares_by_its_own_methods_leaves_the_task_layer_working() -> (
    None
):
    async with asyncio.timeout(10):
        async with ActorSystem("agents") as system:  # exits without SystemFailed
            await system.spawn(Agent, capabilities=[RaisingText("gpu")])
            assert await (await system.submit("job", requires=["gpu"])).result() == "job"
            info = system.agents()[0]
            assert {type(c) for c in info.capabilities} == {str}


async def test_a_name_is_its_text_not_what_its_class_formats_it_as() -> None:
    async with asyncio.timeout(10):
        async with ActorSystem("names") as system:
            ref = await system.spawn(Plain, name=LyingText("worker"))
            assert ref.path == "/worker"
            assert system.lookup("/worker") is ref
            assert system.lookup("/other") is None


async def test_a_pattern_whose_class_compares_by_its_own_methods_leaves_publish_working() -> None:
    async with asyncio.timeout(10):
        async with ActorSystem("topics") as system:
            ref = await system.spawn(Plain)
            system.subscribe(ref, RaisingText("orders"))
            assert system.publish("orders", "x") == 1
            assert system.publish(RaisingText("orders"), "y") == 1
            system.unsubscribe(ref, RaisingText("orders"))
            assert subscription_count(system) == 0


async def test_a_numpy_array_of_capabilities_is_read_as_its_strings() -> None:
    np = pytest.importorskip("numpy")
    async with asyncio.timeout(10):
        async with ActorSystem("numpy") as system:
            await system.spawn(Agent, capabilities=np.array(["gpu", "x86"]))
            assert system.agents()[0].capabilities == {"gpu", "x86"}
            assert await (await system.submit(1, requires=np.array(["gpu"]))).result() == 1


async def test_a_wire_name_server_url_and_token_given_as_str_subclasses_are_their_text() -> None:
    @actorkit.message(name=RaisingText("hostile.Named"))
    @dataclasses.dataclass
    class Named:
        x: int

    transport = NatsTransport([RaisingText("nats://127.0.0.1:4222")])
    assert [type(url) for url in transport.servers] == [str]
    async with asyncio.timeout(10):
        async with ActorSystem("auth") as system:
            server = await system.serve_http(port=0, auth=RaisingText("s3cret"))
            await server.close()


def test_a_child_spec_keeps_what_it_checked_as_plain_values() -> None:
    spec = ChildSpec(
        Plain, name=LyingText("w"), restart=RaisingText("transient"), mailbox_size=RaisingCompare(5)
    )
    assert (spec.name, spec.restart, spec.mailbox_size) == ("w", "transient", 5)
    assert [type(v) for v in (spec.name, spec.restart, spec.mailbox_size)] == [str, str, int]


async def test_an_interval_too_short_given_as_a_float_subclass_is_refused_without_its_repr() -> (
    None
):
    async with asyncio.timeout(10):
        async with ActorSystem("short") as system:
            ref = await system.spawn(Plain)
            with pytest.raises(ValueError, match=r"at least 1e-09 seconds.*got 1e-12") as refused:
                system.schedule_every(RaisingFloat(1e-12), ref, "x")
            assert not isinstance(refused.value.__context__, Hostile)
            assert pending_timers(system) == 0
