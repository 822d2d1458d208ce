"""An evaluated run's scores (`voc eval`): written once the run is scored, read with the run.

What lives here: `Scores`, the part of `ResultsStore` that records a run's scores (one
row per metric; scoring the run again replaces them) with a line in its live log, and
`scores_of`, the read the history, one run and the comparison share.
"""

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from monitor.store.schema import now, scores


def scores_of(conn: Connection, run_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """The scores of each of `run_ids` that has any, in the order they were written."""
    if not run_ids:
        return {}
    rows = conn.execute(
        select(scores).where(scores.c.run_id.in_(run_ids)).order_by(scores.c.id)
    ).mappings()
    found: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        found.setdefault(row["run_id"], []).append(
            {key: row[key] for key in ("metric", "value", "detail", "labels", "evaluation_id")}
        )
    return found


def values(scored: list[dict[str, Any]]) -> dict[str, float | None]:
    """Metric -> value: the scores as the history and the comparison show them."""
    return {score["metric"]: score["value"] for score in scored}


class Scores:
    """Recording a run's scores; mixed into `ResultsStore` beside its writes."""

    _write: Callable[[], AbstractContextManager[Connection]]  # from `Writes`
    _event: Callable[[Connection, str, str, dict], None]

    def record_scores(
        self,
        run_id: str,
        scored: Sequence[dict[str, Any]],
        labels: str,
        evaluation_id: str | None = None,
    ) -> None:
        """Keep `scored` (each `metric`, `value`, `detail`) as the run's scores."""
        at = now()
        rows = [
            {
                "run_id": run_id,
                "metric": score["metric"],
                "value": score["value"],
                "detail": score.get("detail") or {},
                "labels": labels,
                "evaluation_id": evaluation_id,
                "created_at": at,
            }
            for score in scored
        ]
        shown = ", ".join(
            f"{s['metric']} {s['value']:.3f}" for s in scored if s["value"] is not None
        )
        with self._write() as conn:
            conn.execute(delete(scores).where(scores.c.run_id == run_id))
            if rows:
                conn.execute(insert(scores), rows)
            line = {"level": "info", "key": "eval", "message": f"scored against {labels}: {shown}"}
            self._event(conn, run_id, "log", line)
