"""API.md sections 6 and 9 (tasks): `submit`'s parameters, the records an agent and a caller
see, and `TaskStatus` as a `str` enum of the contract's six values."""

from __future__ import annotations

import dataclasses
from typing import Any

from actorkit import Actor, ActorSystem, AgentInfo, Task, TaskStatus
from actorkit.testing import ManualClock

from .contract_support import assert_signature


def test_submit_takes_the_contract_s_parameters() -> None:
    assert_signature(
        ActorSystem.submit, "self, payload, priority=0, deadline=None, requires=(), retries=0"
    )


def test_the_records_have_the_contract_s_fields() -> None:
    task = [field.name for field in dataclasses.fields(Task)]
    assert task == ["id", "payload", "priority", "deadline", "requires", "attempt"]
    agent = {field.name for field in dataclasses.fields(AgentInfo)}
    assert agent >= {
        "path",
        "state",
        "capabilities",
        "mailbox_size",
        "processed",
        "failures",
        "restarts",
    }


def test_task_status_is_a_str_enum_of_the_six_states() -> None:
    assert [str(status) for status in TaskStatus] == [
        "pending",
        "running",
        "succeeded",
        "failed",
        "expired",
        "cancelled",
    ]
    assert all(isinstance(status, str) for status in TaskStatus)
    # The str comparison a StrEnum promises, which mypy's strict equality does not model.
    assert TaskStatus.PENDING == "pending"  # type: ignore[comparison-overlap]
    assert TaskStatus("cancelled") is TaskStatus.CANCELLED


class Agent(Actor):
    capabilities = ("declared",)

    async def receive(self, message: Any) -> Any:
        return message.payload * 2


async def test_a_finished_handle_compares_equal_to_its_status_string(clock: ManualClock) -> None:
    async with ActorSystem(clock=clock) as system:
        await system.spawn(Agent, capabilities=("given",))
        handle = await system.submit(21, requires=("declared", "given"))
        assert await handle == 42
        assert await handle.result() == 42
        assert handle.status == "succeeded"
        assert handle.cancel() is False
        (info,) = system.agents()
        assert info.capabilities == {"declared", "given"}
        assert info.state == "idle"
