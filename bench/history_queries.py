"""The history queries, timed in process, on a store of 10,000 runs and 1,000,000 LLM calls.

    .venv/bin/python -m bench.history_queries [--database sqlite|postgresql|both]
        [--runs 10000] [--calls-per-run 100] [--repeat 100]

Fills a fresh store (a SQLite file, or a PostgreSQL database of its own on
127.0.0.1:5432, dropped afterwards) in bulk, then times each `ResultsStore` read the
CLI and dashboard make for their history views, `--repeat` calls each after a few to
warm up: the 50 newest runs, one run's detail (alone and with what the run page adds),
one run's LLM calls (the CSV export), the statistics, and the 12-week comparison.
`metrics()` (the Prometheus scrape) is timed too, outside the target.
"""

import argparse
import random
import time
from collections.abc import Callable
from typing import Any

from bench.dashboard_server import machine, percentile
from bench.store_fill import fill, scratch_store_url
from monitor.store import ResultsStore

TARGET_MS = 50.0


def queries(store: ResultsStore) -> list[tuple[str, Callable[[], Any], bool]]:
    """(name, call, under the target) for each read; run ids vary from call to call."""
    ids = [row["id"] for row in store.runs(limit=10_000)]
    pick = random.Random(8).choice

    def run_page() -> None:  # what monitor/dashboard/views.py asks for a run's page
        run_id = pick(ids)
        store.last_event_id(run_id)
        store.agent_order(store.run(run_id)["command"])

    return [
        ("runs(50): recent runs", lambda: store.runs(50), True),
        ("run(id): run detail", lambda: store.run(pick(ids)), True),
        ("run page: run + last_event_id + agent_order", run_page, True),
        ("llm_calls(run_id): a run's calls", lambda: store.llm_calls(pick(ids)), True),
        ("stats()", store.stats, True),
        ("compare(12)", lambda: store.compare(12), True),
        ("metrics() (not in the target)", store.metrics, False),
    ]


def timed(call: Callable[[], Any], repeat: int) -> list[float]:
    for _ in range(3):
        call()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def bench(database: str, runs: int, calls_per_run: int, repeat: int) -> None:
    with scratch_store_url(database) as url:
        store = ResultsStore(url)
        began = time.perf_counter()
        fill(store, runs, calls_per_run)
        filled = time.perf_counter() - began
        print(f"\n{machine()}")
        print(
            f"{database}: {runs:,} runs, {runs * 16:,} agent rows, "
            f"{runs * calls_per_run:,} LLM calls (filled in {filled:.0f} s)\n"
        )
        print("| query | calls | p50 ms | p95 ms | p99 ms | max ms | p95 < 50 ms |")
        print("|---|---:|---:|---:|---:|---:|---|")
        for name, call, in_target in queries(store):
            times = timed(call, repeat if in_target else max(10, repeat // 10))
            p95 = percentile(times, 95)
            verdict = ("yes" if p95 < TARGET_MS else "**no**") if in_target else "-"
            print(
                f"| `{name}` | {len(times)} | {percentile(times, 50):.1f} | {p95:.1f} "
                f"| {percentile(times, 99):.1f} | {max(times):.1f} | {verdict} |",
                flush=True,
            )
        store.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--calls-per-run", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=100)
    args = parser.parse_args()
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    for database in databases:
        bench(database, args.runs, args.calls_per_run, args.repeat)


if __name__ == "__main__":
    main()
