"""Prefect state hooks and LLM usage capture that write each run into the results store.

Flow hooks open and close the run; the listeners subscribed to `tasks.observe` turn
each agent's state change and each LLM call into rows. A flow run's recorder is found
by the flow-run id Prefect puts on every task run, so concurrent runs in one process
stay apart.
"""

import contextvars
import hashlib
import inspect
import os
import socket
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache, partial
from pathlib import Path
from typing import Any
from uuid import UUID

from prefect import Flow, Task
from prefect.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_table_artifact,
)
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import FlowRun, State, TaskRun
from prefect.context import TaskRunContext
from prefect.logging import get_logger
from pydantic import TypeAdapter
from pydantic_core import to_jsonable_python

from blocks.results_store import is_block_reference
from monitor import links, notify
from monitor.breakdown import agent_breakdown, totals
from monitor.budget import Budget, BudgetExceeded
from monitor.pricing import price
from monitor.progress import ProgressArtifact
from monitor.store import (
    ResultsStore,
    StoreError,
    display_url,
    resolve_output_dir,
    resolve_store_url,
)
from monitor.writer import StoreWriter
from tasks.llm.types import LLMCall, LLMRequest
from tasks.observe import observers
from tasks.window import WindowError, analysis_window

_dates = TypeAdapter(date | None)


HEARTBEAT_SECONDS = 10


@dataclass
class RunRecorder:
    """What the hooks need to know about one flow run while it runs."""

    store: ResultsStore
    run_id: str
    agents_total: int
    budget: Budget | None = None
    stopped: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.progress = ProgressArtifact(self.store, self.run_id, self.agents_total)
        self.writer = StoreWriter(f"voc-writer-{self.run_id}", self.store)

    def start_heartbeat(self) -> None:
        """Tell the store every few seconds that this run's process is alive."""

        def beat() -> None:
            while not self.stopped.wait(HEARTBEAT_SECONDS):
                self.store.beat(self.run_id)

        threading.Thread(target=beat, name=f"voc-heartbeat-{self.run_id}", daemon=True).start()


_recorders: dict[UUID, RunRecorder] = {}
_stores: dict[str, ResultsStore] = {}


def open_store(url: str) -> ResultsStore:
    """One store (and engine) per URL per process."""
    if url not in _stores:
        _stores[url] = ResultsStore(url)
    return _stores[url]


def error_line(state: State) -> str:
    """The failure's exception as one line: its type and message."""
    exc = state.result(raise_on_failure=False)
    if isinstance(exc, BaseException):
        return f"{type(exc).__name__}: {exc}".splitlines()[0]
    return (state.message or state.name).splitlines()[0]


def recorded_parameters(params: dict[str, Any]) -> dict[str, Any]:
    """The flow's parameters as JSON, with a password in the store URL masked."""
    recorded = to_jsonable_python(params)
    if recorded.get("store") and not is_block_reference(recorded["store"]):
        recorded["store"] = display_url(recorded["store"])
    return recorded


def run_store(params: dict[str, Any]) -> ResultsStore:
    """The store a flow run with these parameters records into."""
    return open_store(
        resolve_store_url(params.get("store"), resolve_output_dir(params.get("output_dir")))
    )


def run_window(params: dict[str, Any], flow_run: FlowRun) -> tuple[date | None, date | None]:
    """The window the flow works out from the same parameters and scheduled start."""
    start = _dates.validate_python(params.get("start"))
    end = _dates.validate_python(params.get("end"))
    scheduled = flow_run.expected_start_time or datetime.now(UTC)
    try:
        return analysis_window(start, end, scheduled, params.get("timezone") or "UTC")
    except WindowError:
        return start, end  # the flow itself fails, saying why


def deployment_name(flow_run: FlowRun) -> str | None:
    """The name of the deployment that made the flow run, if one did."""
    if flow_run.deployment_id is None:
        return None
    try:
        with get_client(sync_client=True) as client:
            return client.read_deployment(flow_run.deployment_id).name
    except Exception as exc:  # a label only: the run must be recorded without it
        get_logger(__name__).warning("voc: cannot read the run's deployment: %s", exc)
        return None


# -- flow hooks ---------------------------------------------------------------------------


