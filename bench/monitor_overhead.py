"""What the monitor costs: the flow with the monitor on against the same flow with it off.

    .venv/bin/python -m bench.monitor_overhead [--pairs 10] [--pause 2] [--prefect-heartbeat]
        [--shared-store] [--bare-against-bare]

In one process (one temporary Prefect server), after a warm-up of each, it runs the
sixteen-agent flow on the sample with the offline provider `--pairs` times each way,
alternating: monitored (flow and task hooks, usage capture, SQLite store, artifacts)
and bare (no flow hooks, no task hooks, no listeners). Each run records into a new
SQLite store of its own, or with `--shared-store` all runs of a kind into one. As
`voc run` does before it starts the flow, the store is opened (and checked) before
each run, untimed: the flow's hooks and body find it open, in both modes. It
prints the median wall times and their ratio, and the median of the pairs' ratios;
the time spent in the monitor's hooks: per task state change, per listener call
(mean and p95, in µs) and per flow run at its start and end; the CPU time of the
run's writer and artifacts threads; how long after a monitored run's return its
artifacts were published (waited for before the next run starts, untimed, so that
work never lands in another run's time); and, beside them, Prefect's own cost per
task run and per task hook call.

It runs under the Prefect settings `voc run` gives (flows.prefect_defaults) where the
environment sets none: Prefect logs nothing below CRITICAL, so it makes no log record
around each hook call, and its temporary server records task runs in batches, not one
transaction per event on the cores the flow runs on. The flow's own listener (its count
of LLM requests out, flows.requests_out) stays on in bare runs: only the monitor is off.

Two things of Prefect's would otherwise decide the ratio, so the runs leave them out
unless asked. Prefect's flow-run heartbeat thread sleeps in 1 s steps and is joined
as the flow ends, which rounds every flow run up to whole seconds: 40 ms more can cost
a second, or nothing (`--prefect-heartbeat` keeps it). And right after a run of many
task runs, while the temporary server is still busy with them, the request creating
the next flow run now and then fails and Prefect's client retries it 2 s later: each
run starts `--pause` seconds after the one before (not timed). And a full garbage
collection of this process's heap takes ~250 ms, in whichever run crosses the collector's
threshold: with alternating runs, now in a monitored one, now in a bare one. Each run
starts after a full collection (not timed), so each starts from the same count.
"""

import argparse
import gc
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from flows.prefect_defaults import apply_prefect_defaults

apply_prefect_defaults()  # the settings `voc run` gives Prefect, before Prefect is imported

from prefect import Flow, Task, flow, task  # noqa: E402
from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings  # noqa: E402

from flows.requests_out import RequestsStarted  # noqa: E402
from flows.voice_of_customer import voice_of_customer  # noqa: E402
from monitor.hooks.artifacts import RunArtifacts, wait_for_publishing  # noqa: E402
from monitor.store import shared_store  # noqa: E402
from monitor.writer import StoreWriter  # noqa: E402
from tasks.observe import notify_task_state, observers  # noqa: E402

WINDOW = {"start": date(2026, 11, 16), "end": date(2026, 11, 22)}
HOOK_LISTS = ("on_running_hooks", "on_completion_hooks", "on_failure_hooks")
FLOW_HOOK_LISTS = (*HOOK_LISTS, "on_crashed_hooks", "on_cancellation_hooks")
LISTENER_LISTS = ("task_state", "llm_call", "before_llm_call")
MODES = ("monitored", "bare")


