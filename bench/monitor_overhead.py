"""What the monitor costs: the flow with the monitor on against the same flow with it off.

    .venv/bin/python -m bench.monitor_overhead [--pairs 10]

In one process (one temporary Prefect server), after a warm-up of each, it runs the
sixteen-agent flow on the sample with the offline provider `--pairs` times each way,
alternating: monitored (hooks, usage capture, SQLite store, artifacts) and bare (no
flow hooks, no listeners). It prints the median wall times and their ratio, the time
spent inside the monitor's listeners per call, and, beside it, Prefect's own cost per
task: a flow of as many no-op tasks as the pipeline has task runs.
"""

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from prefect import flow, task

from flows.voice_of_customer import voice_of_customer
from tasks.observe import observers

WINDOW = {"start": date(2026, 11, 16), "end": date(2026, 11, 22)}
NO_HOOKS = dict.fromkeys(
    ["on_running", "on_completion", "on_failure", "on_crashed", "on_cancellation"], []
)


class Timed:
    """Wraps a listener and adds up the time spent in it."""

    def __init__(self, fn: Callable) -> None:
        self.fn, self.calls, self.ns = fn, 0, 0

    def __call__(self, *args: Any) -> None:
        started = time.perf_counter_ns()
        try:
            self.fn(*args)
        finally:
            self.ns += time.perf_counter_ns() - started
            self.calls += 1


def timed_listeners() -> list[Timed]:
    """Replace every monitor listener by a timed wrapper; returns the wrappers."""
    wrappers = []
    for name in ("task_state", "llm_call", "before_llm_call"):
        listeners = getattr(observers, name)
        wrapped = [Timed(fn) for fn in listeners]
        listeners[:] = wrapped
        wrappers += wrapped
    return wrappers


def run_once(fn: Callable, out: Path) -> float:
    started = time.perf_counter()
    state = fn(
        **WINDOW, output_dir=str(out), store=f"sqlite:///{out / 'voc.db'}", return_state=True
    )
    assert state.is_completed(), state
    return time.perf_counter() - started


def bare_run(out: Path) -> float:
    """The same flow with no flow hooks and no listeners."""
    saved = {n: list(getattr(observers, n)) for n in ("task_state", "llm_call", "before_llm_call")}
    for name in saved:
        getattr(observers, name).clear()
    try:
        return run_once(voice_of_customer.with_options(**NO_HOOKS), out)
    finally:
        for name, listeners in saved.items():
            getattr(observers, name)[:] = listeners


@task
def noop(i: int) -> int:
    return i


def prefect_per_task(count: int) -> float:
    """Seconds Prefect spends per no-op task run, the empty flow's time taken off."""

    @flow
    def many() -> None:
        for i in range(count):
            noop(i)

    @flow
    def empty() -> None:
        pass

    many()
    empty()
    with_tasks = statistics.median(timeit(many) for _ in range(3))
    without = statistics.median(timeit(empty) for _ in range(3))
    return (with_tasks - without) / count


def timeit(fn: Callable) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        run_once(voice_of_customer, root / "warm-monitored")
        bare_run(root / "warm-bare")
        wrappers = timed_listeners()
        monitored, bare = [], []
        for i in range(args.pairs):
            monitored.append(run_once(voice_of_customer, root / f"monitored-{i}"))
            bare.append(bare_run(root / f"bare-{i}"))
    task_runs = sum(w.calls for w in wrappers if w.fn.__name__ == "on_task_state")
    task_runs //= 2 * args.pairs  # running + completed, per run
    m, b = statistics.median(monitored), statistics.median(bare)
    print(f"monitored median {m:.3f} s, bare median {b:.3f} s, ratio {m / b:.3f}")
    print(f"task runs per flow run: {task_runs}")
    for w in wrappers:
        per = w.ns / w.calls / 1000 if w.calls else 0
        print(f"listener {w.fn.__name__}: {w.calls} calls, {per:.0f} µs each")
    print(f"Prefect's own cost per no-op task: {prefect_per_task(task_runs) * 1e6:.0f} µs")


if __name__ == "__main__":
    main()
