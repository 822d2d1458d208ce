"""How long an agent's state change takes to reach connected SSE clients.

    .venv/bin/python bench/dashboard_sse_latency.py [--clients 1 10 50] [--changes 100]
        [--store URL]

A real `voc dashboard` process serves a store (a fresh SQLite file unless --store);
N clients follow one run's `/api/runs/{id}/events`. This process writes agent state
changes through `ResultsStore.agent_started`, one every 150-250 ms (jittered, so the
writes do not lock step with the dashboard's 100 ms poll), and each client notes when
the change arrives. Latency = arrival - the moment before the write began, so it
includes the write's own commit. Clients and writer share this process's clock.
"""

import argparse
import asyncio
import random
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.dashboard_server import dashboard, machine, percentile  # noqa: E402
from monitor.store import ResultsStore  # noqa: E402


async def follow(http: httpx.AsyncClient, path: str, ready, arrivals: dict, stop) -> None:
    """One client: note the arrival time of every agent event by its key."""
    async with http.stream("GET", path, timeout=httpx.Timeout(60, read=60)) as response:
        lines = response.aiter_lines()
        while (await anext(lines)) != "":  # the preamble: subscribed from here on
            pass
        ready.release()
        async for line in lines:
            if line.startswith("data:") and '"agent"' in line:
                key = line.split('"key": "', 1)[1].split('"', 1)[0]
                arrivals.setdefault(key, []).append(time.perf_counter())
            if stop.is_set():
                return


async def measure(url: str, store: ResultsStore, clients: int, changes: int) -> list[float]:
    run_id = str(uuid.uuid4())
    store.start_run(
        {"id": run_id, "command": "bench", "window_start": date(2026, 11, 16), "agents_total": 16}
    )
    arrivals: dict[str, list[float]] = {}
    ready = asyncio.Semaphore(0)
    stop = asyncio.Event()
    limits = httpx.Limits(max_connections=clients + 5)
    async with httpx.AsyncClient(base_url=url, limits=limits) as http:
        path = f"api/runs/{run_id}/events"
        tasks = [
            asyncio.create_task(follow(http, path, ready, arrivals, stop)) for _ in range(clients)
        ]
        for _ in range(clients):
            await ready.acquire()
        sent: dict[str, float] = {}

        def write(key: str) -> None:
            sent[key] = time.perf_counter()
            store.agent_started(run_id, key, key)

        for n in range(changes):
            await asyncio.to_thread(write, f"agent{n}")
            await asyncio.sleep(0.15 + random.random() * 0.1)
        await asyncio.sleep(1.0)
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    latencies = [(t - sent[key]) * 1000 for key, times in arrivals.items() for t in times]
    missing = clients * changes - len(latencies)
    assert missing == 0, f"{missing} deliveries missing"
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--changes", type=int, default=100)
    parser.add_argument("--store", default=None, help="SQLAlchemy URL (default: a new SQLite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.store or f"sqlite:///{tmp}/voc.db"
        store = ResultsStore(url)
        print(f"Machine: {machine()}")
        print(f"Store: {store.engine.dialect.name}; {args.changes} state changes per row\n")
        print("| clients | deliveries | p50 ms | p95 ms | p99 ms | max ms |")
        print("|---:|---:|---:|---:|---:|---:|")
        with dashboard(url, Path(tmp)) as base:
            for clients in args.clients:
                ms = asyncio.run(measure(base, store, clients, args.changes))
                print(
                    f"| {clients} | {len(ms)} | {percentile(ms, 50):.1f} | "
                    f"{percentile(ms, 95):.1f} | {percentile(ms, 99):.1f} | {max(ms):.1f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
