"""Where `voc` writes: its console, its one-line errors, and a run's cost table."""

import sys
from typing import Any

import typer
from rich.console import Console

# Piped output gets room for the whole cost table rather than the 80-column default.
console = Console(width=None if sys.stdout.isatty() else 120)
errors = Console(stderr=True, width=None if sys.stderr.isatty() else 200)


def fail(message: str, code: int = 2) -> None:
    """Print `voc: message` on stderr and exit with `code`."""
    errors.print(f"voc: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def print_run(run: dict[str, Any]) -> None:
    """The cost table, why agents failed or were skipped, and the what-if prices."""
    from monitor.render import (  # imports Prefect: not before the callback
        cost_table,
        scores_line,
        what_if_line,
    )

    if run["resumed_from"]:
        console.print(f"Resumes run {run['resumed_from']}.", markup=False)
    console.print(cost_table(run))
    for agent in run["agents"]:
        if agent["error"]:
            console.print(f"  {agent['key']} {agent['status']}: {agent['error']}", markup=False)
    payers = sorted({a["cached_from"] for a in run["agents"] if a["cached_from"]} - {run["id"]})
    if payers:
        console.print(f"Cached agents reuse the results (and cost) of run {', '.join(payers)}.")
    console.print(what_if_line(run))
    if scores_line(run):
        console.print(scores_line(run), soft_wrap=True, markup=False)
    if run["gamma_url"]:
        console.print(f"Presentation: {run['gamma_url']}", soft_wrap=True, markup=False)
