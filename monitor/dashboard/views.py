"""What the JSON endpoints answer: store reads shaped for the page, in stable JSON.

Stable JSON is `monitor.stable_json.jsonable`'s: ids as strings, money as decimal
strings in USD, times in ISO 8601. Per-agent rows are `monitor.breakdown`'s, the
same the CLI's cost table shows, with each agent's place on the run's time axis.
"""

from datetime import datetime
from typing import Any

from monitor.breakdown import agent_breakdown
from monitor.links import flow_run_url
from monitor.stable_json import jsonable
from monitor.store import ResultsStore


def agent_rows(run: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per agent (per-topic runs folded in), with when it started and ended.

    An agent with several task runs spans from the first start to the last end, and
    has not ended while any of them still runs.
    """
    rows = agent_breakdown(run)
    spans: dict[str, dict[str, Any]] = {}
    for agent in run["agents"]:
        span = spans.setdefault(agent["agent"], {"starts": [], "ends": [], "keys": []})
        span["keys"].append(agent)
        if agent["started_at"]:
            span["starts"].append(agent["started_at"])
        span["ends"].append(agent["ended_at"] if agent["status"] != "running" else None)
    for row in rows:
        span = spans[row["agent"]]
        row["started_at"] = min(span["starts"], default=None)
        ends: list[datetime | None] = span["ends"]
        row["ended_at"] = None if None in ends or not ends else max(ends)
        row["topic_runs"] = [
            {k: a[k] for k in ("key", "status", "duration_s", "calls", "cost", "error")}
            for a in span["keys"]
            if a["key"] != a["agent"]
        ]
    return rows


def run_detail(store: ResultsStore, run_id: str, prefect_ui_url: str | None) -> dict[str, Any]:
    """A run with its agent rows, the agents still to come, and where its live events start.

    `last_event_id` is read before the run: every event after it is newer than what
    the snapshot may show, so the page applies those and no change falls between.
    """
    last_event_id = store.last_event_id(run_id)
    run = store.run(run_id)
    run["breakdown"] = agent_rows(run)
    run["expected_agents"] = store.agent_order(run["command"])
    run["last_event_id"] = str(last_event_id)
    run["prefect_url"] = flow_run_url(prefect_ui_url, run_id) if prefect_ui_url else None
    return jsonable(run)
