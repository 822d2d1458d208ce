"""The per-agent cost breakdown of one run: what the CLI table and the artifact show."""

from decimal import Decimal
from typing import Any

COLUMNS = ("calls", "input_tokens", "output_tokens", "cached_tokens", "cost")


def agent_breakdown(run: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per agent, its per-topic runs folded in, in the order the agents started."""
    rows: dict[str, dict[str, Any]] = {}
    for agent in run["agents"]:
        row = rows.setdefault(
            agent["agent"],
            {
                "agent": agent["agent"],
                "status": "pending",
                "duration_s": None,
                "error": None,
                "topics": 0,
                **dict.fromkeys(COLUMNS, 0),
            },
        )
        for column in COLUMNS:
            row[column] += agent[column]
        if agent["key"] == agent["agent"]:
            row.update(status=agent["status"], duration_s=agent["duration_s"], error=agent["error"])
        else:
            row["topics"] += 1
    return list(rows.values())


def totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The TOTAL row: every column summed."""
    total: dict[str, Any] = {"agent": "TOTAL", **dict.fromkeys(COLUMNS, 0)}
    total["cost"] = Decimal(0)
    for row in rows:
        for column in COLUMNS:
            total[column] += row[column]
    return total