def flow_hooks(command: str, agents_total: int) -> dict[str, list]:
    """The hooks to pass to `@flow(...)` so its runs are recorded."""

    def on_running(flow: Flow, flow_run: FlowRun, state: State) -> None:
        params = flow_run.parameters
        store = run_store(params)
        start, end = run_window(params, flow_run)
        limit = params.get("budget")
        budget = Budget(Decimal(str(limit))) if limit is not None else None
        recorder = RunRecorder(store, str(flow_run.id), agents_total, budget)
        # Written first by the run's writer, so before any agent's row, off the flow's thread.
        recorder.writer.submit(
            store.start_run,
            {
                "id": str(flow_run.id),
                "command": command,
                "window_start": start,
                "window_end": end,
                "source": str(params.get("source")),
                "provider": params.get("provider"),
                "model": params.get("model"),
                # The window worked out, so `voc resume` analyses the same week.
                "parameters": recorded_parameters({**params, "start": start, "end": end}),
                "flow_run_name": flow_run.name,
                "deployment_id": str(flow_run.deployment_id) if flow_run.deployment_id else None,
                "deployment_name": deployment_name(flow_run),
                "agents_total": agents_total,
                "resume_key": params.get("resume_key") or str(flow_run.id),
                "host": socket.gethostname(),
                "pid": os.getpid(),
            },
        )
        _register(flow_run.id, recorder)
        recorder.start_heartbeat()
        recorder.progress.start()

    hooks = {
        "on_running": [on_running],
        "on_completion": [on_flow_completed],
        "on_failure": [_ender("failed"), notify_failure],
        "on_crashed": [_ender("crashed"), notify_failure],
        "on_cancellation": [_ender("cancelled"), record_cancelled_elsewhere],
    }
    return hooks


def _register(flow_run_id: UUID, recorder: RunRecorder) -> None:
    # Through a module-level function, not `_recorders` itself: `flow.serve()` cloudpickles
    # the flow into its run's process, and a nested hook pickled by value would carry a
    # copy of `_recorders` that the task hooks never see.
    _recorders[flow_run_id] = recorder


def _finished(flow_run: FlowRun, *, wait_for_progress: bool = True) -> RunRecorder | None:
    """The run's recorder, taken out of the active ones, its heartbeat stopped, its writes
    done; its progress artifact's final update made, or (`wait_for_progress=False`) under
    way, for the caller to `progress.close()` once it has done its own work meanwhile."""
    recorder = _recorders.pop(flow_run.id, None)
    if recorder is not None:
        recorder.stopped.set()
        recorder.writer.close()
        recorder.progress.finish()
        if wait_for_progress:
            recorder.progress.close()
    return recorder


def on_flow_completed(flow: Flow, flow_run: FlowRun, state: State) -> None:
    recorder = _finished(flow_run, wait_for_progress=False)
    if recorder is None:
        return
    try:
        _record_completed(recorder, state)
    finally:
        recorder.progress.close()


def _record_completed(recorder: RunRecorder, state: State) -> None:
    result = state.result()
    summary = getattr(result, "summary", None)
    presentation = getattr(result, "presentation", None)
    recorder.store.finish_run(
        recorder.run_id,
        "completed",
        summary=to_jsonable_python(summary) if summary else None,
        gamma_url=getattr(presentation, "url", None),
    )
    publish_artifacts(recorder)


def _ender(status: str) -> Any:
    def on_end(flow: Flow, flow_run: FlowRun, state: State) -> None:
        recorder = _finished(flow_run)
        if recorder is None:
            return
        over_budget = isinstance(state.result(raise_on_failure=False), BudgetExceeded)
        recorder.store.finish_run(
            recorder.run_id,
            status,
            error=error_line(state),
            failure_reason="budget" if over_budget else None,
        )

    on_end.__name__ = f"record_run_{status}"
    return on_end


def record_cancelled_elsewhere(flow: Flow, flow_run: FlowRun, state: State) -> None:
    """A run cancelled through a Prefect worker ends `cancelled` in the store.

    The worker kills the run's process first and runs this hook in another process,
    where no recorder knows the run: the store row is found by the run's parameters.
    A run `_ender` already ended in its own process (a flow cancelled in-process) stays
    as it is.
    """
    try:
        store = run_store(flow_run.parameters)
        store.cancel_run(str(flow_run.id), (state.message or "cancelled").splitlines()[0])
    except StoreError as exc:
        get_logger(__name__).warning("voc: cannot record the cancelled run: %s", exc)


