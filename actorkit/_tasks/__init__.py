"""The task layer: `submit`, assignment of tasks to idle capable agents, retries, deadlines.

It hooks into the runtime only as an instrument (agent_spawned, agent_started, agent_paused,
agent_stopped, restarted, resumed), so the core carries no task code. One job per module:

- `_layer`: `TaskLayer`, the per-system coordinator: submit, dispatch, outcomes, agent events.
- `_handover`: the only place that changes an agent's cell or mailbox (hand a task over,
  take it back).
- `_agents`: an agent as the task layer sees it (busy or idle, its state history).
- `_idle`: idle agents grouped by capability set, for a new task to pick from.
- `_index`: pending tasks grouped by requirement set, for an agent to pick from.
- `_handle`: what a task is to its agent (`Task`) and to its submitter (`TaskHandle`, and
  its `cancel`).
- `_failures`: the errors a task can finish with.
- `_checks`: `submit`'s argument checks; `_stats`: `system.tasks`; `_metrics`: Prometheus.
"""

from ._agents import AgentInfo
from ._handle import Task, TaskHandle, TaskStatus
from ._layer import TaskLayer
from ._stats import TaskStats

__all__ = ["AgentInfo", "Task", "TaskHandle", "TaskLayer", "TaskStats", "TaskStatus"]