class Timed:
    """Wraps a callable and keeps the time each call took."""

    def __init__(self, fn: Callable, label: str | None = None) -> None:
        self.fn, self.ns = fn, []
        self.label = label or fn.__name__
        self.__name__ = fn.__name__  # Prefect logs (or, quieted, does not log) a hook by its name

    def __call__(self, *args: Any) -> Any:
        started = time.perf_counter_ns()
        try:
            return self.fn(*args)
        finally:
            self.ns.append(time.perf_counter_ns() - started)

    def summary(self, runs: int, label: str | None = None) -> str:
        label = label or self.label
        if not self.ns:
            return f"| {label} | 0 | | | |"
        us = sorted(n / 1000 for n in self.ns)
        p95 = us[min(len(us) - 1, int(0.95 * len(us)))]
        per_run = sum(us) / runs / 1000
        return (
            f"| {label} | {len(us) / runs:.0f} | {statistics.mean(us):,.0f} "
            f"| {p95:,.0f} | {per_run:,.1f} |"
        )


class ThreadCPU:
    """Wraps a thread's target (a method) and keeps the CPU time each thread spent in it."""

    def __init__(self, owner: type, name: str) -> None:
        self.label, self.seconds = f"{owner.__name__}.{name} thread CPU", []
        work = getattr(owner, name)

        def timed(obj: Any) -> None:
            started = time.thread_time()
            try:
                work(obj)
            finally:
                self.seconds.append(time.thread_time() - started)

        setattr(owner, name, timed)

    def summary(self, runs: int) -> str:
        per_run = 1000 * sum(self.seconds) / runs
        return f"| {self.label} | {len(self.seconds) / runs:.0f} | | | {per_run:,.1f} |"


def agent_tasks() -> list[Task]:
    """Every task whose state changes the monitor hears of (the agents, per-topic ones too)."""
    return [
        t
        for t in gc.get_objects()
        if isinstance(t, Task) and any(notify_task_state in getattr(t, n) for n in HOOK_LISTS)
    ]


def is_the_flows(listener: Callable) -> bool:
    """Whether a listener is the flow's own (its count of requests out), not the monitor's:
    a bare run keeps it, or its agents would start in another order."""
    return isinstance(listener, RequestsStarted)


def time_monitor(tasks: list[Task]) -> tuple[list[Timed], Timed, list[Timed], Flow]:
    """Timed wrappers around the listeners, the task hook and the flow hooks."""
    listeners = []
    for name in LISTENER_LISTS:
        wrapped = [fn if is_the_flows(fn) else Timed(fn) for fn in getattr(observers, name)]
        getattr(observers, name)[:] = wrapped
        listeners += [fn for fn in wrapped if isinstance(fn, Timed)]
    state_change = Timed(notify_task_state)
    for t in tasks:
        for name in HOOK_LISTS:
            hooks = getattr(t, name)
            hooks[:] = [state_change if h is notify_task_state else h for h in hooks]
    flow_hooks = {
        name: [Timed(h, f"flow {name[3:-6]}: {h.__name__}") for h in hooks]
        for name in FLOW_HOOK_LISTS
        if (hooks := getattr(voice_of_customer, name))
    }
    monitored = voice_of_customer.with_options()
    for name, hooks in flow_hooks.items():
        setattr(monitored, name, hooks)
    return listeners, state_change, [h for hs in flow_hooks.values() for h in hs], monitored


@contextmanager
def monitor_off(tasks: list[Task]) -> Iterator[Flow]:
    """The flow with no flow hooks, its tasks with no hooks, nobody listening."""
    saved_listeners = {n: list(getattr(observers, n)) for n in LISTENER_LISTS}
    saved_hooks = {(id(t), n): list(getattr(t, n)) for t in tasks for n in HOOK_LISTS}
    bare = voice_of_customer.with_options()
    for name in FLOW_HOOK_LISTS:  # with_options keeps the hooks when given empty lists
        setattr(bare, name, [])
    for name in LISTENER_LISTS:
        getattr(observers, name)[:] = [fn for fn in getattr(observers, name) if is_the_flows(fn)]
    for t in tasks:
        for name in HOOK_LISTS:
            getattr(t, name).clear()
    try:
        yield bare
    finally:
        for name, listeners in saved_listeners.items():
            getattr(observers, name)[:] = listeners
        for t in tasks:
            for name in HOOK_LISTS:
                getattr(t, name)[:] = saved_hooks[(id(t), name)]


