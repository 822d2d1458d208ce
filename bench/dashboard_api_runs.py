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
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.dashboard_server import dashboard, machine, percentile  # noqa: E402
from monitor.schema import agent_runs, llm_calls, runs  # noqa: E402
from monitor.store import ResultsStore  # noqa: E402

AGENTS = [
    "load_conversations", "preprocess", "segmentation", "topic_detection",
    "sub_topic_detection", "topic_sentiment", "example_quotes", "fin_performance",
    "correlation", "quality_insights", "churn_risk", "confidence", "trend", "validation",
    "output_formatting", "gamma_presentation",
]  # fmt: skip
CHUNK = 5000


def fill(store: ResultsStore, count: int, calls_per_run: int) -> None:
    """`count` completed runs, a day apart, with their agents and calls, in bulk."""
    start = datetime(2000, 1, 1, tzinfo=UTC)
    run_rows, agent_rows, call_rows = [], [], []

    tables = ((runs, run_rows), (agent_runs, agent_rows), (llm_calls, call_rows))

    def flush(force: bool = False) -> None:
        if not force and len(call_rows) + len(agent_rows) < CHUNK:
            return
        with store.engine.begin() as conn:  # runs first: the others refer to them
            for table, rows in tables:
                if rows:
                    conn.execute(insert(table), rows)
                    rows.clear()

    for n in range(count):
        run_id = str(uuid.uuid4())
        began = start + timedelta(hours=n)
        window = date(2000, 1, 3) + timedelta(days=n)
        run_rows.append(
            {
                "id": run_id, "command": "voice-of-customer", "status": "completed",
                "window_start": window, "window_end": window + timedelta(days=6),
                "source": "sample", "provider": "openai", "model": "gpt-4o-mini",
                "parameters": {"source": "sample"}, "output_dir": f"/srv/voc/run-{n}",
                "summary": {"conversations": 180, "topic_mix": {"Billing": 60.0, "Bugs": 40.0}},
                "agents_total": 16, "started_at": began, "ended_at": began + timedelta(seconds=3),
            }
        )  # fmt: skip
        for i, agent in enumerate(AGENTS):
            agent_rows.append(
                {
                    "run_id": run_id, "key": agent, "agent": agent, "status": "completed",
                    "attempts": 1, "started_at": began + timedelta(milliseconds=100 * i),
                    "ended_at": began + timedelta(milliseconds=100 * i + 90),
                }
            )  # fmt: skip
        for c in range(calls_per_run):
            agent = AGENTS[3 + c % 9]
            call_rows.append(
                {
                    "run_id": run_id, "agent_key": agent, "agent": agent, "provider": "openai",
                    "model": "gpt-4o-mini", "purpose": "bench", "input_tokens": 900,
                    "output_tokens": 200, "cached_tokens": 0, "estimated": False,
                    "latency_ms": 450.0, "attempt": 1, "cost": Decimal("0.000255"),
                    "error": None, "created_at": began + timedelta(seconds=1),
                }
            )  # fmt: skip
        flush()
    flush(force=True)
    if store.engine.dialect.name == "postgresql":
        # What autovacuum does on a store that grew week by week; straight after a bulk
        # load, the planner would still think the tables tiny and scan them whole.
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")


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
