"""Agent-event and LLM-call rows per second into the results store, through its real API.

    .venv/bin/python -m bench.store_throughput [--database sqlite|postgresql|both]
        [--writes 8000] [--calls-per-agent 20]

Each writer records one run the way the monitor's hooks do: for agent after agent,
`agent_started`, `--calls-per-agent` LLM calls, `agent_finished`; each of those is one
"write" (an agent-run or LLM-call row, plus its row in the event log). Three ways:

- unbatched: the `ResultsStore` methods called one after another, one transaction
  each (what `StoreWriter` did before it batched);
- batched: handed to a `StoreWriter`, which writes what queued up in one transaction;
- bulk: as batched, but an agent's calls go as one `record_llm_calls` list.

With 1 writer, and with 4 writers at once, each its own run: as 4 processes (one
engine each, as 4 workers of a deployment) and as 4 threads of one process (one
engine, one `StoreWriter` each, as 4 runs in one worker). A fresh store for each
figure: a new SQLite file (WAL), or a new PostgreSQL database on 127.0.0.1:5432.
The clock runs from the writers' common start to the last write committed.
"""

import argparse
import multiprocessing
import threading
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from bench.dashboard_server import machine
from bench.store_fill import AGENTS, scratch_store_url
from monitor.store import ResultsStore
from monitor.store.schema import agent_runs, events, llm_calls
from monitor.writer import StoreWriter
from tasks.llm.types import LLMCall, Usage

MODES = ("unbatched", "batched", "bulk")
TARGET = 20_000  # writes per second, one writer, SQLite, batched


def planned_writes(writes: int, calls_per_agent: int) -> int:
    """How many writes `plan` makes: whole agents, so `writes` rounded up."""
    per_agent = calls_per_agent + 2
    return -(-writes // per_agent) * per_agent


def plan(run_id: str, writes: int, calls_per_agent: int, bulk: bool) -> list[tuple[str, tuple]]:
    """(method, args) for `writes` agent-run and LLM-call rows of one run."""
    ops: list[tuple[str, tuple]] = []
    n = 0
    while n < writes:
        key = f"{AGENTS[n % len(AGENTS)]}[{n}]"
        task_run_id = f"{run_id}-{key}"
        calls = [_call(attempt + 1) for attempt in range(calls_per_agent)]
        ops.append(("agent_started", (run_id, key, task_run_id)))
        if bulk:
            ops.append(("record_llm_calls", (run_id, key, task_run_id, calls)))
        else:
            ops += [("record_llm_call", (run_id, key, task_run_id, *call)) for call in calls]
        ops.append(("agent_finished", (run_id, key, "completed")))
        n += calls_per_agent + 2
    return ops


def _call(attempt: int) -> tuple[LLMCall, Decimal]:
    usage = Usage(1000, 100)
    return LLMCall("openai", "gpt-4o-mini", "bench", usage, 450.0, attempt), Decimal("0.000210")


def write_run(
    store: ResultsStore, mode: str, writes: int, calls_per_agent: int, start: Callable[[], Any]
) -> tuple[float, float]:
    """One run's writes in `mode`, after `start()` returns; (began, ended) monotonic."""
    run_id = str(uuid.uuid4())
    store.start_run({"id": run_id, "command": "bench", "agents_total": len(AGENTS)})
    planned = plan(run_id, writes, calls_per_agent, bulk=mode == "bulk")
    ops = [(getattr(store, name), args) for name, args in planned]
    start()
    began = time.monotonic()
    if mode == "unbatched":
        for write, args in ops:
            write(*args)
    else:
        writer = StoreWriter(f"bench-{run_id}")
        for write, args in ops:
            writer.submit(write, *args)
        writer.close()
    return began, time.monotonic()


def _process(url: str, mode: str, writes: int, calls: int, barrier: Any, out: Any) -> None:
    store = ResultsStore(url)
    out.put(write_run(store, mode, writes, calls, barrier.wait))
    store.engine.dispose()


def in_processes(url: str, mode: str, writers: int, writes: int, calls: int) -> float:
    """Seconds from the common start to the last writer's end."""
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(writers), ctx.Queue()
    procs = [
        ctx.Process(target=_process, args=(url, mode, writes, calls, barrier, out))
        for _ in range(writers)
    ]
    for proc in procs:
        proc.start()
    spans = [out.get(timeout=900) for _ in procs]
    for proc in procs:
        proc.join()
    return max(end for _, end in spans) - min(began for began, _ in spans)


def in_threads(url: str, mode: str, writers: int, writes: int, calls: int) -> float:
    store = ResultsStore(url)
    barrier = threading.Barrier(writers)
    spans: list[tuple[float, float]] = []

    def one() -> None:
        spans.append(write_run(store, mode, writes, calls, barrier.wait))

    threads = [threading.Thread(target=one) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    store.engine.dispose()
    return max(end for _, end in spans) - min(began for began, _ in spans)


def rows_written(url: str) -> tuple[int, int, int]:
    """(agent-run rows, LLM-call rows, events) in the store: nothing lost on the way."""
    store = ResultsStore(url)
    with store.engine.connect() as conn:
        tables = (agent_runs, llm_calls, events)
        counts = tuple(conn.scalar(select(func.count()).select_from(t)) for t in tables)
    store.engine.dispose()
    return counts  # type: ignore[return-value]


def bench(database: str, writes: int, calls: int, only_one: bool) -> None:
    print(f"\n{machine()}\n\n{database}: {writes:,} writes per writer\n")
    print("| writers | mode | seconds | writes/s | rows/s incl. event log | rows checked |")
    print("|---|---|---:|---:|---:|---|")
    setups = [("1", in_threads, 1), ("4 processes", in_processes, 4), ("4 threads", in_threads, 4)]
    if only_one:
        setups = setups[:1]
    for label, run, writers in setups:
        for mode in MODES:
            with scratch_store_url(database) as url:
                ResultsStore(url).engine.dispose()  # schema made before the clock starts
                seconds = run(url, mode, writers, writes, calls)
                agents, llm, logged = rows_written(url)
            total = agents + llm  # each agent row was written twice: started, finished
            expected = writers * planned_writes(writes, calls)
            written = 2 * agents + llm
            check = "ok" if written == expected and logged == expected + writers else "**LOST**"
            print(
                f"| {label} | {mode} | {seconds:.2f} | {expected / seconds:,.0f} "
                f"| {(expected + logged) / seconds:,.0f} | {check} ({total:,} rows) |",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--writes", type=int, default=8000, help="per writer")
    parser.add_argument("--calls-per-agent", type=int, default=20)
    parser.add_argument("--one-writer", action="store_true", help="only the 1-writer lines")
    args = parser.parse_args()
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    for database in databases:
        bench(database, args.writes, args.calls_per_agent, args.one_writer)


if __name__ == "__main__":
    main()