def run_once(
    fn: Callable, out: Path, pause: float = 0, store: Path | None = None
) -> tuple[float, float]:
    """Wall and process CPU seconds of one flow run, started after `pause` seconds and a
    full garbage collection; its store is `store`, or a new one in its output directory,
    opened first as `voc run` opens it."""
    url = f"sqlite:///{store or out / 'voc.db'}"
    shared_store(url)
    time.sleep(pause)
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    state = fn(**WINDOW, output_dir=str(out), store=url, return_state=True)
    assert state.is_completed(), state
    return time.perf_counter() - wall, time.process_time() - cpu


def published_after() -> float:
    """Seconds until the last run's artifacts are published, counted from now (its return)."""
    started = time.perf_counter()
    assert wait_for_publishing(), "artifacts not published"
    return time.perf_counter() - started


def bare_run(
    tasks: list[Task], out: Path, pause: float = 0, store: Path | None = None
) -> tuple[float, float]:
    with monitor_off(tasks) as bare:
        return run_once(bare, out, pause, store)


# -- Prefect's own cost -------------------------------------------------------------------


@task
def noop(i: int) -> int:
    return i


def quiet_hook(task: Task, task_run: Any, state: Any) -> None:
    """A hook that does nothing: what is left is what Prefect spends calling it."""


