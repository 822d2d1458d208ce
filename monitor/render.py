"""Terminal rendering of runs and agents (rich): cost table, run history, what-if prices."""

from decimal import Decimal
from typing import Any

from rich.table import Table

from monitor.breakdown import agent_breakdown, totals
from monitor.pricing import what_if

STATUS_STYLE = {
    "completed": "green",
    "cached": "cyan",
    "skipped": "yellow",
    "running": "blue",
    "failed": "red",
    "crashed": "red",
    "cancelled": "magenta",
    "pending": "dim",
}


def money(value: Decimal) -> str:
    return f"${value:.6f}" if value < Decimal("0.01") and value else f"${value:.4f}"


def seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}s"


def status(value: str) -> str:
    return f"[{STATUS_STYLE.get(value, 'white')}]{value}[/]"


def cost_table(run: dict[str, Any]) -> Table:
    """Agent, status, duration, calls, tokens in/out, cost, and a TOTAL row."""
    rows = agent_breakdown(run)
    table = Table(title=f"Run {run['id']} — cost per agent", title_justify="left")
    for name in ("Agent", "Status", "Duration", "Calls", "Tokens in", "Tokens out", "Cost"):
        table.add_column(name, justify="left" if name in ("Agent", "Status") else "right")
    for row in rows:
        label = row["agent"] + (f" ×{row['topics']}" if row["topics"] else "")
        table.add_row(
            label,
            status(row["status"]),
            seconds(row["duration_s"]),
            str(row["calls"]),
            f"{row['input_tokens']:,}",
            f"{row['output_tokens']:,}",
            money(row["cost"]),
        )
    total = totals(rows)
    table.add_section()
    table.add_row(
        "[b]TOTAL[/]",
        status(run["status"]),
        seconds(run["duration_s"]),
        str(total["calls"]),
        f"{total['input_tokens']:,}",
        f"{total['output_tokens']:,}",
        f"[b]{money(total['cost'])}[/]",
    )
    return table


def what_if_line(run: dict[str, Any]) -> str:
    """What the run's tokens would have cost on the what-if models."""
    prices = what_if(run["input_tokens"], run["output_tokens"], run["cached_tokens"])
    line = "Same tokens on " + ", ".join(f"{m}: {money(p)}" for m, p in prices.items())
    if run["estimated_calls"]:
        line += (
            f"\nToken counts of {run['estimated_calls']} calls are estimates "
            "(the local provider counts about 4 characters a token)."
        )
    return line


def runs_table(runs: list[dict[str, Any]]) -> Table:
    table = Table(title="Runs, newest first", title_justify="left")
    for name in ("Run", "Status", "Window", "Started", "Duration", "Agents", "Calls", "Cost"):
        table.add_column(name)
    for run in runs:
        window = f"{run['window_start']} to {run['window_end']}" if run["window_start"] else ""
        table.add_row(
            run["id"][:8],
            status(run["status"]),
            window,
            f"{run['started_at']:%Y-%m-%d %H:%M}",
            seconds(run["duration_s"]),
            f"{run['agents_done']}/{run['agents_total']}",
            str(run["calls"]),
            money(run["cost"]),
        )
    return table


def scores_line(run: dict[str, Any]) -> str | None:
    """An evaluated run's scores (`voc eval`) and what they are against; None if it has none."""
    if not run["scores"]:
        return None
    shown = ", ".join(
        f"{s['metric']} {'n/a' if s['value'] is None else format(s['value'], '.3f')}"
        for s in run["scores"]
    )
    return f"Scores against {run['scores'][0]['labels']}: {shown}"
