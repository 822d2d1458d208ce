"""voc's own Prefect server (flows.local_api): stopped only once it has recorded the run."""

import re
import subprocess
import sys
import textwrap

from tests.conftest import voc_environment

#: What Prefect's server prints when it is stopped while recording a task run.
SHUTDOWN_ERRORS = re.compile(r"Traceback|Exception|Error flushing")

# A flow whose many task runs end just before the block does: the server is still
# recording their events when the process is done with it.
BURST = """
    from prefect import flow, task

    from flows.local_api import prefect_api, settle_prefect

    @task
    def step(i: int) -> int:
        return i

    @flow
    def burst() -> int:
        return sum(f.result() for f in step.map(range(60)))

    with prefect_api():
        assert burst() == 1770
        settle_prefect()
"""


def test_a_burst_of_task_runs_is_recorded_before_the_server_stops(tmp_path):
    env = voc_environment(tmp_path, tmp_path / "prefect-home")
    env |= {"PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(BURST)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert not SHUTDOWN_ERRORS.search(done.stderr), done.stderr
