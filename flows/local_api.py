"""A Prefect API server of voc's own for a run without a Prefect server: it never outlives voc.

Prefect's own temporary server (its "ephemeral" mode) is a child in voc's process
group: Ctrl-C in a terminal reaches it first and kills it under the running flow, and
`kill -9` of voc leaves it running, orphaned. This one is started the same way (the
same uvicorn command), but in a session of its own, so a terminal's signals reach
only voc, and with Linux's parent-death signal, so the kernel ends it the moment voc
ends, however voc ends. `prefect_api` uses it only when no Prefect API is configured;
`settle_prefect` lets a run's last artifacts and events reach it, and the server is
stopped only once it has recorded the task runs those events describe.
"""

import contextlib
import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx

PR_SET_PDEATHSIG = 1
STARTUP_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 5.0
STARTUP_FAILED = 3  # uvicorn's exit code when the app cannot start
# The server records task runs from the client's events as they come; on a loaded machine
# it can be seconds behind. It is waited for while it makes progress, up to the timeout,
# and given up on after a stall (a task run that will never end, say).
RECORDING_TIMEOUT_S = 30.0
RECORDING_STALL_S = 3.0
#: Task-run state types whose final state has not been recorded yet.
UNFINISHED = ["SCHEDULED", "PENDING", "RUNNING", "PAUSED", "CANCELLING"]
FINAL = ["COMPLETED", "FAILED", "CANCELLED", "CRASHED"]


class LocalAPIError(RuntimeError):
    """The local Prefect API server did not start."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _own_session_ended_with_parent() -> None:
    """Run in the child before it execs: its own session, and killed when voc dies."""
    os.setsid()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _command(port: int) -> list[str]:
    import prefect  # where Prefect is installed: uvicorn imports the app from there

    return [
        sys.executable, "-m", "uvicorn",
        "--app-dir", str(Path(prefect.__file__).parent.parent),
        "--factory", "prefect.server.api.server:create_app",
        "--host", "127.0.0.1", "--port", str(port),
        "--log-level", "error", "--lifespan", "on",
    ]  # fmt: skip


def _start(port: int) -> subprocess.Popen:
    env = os.environ | {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1"}
    return subprocess.Popen(
        _command(port),
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        preexec_fn=_own_session_ended_with_parent,  # noqa: PLW1509 - no threads yet
    )


def _serve() -> tuple[subprocess.Popen, str]:
    """A healthy server and its API URL.

    uvicorn exits with 3 when its app fails to start: the port was taken meanwhile, or
    another voc was setting up the same Prefect database. Like Prefect's own temporary
    server, it is then started again on another port.
    """
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    port = _free_port()
    process = _start(port)
    with httpx.Client(timeout=2) as client:
        while time.monotonic() < deadline:
            if process.poll() == STARTUP_FAILED:
                port = _free_port()
                process = _start(port)
            elif process.poll() is not None:
                raise LocalAPIError(f"the local Prefect server exited ({process.returncode})")
            with contextlib.suppress(httpx.HTTPError):
                if client.get(f"http://127.0.0.1:{port}/api/health").status_code == 200:
                    return process, f"http://127.0.0.1:{port}/api"
            time.sleep(0.1)
    _stop(process)
    raise LocalAPIError(f"the local Prefect server was not up within {STARTUP_TIMEOUT_S:g} s")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _task_runs(client: httpx.Client, since: datetime) -> tuple[int, int]:
    """Of the task runs of flow runs that started since `since` and have ended (this
    process's, not those of another voc sharing the Prefect home): how many are unfinished,
    and how many finished."""
    flow_runs = {"start_time": {"after_": since.isoformat()}, "state": {"type": {"any_": FINAL}}}
    counts = []
    for types in (UNFINISHED, FINAL):
        body = {"flow_runs": flow_runs, "task_runs": {"state": {"type": {"any_": types}}}}
        counts.append(client.post("/task_runs/count", json=body).raise_for_status().json())
    return counts[0], counts[1]


def await_recording(url: str, since: datetime) -> None:
    """Wait until the server has recorded the final state of the task runs of the flow runs
    that ended since `since`: none unfinished, and no change between two reads.

    Prefect's server records task runs from the events the client sent, each as it comes.
    Stopping the server cancels a recording under way: the state is lost, and Prefect
    prints tracebacks ("Exception during reset or similar", "Error flushing 1 events").
    """
    deadline = time.monotonic() + RECORDING_TIMEOUT_S
    last, changed = None, time.monotonic()
    with httpx.Client(base_url=url, timeout=2) as client:
        while time.monotonic() < deadline:
            try:
                counts = _task_runs(client, since)
            except httpx.HTTPError:
                return  # a server that cannot answer is not recording anything either
            now = time.monotonic()
            if counts != last:
                last, changed = counts, now
            elif counts[0] == 0 or now - changed > RECORDING_STALL_S:
                return
            time.sleep(0.1)


@contextlib.contextmanager
def local_api() -> Iterator[str]:
    """Serve Prefect's API on a free loopback port for the block; yields its URL.

    After a block that ends normally, the server stops once it has recorded its runs' task
    runs (an exception or exit stops it at once).
    """
    started = datetime.now(UTC)
    process, url = _serve()
    try:
        yield url
        await_recording(url, started)
    finally:
        _stop(process)


def settle_prefect() -> None:
    """Let the run's artifacts and Prefect's queued events reach the API while it is up.

    The monitor publishes artifacts after the flow returns, and Prefect sends events from
    a queue: both would otherwise be cut off when voc's own server stops.
    """
    from prefect.events.worker import EventsWorker

    from monitor.hooks import wait_for_publishing

    wait_for_publishing()
    # Its progress line ("Still processing items: 1 items remaining...") is no news here.
    logging.getLogger(EventsWorker.__name__).setLevel(logging.ERROR)
    EventsWorker.drain_all(timeout=5)


@contextlib.contextmanager
def prefect_api() -> Iterator[None]:
    """Prefect's configured API, or else a local server of voc's own for the block."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if PREFECT_API_URL.value():
        yield
        return
    with local_api() as url, temporary_settings(updates={PREFECT_API_URL: url}):
        yield
