"""Running the flow from `voc`: a Prefect API for it, live progress, clean interrupts.

`execute` is what `voc run` and `voc resume` share: it brings up Prefect's API when none is
configured (flows.local_api), shows the agents finishing, lets the monitor's last writes
reach the store and Prefect, and ends a run stopped by a signal `cancelled`
(flows.interrupts).
"""

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.live import Live
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from flows.interrupts import Interrupted, stopping_on_signals
from flows.local_api import prefect_api, settle_prefect
from flows.terminal import console, errors, fail, print_run
from monitor.store import ResultsStore, StoreError, display_url

#: How long an interrupted run waits for the monitor's last writes before it exits.
INTERRUPTED_WAIT_S = 10.0


def watch_progress(store: ResultsStore, since: datetime, stop: threading.Event) -> None:
    """Show the newest run's agents finishing, read from the store, until `stop` is set."""
    progress = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
    )
    bar = progress.add_task("starting Prefect…", total=16)
    with Live(progress, console=console, transient=True, refresh_per_second=8):
        while not stop.wait(0.2):
            newest = store.runs(limit=1)
            if not newest or newest[0]["started_at"] < since:
                continue
            run = store.run(newest[0]["id"])
            running = [a["key"] for a in run["agents"] if a["status"] == "running"]
            label = ", ".join(running[:3]) + (" …" if len(running) > 3 else "")
            progress.update(
                bar,
                completed=run["agents_done"],
                total=run["agents_total"],
                description=f"agents {label or 'waiting'}",
            )


@contextlib.contextmanager
def progress_shown(store: ResultsStore) -> Iterator[None]:
    """While the block runs, show the agents of each run it starts finishing (`voc run`,
    `voc resume`, `voc eval`); gone before anything after the block prints."""
    stop = threading.Event()
    since = datetime.now().astimezone()
    watcher = threading.Thread(target=watch_progress, args=(store, since, stop), daemon=True)
    watcher.start()
    try:
        yield
    finally:
        stop.set()
        watcher.join()


def execute(results: ResultsStore, **parameters: Any) -> None:
    """Run the flow with a live progress bar, then print its cost table; exit 1 if it failed.

    Without a Prefect server configured, the run gets a local one of its own (see
    flows.local_api). Ctrl-C or SIGTERM ends it `cancelled` (see flows.interrupts).
    """
    try:
        results.check_writable()
    except StoreError as exc:
        fail(str(exc))
    began = datetime.now().astimezone()
    with stopping_on_signals(), prefect_api():
        from flows.voice_of_customer import voice_of_customer

        start_traces()
        try:
            with progress_shown(results):
                state = voice_of_customer(**parameters, return_state=True)
        except Interrupted as interrupted:
            end_interrupted(results, began, interrupted)
        settle_prefect()
    finished = results.run(str(state.state_details.flow_run_id))
    if finished["status"] == "running":  # the flow ended, but the store did not take it
        fail(
            f"run {finished['id'][:8]} ended {state.name.lower()}, but its last status could "
            f"not be saved to the results store {display_url(results.url)}; it shows as it "
            "was last recorded",
            1,
        )
    print_run(finished)
    if finished["output_dir"]:
        console.print(
            f"Files: {home_relative(finished['output_dir'])}", soft_wrap=True, markup=False
        )
    if finished["status"] != "completed":
        failed = [a for a in finished["agents"] if a["status"] == "failed"]
        reason = f"agent {failed[0]['key']}: {failed[0]['error']}" if failed else finished["error"]
        fail(f"run {finished['status']}: {reason}", 1)


def start_traces() -> None:
    """Export the run's trace if OTEL_EXPORTER_OTLP_ENDPOINT (or a block) says where; exit 2
    on a setting that cannot be used, before the run starts."""
    from monitor import traces

    try:
        traces.start()
    except traces.TraceSettingsError as exc:
        fail(str(exc))


def home_relative(path: str) -> str:
    """`path` with the user's home written `~`, as a shell would let it be typed."""
    home = Path.home()
    return f"~/{Path(path).relative_to(home)}" if Path(path).is_relative_to(home) else path


def end_interrupted(results: ResultsStore, began: datetime, interrupted: Interrupted) -> None:
    """Record this process's run cancelled with the signal's reason, say so, and exit now.

    The agents' threads may be inside LLM calls that will never be answered: exiting
    without waiting for them is the point. What they already spent is recorded.
    """
    from monitor import traces
    from monitor.hooks import wait_for_publishing

    wait_for_publishing(INTERRUPTED_WAIT_S)  # the monitor's last writes first, then ours
    mine = [r for r in results.runs(5) if r["pid"] == os.getpid() and r["started_at"] >= began]
    if mine and results.cancel_run(mine[0]["id"], interrupted.reason):
        short = mine[0]["id"][:8]
        message = f"run {short} cancelled: {interrupted.reason}; `voc resume {short}` continues it"
    else:
        message = f"{interrupted.reason}: no run was recorded"
    errors.print(f"voc: {message}", markup=False, highlight=False, soft_wrap=True)
    traces.flush()  # os._exit skips the exporter's own exit hook
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(interrupted.exit_code)
