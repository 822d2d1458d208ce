"""The monitor's hooks: what records each flow run into the results store as it runs.

- `spec`: `RunSpec`, what a flow tells the monitor about a run as it opens;
- `recorder`: `RunRecorder`, one per running flow run, found by its id;
- `flow`: the flow-run state hooks (`flow_hooks(describe)` for `@flow(...)`);
- `task`: the agent task-run hooks and the LLM usage capture (`install()` subscribes them);
- `artifacts`: the run's Prefect artifacts, published off the flow's path.
"""

from monitor.hooks.artifacts import wait_for_publishing
from monitor.hooks.flow import flow_hooks
from monitor.hooks.spec import RunSpec, recorded_parameters
from monitor.hooks.task import install

__all__ = [
    "RunSpec",
    "flow_hooks",
    "install",
    "recorded_parameters",
    "wait_for_publishing",
]
