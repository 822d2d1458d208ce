"""How the store's rows are shown: run and agent views, and the live log's line for a call.

What lives here: the shaping the reads (reads.py) and the event log (writes.py) share:
times handed back in UTC, durations in seconds, an agent's totals (zero when it made no
call), and the one-line log message an LLM call becomes. No SQL: rows in, dicts out.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from monitor.store.schema import TOTALS, utc


def call_log(call: dict[str, Any]) -> dict[str, Any]:
    """The live log's line for one LLM call's row: what it used and cost, or why it failed."""
    key = call["agent_key"]
    where = f"{call['provider']}/{call['model']} {call['purpose']} (attempt {call['attempt']})"
    if call["error"]:
        return {"level": "warning", "key": key, "message": f"{where}: {call['error']}"}
    used = f"{call['input_tokens']:,} in, {call['output_tokens']:,} out, ${call['cost']:f}"
    return {"level": "info", "key": key, "message": f"{where}: {used}"}


def seconds_between(start: datetime | None, end: datetime | None) -> float | None:
    """Seconds from `start` to `end`, to the millisecond; None when either is missing."""
    if start is None or end is None:
        return None
    return round((utc(end) - utc(start)).total_seconds(), 3)


def empty_totals() -> dict[str, Any]:
    """The usage totals of an agent that made no LLM call."""
    return dict.fromkeys(TOTALS, 0) | {"cost": Decimal(0)}


def run_view(row: Any, agents_done: int) -> dict[str, Any]:
    """A run's row (its usage totals included) with its times in UTC and its progress."""
    view = dict(row)
    view["started_at"] = utc(row["started_at"])
    view["ended_at"] = utc(row["ended_at"])
    view["duration_s"] = seconds_between(row["started_at"], row["ended_at"])
    view["agents_done"] = agents_done
    return view


def agent_view(row: Any, totals: dict | None) -> dict[str, Any]:
    """An agent's row with its times in UTC, its duration and its usage totals."""
    keys = ("key", "agent", "task_run_id", "status", "attempts", "error", "cached_from")
    view = {key: row[key] for key in keys}
    view["started_at"] = utc(row["started_at"])
    view["ended_at"] = utc(row["ended_at"])
    view["duration_s"] = seconds_between(row["started_at"], row["ended_at"])
    return view | (totals or empty_totals())
