"""`GET /api/runs` (the last 50 runs), and the other reads, with 10,000 runs in the store.

    .venv/bin/python bench/dashboard_api_runs.py [--runs 10000] [--calls-per-run 36]
        [--requests 500] [--store URL]

Fills a fresh SQLite file (or --store, which must be empty) with runs shaped like
real ones: 16 agent rows and `--calls-per-run` LLM calls each, then asks a real
`voc dashboard` process for the history page's list (and then a run, the 12-week
comparison, the statistics and /metrics), one request after another over one
keep-alive connection, timing each from request to parsed body.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.dashboard_server import dashboard, machine, percentile  # noqa: E402
from bench.store_fill import fill  # noqa: E402
from monitor.store import ResultsStore  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--calls-per-run", type=int, default=36)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--store", default=None, help="an empty store's SQLAlchemy URL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.store or f"sqlite:///{tmp}/voc.db"
        store = ResultsStore(url)
        began = time.perf_counter()
        fill(store, args.runs, args.calls_per_run)
        filled = time.perf_counter() - began
        print(f"Machine: {machine()}")
        print(
            f"Store: {store.engine.dialect.name}, {args.runs:,} runs, {args.runs * 16:,} agent "
            f"rows, {args.runs * args.calls_per_run:,} LLM calls (filled in {filled:.0f} s)\n"
        )
        with dashboard(url, Path(tmp)) as base, httpx.Client(base_url=base, timeout=60) as http:
            newest = http.get("api/runs", params={"limit": 1}).json()[0]["id"]
            others = [f"api/runs/{newest}", "api/compare?weeks=12", "api/stats", "metrics"]
            rows = [("api/runs", args.requests)] + [(path, 50) for path in others]
            print("| endpoint | requests | p50 ms | p95 ms | p99 ms | max ms |")
            print("|---|---:|---:|---:|---:|---:|")
            for path, count in rows:
                times = timed(http, path, count)
                print(
                    f"| `/{path.replace(newest, '{id}')}` | {count} | {percentile(times, 50):.1f} "
                    f"| {percentile(times, 95):.1f} | {percentile(times, 99):.1f} "
                    f"| {max(times):.1f} |",
                    flush=True,
                )


def timed(http: httpx.Client, path: str, count: int) -> list[float]:
    """Milliseconds for each of `count` requests (after a few to warm up), to parsed body."""
    for _ in range(5):
        http.get(path).raise_for_status()
    times = []
    for _ in range(count):
        t0 = time.perf_counter()
        answer = http.get(path)
        answer.json() if "json" in answer.headers["content-type"] else answer.text
        times.append((time.perf_counter() - t0) * 1000)
    return times


if __name__ == "__main__":
    main()
