"""The seam the monitor watches through: agent state changes and LLM calls.

Agents and the LLM client publish here and never know who listens; the monitor
subscribes. Listeners run in the thread that ran the task, so they must be quick
and must not raise (Prefect logs a hook's exception and keeps the task's state).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from prefect import Task
from prefect.client.schemas.objects import State, TaskRun

StateListener = Callable[[Task, TaskRun, State], None]


@dataclass
class Observers:
    """Listeners for agent task-run states and for LLM calls."""

    task_state: list[StateListener] = field(default_factory=list)
    llm_call: list[Callable[[Any], None]] = field(default_factory=list)
    # May raise to refuse a call before it is made (the monitor's budget does).
    before_llm_call: list[Callable[[str, str, Any], None]] = field(default_factory=list)


observers = Observers()


def notify_task_state(task: Task, task_run: TaskRun, state: State) -> None:
    """Prefect task hook (running, completed, failed) that fans out to the state listeners."""
    for listener in observers.task_state:
        listener(task, task_run, state)


def check_llm_call(provider: str, model: str, request: Any) -> None:
    """Let the listeners refuse a call (an `LLMRequest`) before it is sent."""
    for listener in observers.before_llm_call:
        listener(provider, model, request)


def notify_llm_call(call: Any) -> None:
    """Hand one finished LLM call (an `LLMCall`) to the listeners."""
    for listener in observers.llm_call:
        listener(call)


class QuietHookLines(logging.Filter):
    """Drops the two INFO lines Prefect logs around every call of `notify_task_state`.

    "Running hook 'notify_task_state' in response to entering state 'Running'" and
    "Hook 'notify_task_state' finished running successfully", twice per task run: each
    goes to the console and is shipped to the Prefect API, which costs more than the
    hook itself and tells nothing. An error in the hook is still logged.
    """

    HOOK = repr(notify_task_state.__name__)
    LINES = (f"Running hook {HOOK} ", f"Hook {HOOK} ")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.msg
        return not (
            record.levelno == logging.INFO
            and isinstance(message, str)
            and message.startswith(self.LINES)
        )


def quiet_hook_lines() -> None:
    """Install the filter on Prefect's task-run logger (once per process)."""
    logger = logging.getLogger("prefect.task_runs")
    if not any(isinstance(f, QuietHookLines) for f in logger.filters):
        logger.addFilter(QuietHookLines())
