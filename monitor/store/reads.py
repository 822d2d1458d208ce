"""The store's reads: run history, one run, statistics, comparison, metrics, the event log.

What lives here: `Reads`, the half of `ResultsStore` the CLI, the dashboard and the flow
(the previous week's summary) query. Each read is one short connection. The history,
statistics and metrics read the totals kept on write (batch.py) rather than every call;
the rows are shaped for callers by views.py.
"""

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, and_, case, func, select

from monitor.store.engine import StoreError
from monitor.store.schema import (
    DONE,
    FINAL,
    TOTALS,
    agent_durations,
    agent_runs,
    events,
    files,
    llm_calls,
    runs,
    seconds_sql,
    usage,
    utc,
)
from monitor.store.scores import scores_of, values
from monitor.store.views import agent_view, run_view, seconds_between


class Reads:
    """Queries over what the monitor recorded; mixed into `ResultsStore`."""

    engine: Engine

    def agents_done(self, run_id: str) -> int:
        """How many of the run's agents (not their per-topic runs) completed, cached or skipped."""
        with self.engine.connect() as conn:
            return conn.scalar(
                select(func.count()).where(
                    agent_runs.c.run_id == run_id,
                    agent_runs.c.key == agent_runs.c.agent,
                    agent_runs.c.status.in_(DONE),
                )
            )

    def resolve_run_id(self, prefix: str) -> str:
        """The full id of the one run whose id starts with `prefix`."""
        with self.engine.connect() as conn:
            found = conn.scalars(
                select(runs.c.id).where(runs.c.id.startswith(prefix, autoescape=True)).limit(2)
            ).all()
        if len(found) != 1:
            problem = "no run" if not found else "more than one run"
            raise StoreError(f"{problem} with id {prefix!r}")
        return found[0]

    def _cost_totals(self, conn: Connection, group: Any, where: Any) -> dict[Any, dict]:
        rows = conn.execute(
            select(
                group,
                func.count(llm_calls.c.id),
                func.coalesce(func.sum(llm_calls.c.input_tokens), 0),
                func.coalesce(func.sum(llm_calls.c.output_tokens), 0),
                func.coalesce(func.sum(llm_calls.c.cached_tokens), 0),
                func.sum(llm_calls.c.cost),
                func.sum(case((llm_calls.c.estimated, 1), else_=0)),
            )
            .where(where)
            .group_by(group)
        ).all()
        return {
            row[0]: {
                "calls": row[1],
                "input_tokens": row[2],
                "output_tokens": row[3],
                "cached_tokens": row[4],
                "cost": row[5] or Decimal(0),
                "estimated_calls": row[6] or 0,
            }
            for row in rows
        }

    def runs(self, limit: int = 50) -> list[dict[str, Any]]:
        """The newest runs first, each with its call, token and cost totals and its scores."""
        with self.engine.connect() as conn:
            rows = (
                conn.execute(select(runs).order_by(runs.c.started_at.desc()).limit(limit))
                .mappings()
                .all()
            )
            if not rows:  # nothing to count, and no IN over an empty list
                return []
            ids = [row["id"] for row in rows]
            done = dict(
                conn.execute(
                    select(agent_runs.c.run_id, func.count())
                    .where(
                        agent_runs.c.run_id.in_(ids),
                        agent_runs.c.key == agent_runs.c.agent,
                        agent_runs.c.status.in_(DONE),
                    )
                    .group_by(agent_runs.c.run_id)
                ).all()
            )
            scored = scores_of(conn, ids)
        return [
            run_view(row, done.get(row["id"], 0)) | {"scores": values(scored.get(row["id"], []))}
            for row in rows
        ]

    def run(self, run_id: str) -> dict[str, Any]:
        """One run with its agents (their calls, tokens and cost), files and scores."""
        with self.engine.connect() as conn:
            row = conn.execute(select(runs).where(runs.c.id == run_id)).mappings().first()
            if row is None:
                raise StoreError(f"no run with id {run_id!r}")
            agents = (
                conn.execute(
                    select(agent_runs)
                    .where(agent_runs.c.run_id == run_id)
                    .order_by(agent_runs.c.id)
                )
                .mappings()
                .all()
            )
            per_key = self._cost_totals(conn, llm_calls.c.agent_key, llm_calls.c.run_id == run_id)
            run_files = (
                conn.execute(select(files).where(files.c.run_id == run_id).order_by(files.c.path))
                .mappings()
                .all()
            )
            scored = scores_of(conn, [run_id]).get(run_id, [])
        done = sum(1 for a in agents if a["key"] == a["agent"] and a["status"] in DONE)
        view = run_view(row, done)
        view["agents"] = [agent_view(a, per_key.get(a["key"])) for a in agents]
        view["files"] = [
            {"path": f["path"], "size": f["size"], "sha256": f["sha256"]} for f in run_files
        ]
        view["scores"] = scored
        return view

    def llm_calls(
        self, run_id: str | None = None, since: date | None = None
    ) -> list[dict[str, Any]]:
        """LLM call rows, oldest first, for one run or since a date."""
        query = select(llm_calls).order_by(llm_calls.c.id)
        if run_id:
            query = query.where(llm_calls.c.run_id == run_id)
        if since:
            start = datetime(since.year, since.month, since.day, tzinfo=UTC)
            query = query.where(llm_calls.c.created_at >= start)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [{**row, "created_at": utc(row["created_at"])} for row in rows]

    def stats(self) -> dict[str, Any]:
        """Success rate, average cost and duration of finished runs, and per-agent averages.

        From totals kept up to date on write (a run's usage, each agent's done runs and
        their seconds, usage by agent): a handful of rows however long the history.
        """
        completed = runs.c.status == "completed"
        with self.engine.connect() as conn:
            counts = dict(
                conn.execute(
                    select(runs.c.status, func.count())
                    .where(runs.c.status.in_(FINAL))
                    .group_by(runs.c.status)
                ).all()
            )
            run_seconds = seconds_sql(conn, runs.c.started_at, runs.c.ended_at)
            duration, spent = conn.execute(
                select(func.avg(run_seconds), func.sum(runs.c.cost)).where(completed)
            ).one()
            agents = conn.execute(
                select(agent_durations)
                .where(agent_durations.c.runs > 0)
                .order_by(agent_durations.c.agent)
            ).all()
            agent_usage = {
                agent: (int(calls), cost)
                for agent, calls, cost in conn.execute(
                    select(usage.c.agent, func.sum(usage.c.calls), func.sum(usage.c.cost)).group_by(
                        usage.c.agent
                    )
                )
            }
        finished, done = sum(counts.values()), counts.get("completed", 0)
        return {
            "runs": finished,
            "completed": done,
            "success_rate": round(100 * done / finished, 1) if finished else None,
            "average_cost": (spent or Decimal(0)) / done if done else None,
            "average_duration_s": round(float(duration), 3) if duration is not None else None,
            "agents": [
                {
                    "agent": name,
                    "runs": count,
                    "average_duration_s": round(seconds / count, 3),
                    "average_cost": agent_usage.get(name, (0, Decimal(0)))[1] / count,
                    "calls": agent_usage.get(name, (0, Decimal(0)))[0],
                }
                for name, count, seconds in agents
            ],
        }

    def previous_summary(self, command: str, before: date) -> dict[str, Any] | None:
        """Summary of the newest completed `command` run whose window starts before `before`."""
        with self.engine.connect() as conn:
            return conn.scalar(
                select(runs.c.summary)
                .where(
                    runs.c.command == command,
                    runs.c.status == "completed",
                    runs.c.window_start < before,
                    runs.c.summary.is_not(None),
                )
                .order_by(runs.c.window_start.desc(), runs.c.started_at.desc())
                .limit(1)
            )

    def has_run(self, run_id: str) -> bool:
        """Whether a run with exactly this id exists."""
        with self.engine.connect() as conn:
            return conn.scalar(select(runs.c.id).where(runs.c.id == run_id)) is not None

    def last_event_id(self, run_id: str | None = None) -> int:
        """The newest event's id (0 when there is none), of one run or of all runs."""
        query = select(func.max(events.c.id))
        if run_id is not None:
            query = query.where(events.c.run_id == run_id)
        with self.engine.connect() as conn:
            return conn.scalar(query) or 0

    def events_after(
        self, run_id: str | None, last_id: int, limit: int = 500, upto: int | None = None
    ) -> list[dict[str, Any]]:
        """Events with `last_id < id <= upto`, oldest first, of one run (or all when None)."""
        query = select(events).where(events.c.id > last_id).order_by(events.c.id).limit(limit)
        if run_id is not None:
            query = query.where(events.c.run_id == run_id)
        if upto is not None:
            query = query.where(events.c.id <= upto)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [{**row, "created_at": utc(row["created_at"])} for row in rows]

    def agent_order(self, command: str) -> list[str]:
        """The agents of the newest completed `command` run, in the order they started."""
        with self.engine.connect() as conn:
            newest = conn.scalar(
                select(runs.c.id)
                .where(runs.c.command == command, runs.c.status == "completed")
                .order_by(runs.c.started_at.desc())
                .limit(1)
            )
            if newest is None:
                return []
            return list(
                conn.scalars(
                    select(agent_runs.c.agent)
                    .where(agent_runs.c.run_id == newest, agent_runs.c.key == agent_runs.c.agent)
                    .order_by(agent_runs.c.id)
                )
            )

    def compare(self, weeks: int = 8) -> list[dict[str, Any]]:
        """The newest completed run of each of the last `weeks` windows, oldest first.

        Each with its totals (calls, tokens, cost), duration, conversations, topic mix and,
        when it was evaluated (`voc eval`), its scores.
        """
        completed = and_(runs.c.status == "completed", runs.c.window_start.is_not(None))
        with self.engine.connect() as conn:
            windows = (
                select(runs.c.window_start)
                .where(completed)
                .group_by(runs.c.window_start)
                .order_by(runs.c.window_start.desc())
                .limit(weeks)
            )
            # Newest window first; the first run seen of a window is its newest.
            rows = conn.execute(
                select(
                    runs.c.id,
                    runs.c.window_start,
                    runs.c.window_end,
                    runs.c.started_at,
                    runs.c.ended_at,
                    runs.c.summary,
                    *(runs.c[name] for name in TOTALS),
                )
                .where(completed, runs.c.window_start.in_(windows.scalar_subquery()))
                .order_by(runs.c.window_start.desc(), runs.c.started_at.desc())
            ).all()
            chosen: dict[date, Any] = {}
            for row in rows:
                chosen.setdefault(row.window_start, row)
            scored = scores_of(conn, [row.id for row in chosen.values()])
        return [
            {
                "run_id": row.id,
                "window_start": row.window_start,
                "window_end": row.window_end,
                "started_at": utc(row.started_at),
                "duration_s": seconds_between(row.started_at, row.ended_at),
                "conversations": (row.summary or {}).get("conversations"),
                "topic_mix": (row.summary or {}).get("topic_mix", {}),
                "scores": values(scored.get(row.id, [])),
            }
            | {name: getattr(row, name) for name in TOTALS}
            for row in reversed(chosen.values())
        ]

    def metrics(self) -> dict[str, Any]:
        """What /metrics exposes: runs by status, agent durations, usage by agent and model."""
        with self.engine.connect() as conn:
            by_status = dict(
                conn.execute(select(runs.c.status, func.count()).group_by(runs.c.status)).all()
            )
            seconds = seconds_sql(conn, agent_runs.c.started_at, agent_runs.c.ended_at)
            durations = conn.execute(
                select(agent_runs.c.agent, func.count(), func.coalesce(func.sum(seconds), 0.0))
                .where(
                    agent_runs.c.key == agent_runs.c.agent,
                    agent_runs.c.ended_at.is_not(None),
                    agent_runs.c.started_at.is_not(None),
                )
                .group_by(agent_runs.c.agent)
                .order_by(agent_runs.c.agent)
            ).all()
            used = conn.execute(
                select(
                    usage.c.agent,
                    usage.c.provider,
                    usage.c.model,
                    usage.c.calls,
                    usage.c.input_tokens,
                    usage.c.output_tokens,
                    usage.c.cached_tokens,
                    usage.c.cost,
                ).order_by(usage.c.agent, usage.c.provider, usage.c.model)
            ).all()
        return {
            "runs_by_status": by_status,
            "agent_durations": [
                {"agent": agent, "count": count, "seconds": float(total)}
                for agent, count, total in durations
            ],
            "usage": [
                {
                    "agent": row[0],
                    "provider": row[1],
                    "model": row[2],
                    "calls": row[3],
                    "input_tokens": row[4],
                    "output_tokens": row[5],
                    "cached_tokens": row[6],
                    "cost": row[7],
                }
                for row in used
            ],
        }
