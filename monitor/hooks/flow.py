"""Prefect flow-run state hooks: open a run's record, end it, tell someone when it failed.

`flow_hooks(describe)` gives the hooks to pass to `@flow(...)`; `describe` is the flow's
own function that turns a flow run into a `RunSpec`, so the monitor never reads the
flow's parameters by name. The run's record is final in the results store when the
flow's call returns; its artifacts are published afterwards (`monitor.hooks.artifacts`).
"""

import os
import socket
from collections.abc import Callable
from functools import partial
from typing import Any

from prefect import Flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import FlowRun, State
from prefect.logging import get_logger
from pydantic_core import to_jsonable_python

from monitor import notify, traces
from monitor.budget import BudgetExceeded
from monitor.hooks.recorder import RunRecorder, error_line, register, result_of, take
from monitor.hooks.spec import RunSpec
from monitor.hooks.task import install
from monitor.store import StoreError, shared_store

Describe = Callable[[FlowRun], RunSpec]
FlowHook = Callable[[Flow, FlowRun, State], None]


def flow_hooks(describe: Describe) -> dict[str, list[FlowHook]]:
    """The hooks to pass to `@flow(...)` so its runs are recorded."""

    def record_run_started(flow: Flow, flow_run: FlowRun, state: State) -> None:
        install()
        open_run(describe(flow_run), flow_run)

    def notify_failure(flow: Flow, flow_run: FlowRun, state: State) -> None:
        send_failure(describe(flow_run), flow, flow_run, state)

    def record_cancelled_elsewhere(flow: Flow, flow_run: FlowRun, state: State) -> None:
        """A run cancelled through a Prefect worker ends `cancelled` in the store.

        The worker kills the run's process first and runs this hook in another process,
        where no recorder knows the run: the store is found from the run's description.
        A run already ended in its own process (a flow cancelled in-process) stays so.
        """
        cancel_elsewhere(describe(flow_run), flow_run, state)

    return {
        "on_running": [record_run_started],
        "on_completion": [record_run_completed],
        "on_failure": [ender("failed"), notify_failure],
        "on_crashed": [ender("crashed"), notify_failure],
        "on_cancellation": [ender("cancelled"), record_cancelled_elsewhere],
    }


def open_run(spec: RunSpec, flow_run: FlowRun) -> None:
    """Record the run as running, and start following it."""
    recorder = RunRecorder(spec, shared_store(spec.store_url), str(flow_run.id))
    # Written first by the run's writer, so before any agent's row, off the flow's thread.
    recorder.writer.submit(
        recorder.store.start_run,
        {
            "id": recorder.run_id,
            "command": spec.command,
            "window_start": spec.window_start,
            "window_end": spec.window_end,
            "source": spec.source,
            "provider": spec.provider,
            "model": spec.model,
            "parameters": spec.parameters,
            "flow_run_name": flow_run.name,
            "deployment_id": str(flow_run.deployment_id) if flow_run.deployment_id else None,
            "deployment_name": deployment_name(flow_run),
            "agents_total": spec.agents_total,
            "resume_key": spec.resume_key or recorder.run_id,
            "host": socket.gethostname(),
            "pid": os.getpid(),
        },
    )
    register(flow_run.id, recorder)
    recorder.start_heartbeat()
    recorder.artifacts.start()
    traces.run_opened(flow_run, spec)


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


def end_run(recorder: RunRecorder, status: str, **fields: Any) -> None:
    """Write the run's final status after every write handed over before it; return once
    it is committed, leaving the artifacts to be published."""
    recorder.writer.submit(partial(recorder.store.finish_run, **fields), recorder.run_id, status)
    recorder.writer.close()
    traces.run_closed(recorder.run_id, status, fields.get("error"), recorder.agents_done())
    recorder.artifacts.finish(results=status == "completed")


def record_run_completed(flow: Flow, flow_run: FlowRun, state: State) -> None:
    """Record the run completed, with its summary and the deck's URL."""
    recorder = take(flow_run.id)
    if recorder is None:
        return
    result = result_of(state)
    summary = getattr(result, "summary", None)
    presentation = getattr(result, "presentation", None)
    end_run(
        recorder,
        "completed",
        summary=to_jsonable_python(summary) if summary else None,
        gamma_url=getattr(presentation, "url", None),
    )


def ender(status: str) -> FlowHook:
    """The hook that records the run ended `status` (failed, crashed or cancelled)."""

    def on_end(flow: Flow, flow_run: FlowRun, state: State) -> None:
        recorder = take(flow_run.id)
        if recorder is None:
            return
        over_budget = isinstance(state.result(raise_on_failure=False), BudgetExceeded)
        end_run(
            recorder,
            status,
            error=error_line(state),
            failure_reason="budget" if over_budget else None,
        )

    on_end.__name__ = f"record_run_{status}"
    return on_end


def cancel_elsewhere(spec: RunSpec, flow_run: FlowRun, state: State) -> None:
    """End the run `cancelled` in its store, from a process that did not record it."""
    try:
        store = shared_store(spec.store_url)
        store.cancel_run(str(flow_run.id), (state.message or "cancelled").splitlines()[0])
    except StoreError as exc:
        get_logger(__name__).warning("voc: cannot record the cancelled run: %s", exc)


def send_failure(spec: RunSpec, flow: Flow, flow_run: FlowRun, state: State) -> None:
    """Send the run's failure (or budget stop) through the notification block it names."""
    slug = notify.block_slug(spec.notify)
    if slug is None:
        return
    try:
        run = shared_store(spec.store_url).run(str(flow_run.id))
    except StoreError:  # not recorded: say what Prefect knows
        run = {"id": str(flow_run.id), "command": flow.name, "status": state.name.lower()}
        run["error"] = error_line(state)
    notify.send(slug, *notify.message(run))
