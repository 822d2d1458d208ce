"""`agent`: wrap a plain function as a Prefect task that can be resumed and is watched.

Every agent persists its result under a cache key made of its inputs, its source
code and the run's resume key. A fresh run has a key of its own, so it computes
everything anew; `voc resume` (or a Prefect retry of the flow run) reuses the key,
so the agents that completed are read back from their persisted results instead of
being run, and paid for, again.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from prefect import task
from prefect.cache_policies import TASK_SOURCE, CachePolicy, Inputs
from prefect.context import TaskRunContext

from tasks.observe import notify_task_state

RESUME_KEY = "resume_key"
STATE_HOOKS: dict[str, Any] = {
    "on_running": [notify_task_state],
    "on_completion": [notify_task_state],
    "on_failure": [notify_task_state],
}


@dataclass
class ResumeKey(CachePolicy):
    """The flow's `resume_key` parameter, or else the flow run's id."""

    def compute_key(
        self,
        task_ctx: TaskRunContext,
        inputs: dict[str, Any],
        flow_parameters: dict[str, Any],
        **kwargs: Any,
    ) -> str | None:
        if flow_parameters.get(RESUME_KEY):
            return str(flow_parameters[RESUME_KEY])
        return str(task_ctx.task_run.flow_run_id) if task_ctx else None


# Where an agent writes is not what it computes: a resumed run has a directory of its
# own, and its agents must still find the results the first run persisted.
WHERE_TO_WRITE = ["directory", "run_dir"]
RESUMABLE = Inputs(exclude=WHERE_TO_WRITE) + TASK_SOURCE + ResumeKey()


def agent(name: str, *, task_run_name: str | None = None) -> Callable:
    """Decorator: the function becomes the task `name`; its runs are named `task_run_name`.

    Top-level agents keep the agent's name as the run name, so monitor rows are keyed
    by it; per-topic runs are named `agent[topic]`.
    """

    def wrap(fn: Callable) -> Any:
        return task(
            fn,
            name=name,
            task_run_name=task_run_name or name,
            cache_policy=RESUMABLE,
            persist_result=True,
            **STATE_HOOKS,
        )

    return wrap