def notify_failure(flow: Flow, flow_run: FlowRun, state: State) -> None:
    """Send the run's failure (or budget stop) through the notification block it names."""
    slug = notify.block_slug(flow_run.parameters.get("notify"))
    if slug is None:
        return
    try:
        run = run_store(flow_run.parameters).run(str(flow_run.id))
    except StoreError:  # not recorded: say what Prefect knows
        run = {"id": str(flow_run.id), "command": flow.name, "status": state.name.lower()}
        run["error"] = error_line(state)
    notify.send(slug, *notify.message(run))


# -- task state and LLM calls -------------------------------------------------------------


def on_task_state(task: Task, task_run: TaskRun, state: State) -> None:
    """Record an agent task run's state change."""
    recorder = _recorders.get(task_run.flow_run_id)
    if recorder is None:
        return
    key = task_run.name
    write = recorder.writer.submit
    if state.is_running():
        write(recorder.store.agent_started, recorder.run_id, key, str(task_run.id))
    elif state.is_completed():
        _agent_completed(recorder, task, key, state)
    elif state.is_failed():
        write(recorder.store.agent_finished, recorder.run_id, key, "failed", error_line(state))


def _agent_completed(recorder: RunRecorder, task: Task, key: str, state: State) -> None:
    result = state.result() if reports_more_than_done(task.fn) else None
    if result is not None:
        recorder.writer.submit(record_files, recorder, result)
    skipped = getattr(result, "skipped_reason", None)
    status = "skipped" if skipped else "cached" if state.name == "Cached" else "completed"
    recorder.writer.submit(recorder.store.agent_finished, recorder.run_id, key, status, skipped)
    if "[" not in key:
        recorder.writer.after_commit(recorder.progress.changed)


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
    return _recorders.get(context.task_run.flow_run_id), context.task_run


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


# -- artifacts ----------------------------------------------------------------------------


def publish_artifacts(recorder: RunRecorder) -> None:
    """The per-agent cost table, the report and the links, attached to the flow run."""
    run = recorder.store.run(recorder.run_id)
    rows = agent_breakdown(run)
    table = [
        {k: str(v) if k == "cost" else v for k, v in row.items() if k != "error"}
        for row in [*rows, totals(rows)]
    ]
    artifacts = [
        partial(
            create_table_artifact,
            table,
            key="voc-cost-breakdown",
            description="Cost per agent (USD)",
        )
    ]
    report = Path(run["output_dir"] or "", "report.md")
    if run["output_dir"] and report.is_file():
        artifacts.append(
            partial(
                create_markdown_artifact,
                report.read_text(encoding="utf-8"),
                key="voc-report",
                description="VoC report",
            )
        )
    in_parallel([*artifacts, *link_artifacts(run)])


def link_artifacts(run: dict[str, Any]) -> list[Callable[[], Any]]:
    """`voc-gamma` to the deck; with `VOC_DASHBOARD_URL`, a download link per output file."""
    made: list[Callable[[], Any]] = []
    if run["gamma_url"]:
        made.append(
            partial(
                create_link_artifact,
                run["gamma_url"],
                link_text="Gamma presentation",
                key="voc-gamma",
                description="Deck",
            )
        )
    dashboard = links.dashboard_url()
    if dashboard is None:
        return made
    for file in run["files"]:
        made.append(
            partial(
                create_link_artifact,
                links.file_url(dashboard, run["id"], file["path"]),
                link_text=file["path"],
                key=links.file_artifact_key(file["path"]),
                description=f"{file['size']:,} bytes, sha256 {file['sha256'][:12]}…",
            )
        )
    return made


def in_parallel(calls: list[Callable[[], Any]]) -> None:
    """Make the calls at once, each on a thread with this thread's Prefect context; wait
    for all, then raise the first error.

    Each artifact is a round trip to the Prefect API that the flow run waits for at its
    end: made together, they cost about one.
    """
    with ThreadPoolExecutor(max_workers=max(1, len(calls))) as pool:
        # One copy per call: a context cannot be entered by two threads at once.
        futures = [pool.submit(contextvars.copy_context().run, call) for call in calls]
    for future in futures:
        future.result()


def install() -> None:
    """Subscribe the monitor to agent state changes and LLM calls (once per process)."""
    if on_task_state not in observers.task_state:
        observers.task_state.append(on_task_state)
    if on_llm_call not in observers.llm_call:
        observers.llm_call.append(on_llm_call)
    if check_budget not in observers.before_llm_call:
        observers.before_llm_call.append(check_budget)
