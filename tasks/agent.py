"""`agent`: wrap a plain function as a Prefect task whose state changes reach the observers."""

from collections.abc import Callable
from typing import Any

from prefect import task

from tasks.observe import notify_task_state

STATE_HOOKS: dict[str, Any] = {
    "on_running": [notify_task_state],
    "on_completion": [notify_task_state],
    "on_failure": [notify_task_state],
}


def agent(name: str, *, task_run_name: str | None = None) -> Callable:
    """Decorator: the function becomes the task `name`; its runs are named `task_run_name`.

    Top-level agents keep the agent's name as the run name, so monitor rows are keyed
    by it; per-topic runs are named `agent[topic]`.
    """

    def wrap(fn: Callable) -> Any:
        return task(fn, name=name, task_run_name=task_run_name or name, **STATE_HOOKS)

    return wrap