def prefect_per_task(count: int, repeats: int = 5) -> dict[str, float]:
    """Seconds Prefect spends per no-op task run and per task hook call.

    Inside one flow, no-op tasks are called `count * repeats` times each way, in turn:
    without hooks, with a hook that does nothing, and with the monitor's hook; each
    call is timed from the flow's body (so the flow run's own start and end, and their
    noise, stay out), and each figure is the median call.
    """
    hooked = noop.with_options(on_running=[quiet_hook], on_completion=[quiet_hook])
    # The monitor's own task hook; no recorder knows this flow's run, so it returns at once.
    observed = noop.with_options(on_running=[notify_task_state], on_completion=[notify_task_state])
    variants = {"plain": noop, "hooked": hooked, "observed": observed}

    @flow
    def no_op_tasks() -> dict[str, list[float]]:
        times: dict[str, list[float]] = {name: [] for name in variants}
        for i in range(count * repeats):
            for name, fn in variants.items():  # call by call in turn: load drifts alike
                started = time.perf_counter()
                fn(i)
                times[name].append(time.perf_counter() - started)
        return times

    no_op_tasks()  # warm-up
    per_task = {name: statistics.median(runs) for name, runs in no_op_tasks().items()}
    return {
        "task run": per_task["plain"],
        "hook call": (per_task["hooked"] - per_task["plain"]) / 2,
        "monitor hook call": (per_task["observed"] - per_task["plain"]) / 2,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10)
    parser.add_argument(
        "--pause",
        type=float,
        default=2.0,
        help="seconds before each run, so it starts on a Prefect server that is done with "
        "the last run's events (a busy server answers a new flow run with a 2 s retry)",
    )
    parser.add_argument(
        "--prefect-heartbeat",
        action="store_true",
        help="keep Prefect's flow-run heartbeat: its thread sleeps in 1 s steps and is joined "
        "as the flow ends, which rounds every flow run up to whole seconds",
    )
    parser.add_argument(
        "--shared-store",
        action="store_true",
        help="every run of a kind records into one store, opened once in the process (as "
        "a worker that runs many flows would), not into a new store of its own",
    )
    parser.add_argument(
        "--bare-against-bare",
        action="store_true",
        help="both runs of every pair bare: the spread of the ratios when there is nothing "
        "to measure, this machine's resolution",
    )
    args = parser.parse_args()
    settings = {} if args.prefect_heartbeat else {PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}
    tasks = agent_tasks()
    with temporary_settings(updates=settings), tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        stores = {kind: root / f"{kind}.db" if args.shared_store else None for kind in MODES}
        run_once(voice_of_customer, root / "warm-monitored", store=stores["monitored"])
        bare_run(tasks, root / "warm-bare", store=stores["bare"])
        listeners, state_change, flow_hooks, monitored_flow = time_monitor(tasks)
        threads = [ThreadCPU(StoreWriter, "_work"), ThreadCPU(RunArtifacts, "_work")]
        monitored, bare, publishing = [], [], []
        for i in range(args.pairs):
            out = root / f"monitored-{i}"
            if args.bare_against_bare:
                monitored.append(bare_run(tasks, out, args.pause, stores["monitored"]))
            else:
                monitored.append(run_once(monitored_flow, out, args.pause, stores["monitored"]))
                publishing.append(published_after())
            bare.append(bare_run(tasks, root / f"bare-{i}", args.pause, stores["bare"]))
        if args.bare_against_bare:
            print("both sides bare: 'monitored' below is a second bare run of each pair")
        report(args.pairs, monitored, bare, state_change, listeners, flow_hooks)
        if not publishing:
            return
        print(
            f"| artifacts published after the flow returned (median) | 1 | | | "
            f"{1000 * statistics.median(publishing):,.1f} |"
        )
        for thread in threads:
            print(thread.summary(args.pairs))
        print_prefect_costs(len(state_change.ns) // (2 * args.pairs))


def report(
    pairs: int,
    monitored: list[tuple[float, float]],
    bare: list[tuple[float, float]],
    state_change: Timed,
    listeners: list[Timed],
    flow_hooks: list[Timed],
) -> None:
    m_wall, b_wall = (statistics.median(w for w, _ in runs) for runs in (monitored, bare))
    m_cpu, b_cpu = (statistics.median(c for _, c in runs) for runs in (monitored, bare))
    print(f"pairs: {pairs}")
    print(f"monitored wall: {' '.join(f'{w:.3f}' for w, _ in monitored)}")
    print(f"bare wall:      {' '.join(f'{w:.3f}' for w, _ in bare)}")
    print("| | median wall | ratio | median process CPU | ratio |\n|---|---|---|---|---|")
    print(f"| bare | {b_wall:.3f} s | | {b_cpu:.3f} s | |")
    print(
        f"| monitored | {m_wall:.3f} s | **{m_wall / b_wall:.3f}** "
        f"| {m_cpu:.3f} s | {m_cpu / b_cpu:.3f} |"
    )
    # Each pair ran back to back: a drift in the machine's load moves both of its runs.
    pair_ratios = [m / b for (m, _), (b, _) in zip(monitored, bare, strict=True)]
    print(f"pair ratios: {' '.join(f'{r:.3f}' for r in pair_ratios)}")
    print(f"median of the pair ratios: {statistics.median(pair_ratios):.3f}")
    task_runs = len(state_change.ns) // (2 * pairs)  # running + completed
    print(f"\ntask runs per flow run: {task_runs}\n")
    print("| monitor code | calls per run | mean µs | p95 µs | ms per run |\n|---|---|---|---|---|")
    print(state_change.summary(pairs, "task hook (per state change, all listeners)"))
    for timed in [*listeners, *flow_hooks]:
        print(timed.summary(pairs))


def print_prefect_costs(task_runs: int) -> None:
    costs = prefect_per_task(task_runs)
    per_task, per_hook, ours = costs["task run"], costs["hook call"], costs["monitor hook call"]
    hook_calls = 2 * task_runs
    print(
        f"\nPrefect's own cost per no-op task run: {per_task * 1e6:,.0f} µs "
        f"(x {task_runs} = {per_task * task_runs * 1000:,.0f} ms per flow run)"
    )
    print(
        f"Prefect's own cost per task hook call (a hook that does nothing): "
        f"{per_hook * 1e6:,.0f} µs (x {hook_calls} = {per_hook * hook_calls * 1000:,.0f} ms)"
    )
    print(
        f"the monitor's task hook on a run it does not record (its log lines dropped): "
        f"{ours * 1e6:,.0f} µs per call"
    )


if __name__ == "__main__":
    main()
