"""Agent task-run state hooks and the LLM client's usage capture, as rows of the run.

The listeners subscribed to `tasks.observe` by `install()` turn each agent's state
change and each LLM call into writes handed to the run's writer thread, and keep the
run's budget: a call that could take the run past it is refused before it is made.
"""

import hashlib
import inspect
import logging
import threading
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from prefect import Task
from prefect.client.schemas.objects import State, TaskRun
from prefect.context import TaskRunContext

from monitor import traces
from monitor.hooks.recorder import RunRecorder, error_line, recorder_of, result_of
from monitor.pricing import price
from tasks.llm.types import LLMCall, LLMRequest
from tasks.observe import QuietHookLines, observers, quiet_hook_lines

_install_lock = threading.Lock()
_installed = False
# Prefect logs two INFO lines around every hook it calls, shipped to its API: for these
# (the monitor's flow hooks, see monitor.hooks.flow) they cost more than they tell.
FLOW_HOOKS = ("record_run_started", "record_run_completed")


class QuietFlowHookLines(QuietHookLines):
    """Drops Prefect's "Running hook ..." and "Hook ... finished" lines for `FLOW_HOOKS`."""

    LINES = tuple(f"{line} {hook!r} " for hook in FLOW_HOOKS for line in ("Running hook", "Hook"))


def on_task_state(task: Task, task_run: TaskRun, state: State) -> None:
    """Record an agent task run's state change."""
    recorder = recorder_of(task_run.flow_run_id)
    if recorder is None:
        return
    key = task_run.name
    write = recorder.writer.submit
    if state.is_running():
        write(recorder.store.agent_started, recorder.run_id, key, str(task_run.id))
    elif state.is_completed():
        _agent_completed(recorder, task, key, state)
    elif state.is_failed():
        recorder.agent_ended(key, "failed")
        write(recorder.store.agent_finished, recorder.run_id, key, "failed", error_line(state))


def _agent_completed(recorder: RunRecorder, task: Task, key: str, state: State) -> None:
    result = result_of(state) if reports_more_than_done(task.fn) else None
    if result is not None:
        recorder.writer.submit(record_files, recorder, result)
    skipped = getattr(result, "skipped_reason", None)
    status = "skipped" if skipped else "cached" if state.name == "Cached" else "completed"
    recorder.agent_ended(key, status)
    recorder.writer.submit(recorder.store.agent_finished, recorder.run_id, key, status, skipped)
    if "[" not in key:
        recorder.writer.after_commit(recorder.artifacts.changed)


@cache
def reports_more_than_done(fn: Callable) -> bool:
    """Does the agent's result carry files or a reason it skipped? Only those are read
    back in a hook: the others can be large (every conversation of the week)."""
    kind = inspect.signature(fn).return_annotation
    fields = getattr(kind, "model_fields", {})
    return "files" in fields or hasattr(kind, "skipped_reason")


def record_files(recorder: RunRecorder, result: Any) -> None:
    """An agent result with `directory` and `files` wrote those files: record each one."""
    directory = getattr(result, "directory", None)
    if directory is None or not hasattr(result, "files"):
        return
    recorder.store.update_run(recorder.run_id, output_dir=str(Path(directory).resolve()))
    for path in result.files:
        data = Path(path).read_bytes()
        relative = Path(path).resolve().relative_to(Path(directory).resolve()).as_posix()
        digest = hashlib.sha256(data).hexdigest()
        recorder.store.record_file(recorder.run_id, relative, len(data), digest)


def _current() -> tuple[RunRecorder | None, TaskRun | None]:
    """The recorder and task run of the agent running in this thread, if any."""
    context = TaskRunContext.get()
    if context is None:
        return None, None
    return recorder_of(context.task_run.flow_run_id), context.task_run


def check_budget(provider: str, model: str, request: LLMRequest) -> None:
    """Refuse a call that could take its run past the run's budget."""
    recorder, _ = _current()
    if recorder is not None and recorder.budget is not None:
        recorder.budget.reserve(provider, model, request)


def on_llm_call(call: LLMCall) -> None:
    """Record an LLM call against the agent task run it was made from."""
    recorder, task_run = _current()
    if recorder is None:
        return
    cost = price(call.provider, call.model, call.usage)
    if recorder.budget is not None:
        recorder.budget.settle(cost)
    recorder.writer.submit(
        recorder.store.record_llm_call,
        recorder.run_id,
        task_run.name,
        str(task_run.id),
        call,
        cost,
    )
    traces.record_llm_call(
        recorder.writer, recorder.run_id, task_run.name, str(task_run.id), call, cost
    )


def install() -> None:
    """Subscribe the monitor to agent state changes and LLM calls, and drop Prefect's log
    lines around its hooks: once per process (the flow hooks call it as a run opens)."""
    global _installed
    with _install_lock:
        if _installed:
            return
        _installed = True
        quiet_hook_lines()
        for name in ("prefect.engine", "prefect.flow_runs"):
            logging.getLogger(name).addFilter(QuietFlowHookLines())
        observers.task_state.append(on_task_state)
        observers.llm_call.append(on_llm_call)
        observers.before_llm_call.append(check_budget)
