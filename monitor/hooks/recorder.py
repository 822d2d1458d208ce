"""`RunRecorder`: what the hooks keep about one flow run while it runs, found by its id.

A flow run's recorder is registered when the run opens and taken out when it ends;
task hooks and the LLM capture find it by the flow-run id Prefect puts on every task
run, so concurrent runs in one process stay apart.
"""

import threading
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from prefect.client.schemas.objects import State
from prefect.results import ResultRecord

from monitor.budget import Budget
from monitor.hooks.artifacts import RunArtifacts
from monitor.hooks.spec import RunSpec
from monitor.store import DONE, ResultsStore
from monitor.writer import StoreWriter

HEARTBEAT_SECONDS = 10


@dataclass
class RunRecorder:
    """One recorded flow run: its store, its writer thread, its artifacts, its budget."""

    spec: RunSpec
    store: ResultsStore
    run_id: str
    stopped: threading.Event = field(default_factory=threading.Event)
    # How each agent (not a per-topic run) ended, as its row says: the run's agents done
    # for its trace, without reading the store back as the run ends.
    agent_statuses: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.budget = Budget(self.spec.budget) if self.spec.budget is not None else None
        self.artifacts = RunArtifacts(self.store, self.run_id, self.spec.agents_total)
        self.writer = StoreWriter(f"voc-writer-{self.run_id}", self.store)

    def agent_ended(self, key: str, status: str) -> None:
        """Note how an agent's run ended (a per-topic run's is not counted)."""
        if "[" not in key:
            self.agent_statuses[key] = status

    def agents_done(self) -> int:
        """How many of the run's agents completed, were cached or skipped, as the store counts."""
        return sum(status in DONE for status in self.agent_statuses.values())

    def start_heartbeat(self) -> None:
        """Tell the store every few seconds that this run's process is alive."""

        def beat() -> None:
            while not self.stopped.wait(HEARTBEAT_SECONDS):
                self.store.beat(self.run_id)

        threading.Thread(target=beat, name=f"voc-heartbeat-{self.run_id}", daemon=True).start()


# Reached only through the functions below: `flow.serve()` cloudpickles the flow into its
# run's process, and a hook pickled by value would carry a copy of a dict it named.
_recorders: dict[UUID, RunRecorder] = {}


def register(flow_run_id: UUID, recorder: RunRecorder) -> None:
    """Make the run's recorder the one its task hooks find."""
    _recorders[flow_run_id] = recorder


def recorder_of(flow_run_id: UUID) -> RunRecorder | None:
    """The recorder of a running flow run, if this process records it."""
    return _recorders.get(flow_run_id)


def take(flow_run_id: UUID) -> RunRecorder | None:
    """The run's recorder, no longer found by its task hooks, its heartbeat stopped."""
    recorder = _recorders.pop(flow_run_id, None)
    if recorder is not None:
        recorder.stopped.set()
    return recorder


def result_of(state: State) -> Any:
    """A completed run's return value, as `state.result()` gives it.

    A hook is handed the state with its result in memory; `state.result()` would still
    fetch it through Prefect's event-loop thread and wait there, ~2 ms on the thread of
    the agent (or flow) that just finished (bench/RESULTS.md, issue 14's fifth pass).
    """
    if isinstance(state.data, ResultRecord):
        return state.data.result
    return state.result()


def error_line(state: State) -> str:
    """The failure's exception as one line: its type and message."""
    exc = state.result(raise_on_failure=False)
    if isinstance(exc, BaseException):
        return f"{type(exc).__name__}: {exc}".splitlines()[0]
    return (state.message or state.name).splitlines()[0]
