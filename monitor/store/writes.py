"""The store's writes: runs, agents, LLM calls, files, and the event log beside them.

What lives here: `Writes`, the half of `ResultsStore` that records what a run does, as
the monitor's hooks see it. Every write method runs in `_write`: its own short
transaction, or the one this thread holds open (`batch`), whose `Pending` unit of work
(batch.py) collects the rows and totals and writes them at the end. Each change also
appends to the event log, so a reader in another process sees every change in order.
`llm_call_row` is the one place an LLM call's row is spelled.
"""

import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, Table, select, update
from sqlalchemy.dialects import postgresql, sqlite

from monitor.store.batch import (
    AGENT_ROW,
    TOP_AGENT_ROWS,
    UNKNOWN,
    AgentRow,
    FollowedRuns,
    Pending,
    agent_row_after,
    appending,
    event_row,
)
from monitor.store.liveness import Process, run_process
from monitor.store.schema import DONE, agent_runs, events, files, llm_calls, now, runs, utc
from monitor.store.views import call_log

if TYPE_CHECKING:  # only its attributes are read: the store need not import the LLM client
    from tasks.llm.types import LLMCall

LEASE = timedelta(seconds=90)


def llm_call_row(
    run_id: str,
    agent_key: str,
    task_run_id: str | None,
    call: "LLMCall",
    cost: Decimal,
    created_at: datetime,
) -> dict[str, Any]:
    """The `voc_llm_calls` row of one LLM call made by an agent's task run."""
    usage = call.usage
    return {
        "run_id": run_id,
        "agent_key": agent_key,
        "agent": agent_key.split("[", 1)[0],
        "task_run_id": task_run_id,
        "provider": call.provider,
        "model": call.model,
        "purpose": call.purpose,
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "cached_tokens": usage.cached_tokens,
        "cache_write_tokens": usage.cache_write_tokens,
        "cache_write_1h_tokens": usage.cache_write_1h_tokens,
        "estimated": usage.estimated,
        "latency_ms": round(call.latency_ms, 3),
        "attempt": call.attempt,
        "cost": cost,
        "error": call.error,
        "created_at": created_at,
    }


@cache
def _file_upsert(dialect_name: str) -> Any:
    """A file's row, or on conflict over its run and path its new size and digest: made
    once, not per file, so its statement and cache key are not worked out again."""
    statement = (sqlite if dialect_name == "sqlite" else postgresql).insert(files)
    changed = {"size": statement.excluded.size, "sha256": statement.excluded.sha256}
    return statement.on_conflict_do_update(index_elements=["run_id", "path"], set_=changed)


def _is_dead(run: Any, lease: timedelta) -> bool:
    """Gone from this host's process table, or, seen from elsewhere, silent past the lease."""
    state = run_process(run.host, run.pid, run.started_at)
    if state is not Process.UNKNOWN:
        return state is Process.GONE
    return run.heartbeat_at is not None and now() - utc(run.heartbeat_at) > lease


class Writes:
    """Recording runs as they go; mixed into `ResultsStore`, which opens the engine."""

    engine: Engine
    _immediate: Engine  # the engine, its SQLite write transactions begun IMMEDIATE
    _local: threading.local  # `pending`: this thread's open write transaction
    _write_lock: AbstractContextManager
    _followed: FollowedRuns  # the agent rows of the runs this store records

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A write transaction; inside one this thread has open (a batch), that one."""
        pending = getattr(self._local, "pending", None)
        if pending is not None:
            yield pending.conn
            return
        # Threads of one process queue here rather than on SQLite's lock, whose busy
        # handler sleeps in steps of up to 100 ms; other processes still wait on SQLite.
        with self._write_lock:
            with self._immediate.begin() as conn:
                self._local.pending = pending = Pending(conn, self._followed)
                try:
                    yield conn
                    pending.flush()
                finally:
                    self._local.pending = None
            pending.keep()

    @contextmanager
    def batch(self) -> Iterator[None]:
        """The writes this thread makes inside the block share one transaction.

        One commit (one fsync, one lock round) for many rows: all of them are kept, or,
        when one raises, none. Other threads' writes wait for the batch (SQLite) or run
        beside it (PostgreSQL). Keep batches short: a live reader of the event log skips
        ids that stay uncommitted longer than its gap timeout.
        """
        with self._write():
            yield

    def _event(self, conn: Connection, run_id: str, kind: str, payload: dict) -> None:
        pending = getattr(self._local, "pending", None)
        if pending is None:  # a transaction not opened by `_write`: nothing to wait for
            conn.execute(appending(events), [event_row(run_id, kind, payload)])
        else:
            pending.append(events, [event_row(run_id, kind, payload)])

    def _upsert(
        self, conn: Connection, table: Table, values: dict, keys: list[str], **changed: Any
    ) -> None:
        """INSERT .. ON CONFLICT (keys) DO UPDATE SET `changed`, in the store's dialect."""
        dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
        statement = dialect.insert(table).values(**values)
        conn.execute(statement.on_conflict_do_update(index_elements=keys, set_=changed))

    def start_run(self, run: dict[str, Any]) -> None:
        """Record a run as running (again, when Prefect retries the same flow run).

        A run sharing its resume key with earlier runs resumes the newest of them.
        """
        values = {**run, "status": "running", "started_at": run.get("started_at") or now()}
        values["heartbeat_at"] = values["started_at"]
        with self._write() as conn:
            if run.get("resume_key"):
                values["resumed_from"] = conn.scalar(
                    select(runs.c.id)
                    .where(runs.c.resume_key == run["resume_key"], runs.c.id != run["id"])
                    .order_by(runs.c.started_at.desc())
                    .limit(1)
                )
            self._upsert(
                conn,
                runs,
                values,
                ["id"],
                status="running",
                error=None,
                ended_at=None,
                failure_reason=None,
                pid=run.get("pid"),
                host=run.get("host"),
                heartbeat_at=values["heartbeat_at"],
            )
            self._event(conn, run["id"], "run", {"status": "running"})
            self._follow(conn, run["id"])

    def _follow(self, conn: Connection, run_id: str) -> None:
        """Read the run's top-level agent rows (none, unless Prefect retries the flow run):
        from now on the store follows them as it writes them, without reading them again."""
        found = conn.execute(TOP_AGENT_ROWS, {"run_id": run_id})
        rows = {row.key: AgentRow.read(row) for row in found}
        self._local.pending.follow(run_id, rows)

    def beat(self, run_id: str) -> None:
        """The run's process is alive."""
        with self._write() as conn:
            conn.execute(
                update(runs)
                .where(runs.c.id == run_id, runs.c.status == "running")
                .values(heartbeat_at=now())
            )

    def mark_dead_runs(self, lease: timedelta = LEASE) -> list[str]:
        """Mark crashed every running run whose process is gone; returns their ids.

        Gone means: on this host, no process with its pid (see `liveness`); on
        another, no heartbeat for `lease`. The run's error names the agents it was in.
        """
        with self.engine.connect() as conn:
            running = conn.execute(
                select(
                    runs.c.id, runs.c.host, runs.c.pid, runs.c.started_at, runs.c.heartbeat_at
                ).where(runs.c.status == "running")
            ).all()
        dead = [r for r in running if _is_dead(r, lease)]
        for run in dead:
            self.finish_run(run.id, "crashed", error=self._crash_message(run.id, run.heartbeat_at))
        return [run.id for run in dead]

    def _crash_message(self, run_id: str, heartbeat_at: datetime | None) -> str:
        with self.engine.connect() as conn:
            last = conn.scalars(
                select(agent_runs.c.key)
                .where(agent_runs.c.run_id == run_id, agent_runs.c.status == "running")
                .order_by(agent_runs.c.id)
            ).all()
        seen = utc(heartbeat_at).isoformat(timespec="seconds") if heartbeat_at else "never"
        where = f" in agent {', '.join(last)}" if last else ""
        return f"the run's process stopped{where} (last heartbeat {seen})"

    def finish_run(self, run_id: str, status: str, **fields: Any) -> None:
        """Give the run its final status; agents still running end with it."""
        ended = now()
        with self._write() as conn:
            self._local.pending.flush_agents()
            self._local.pending.forget(run_id)
            conn.execute(
                update(runs)
                .where(runs.c.id == run_id)
                .values(status=status, ended_at=ended, **fields)
            )
            left = "failed" if status == "completed" else status
            conn.execute(
                update(agent_runs)
                .where(agent_runs.c.run_id == run_id, agent_runs.c.status == "running")
                .values(status=left, ended_at=ended, error=f"the run ended {status} while it ran")
            )
            self._event(conn, run_id, "run", {"status": status, "error": fields.get("error")})

    def cancel_run(self, run_id: str, error: str) -> bool:
        """End the run `cancelled` from outside its process; False if it had ended otherwise.

        Prefect's worker kills a cancelled run's process before it runs the cancellation
        hooks elsewhere, so the reaper may have seen the process die and called the run
        crashed first: Prefect's word wins, for the run and the agents it was in.
        """
        ended = now()
        crashed_agent = "the run ended crashed while it ran"  # what finish_run gave them
        with self._write() as conn:
            self._local.pending.flush_agents()
            self._local.pending.forget(run_id)
            changed = conn.execute(
                update(runs)
                .where(runs.c.id == run_id, runs.c.status.in_(("running", "crashed")))
                .values(status="cancelled", error=error, ended_at=ended)
            ).rowcount
            if not changed:
                return False
            conn.execute(
                update(agent_runs)
                .where(
                    agent_runs.c.run_id == run_id,
                    (agent_runs.c.status == "running")
                    | ((agent_runs.c.status == "crashed") & (agent_runs.c.error == crashed_agent)),
                )
                .values(
                    status="cancelled", ended_at=ended, error="the run ended cancelled while it ran"
                )
            )
            self._event(conn, run_id, "run", {"status": "cancelled", "error": error})
        return True

    def update_run(self, run_id: str, **fields: Any) -> None:
        """Set fields of a run that are learnt while it runs (output directory, summary)."""
        with self._write() as conn:
            conn.execute(update(runs).where(runs.c.id == run_id).values(**fields))

    def agent_started(self, run_id: str, key: str, task_run_id: str) -> None:
        """An agent task run entered Running; a retry counts another attempt.

        A retry within the task run keeps the first start; a new execution of an agent
        that had ended (the flow run retried) starts the clock again.
        """
        agent = key.split("[", 1)[0]
        started = now()
        values = {
            "run_id": run_id,
            "key": key,
            "agent": agent,
            "task_run_id": task_run_id,
            "status": "running",
            "attempts": 1,
            "error": None,
            "cached_from": None,
            "started_at": started,
            "ended_at": None,
        }
        with self._write() as conn:
            self._retime(conn, run_id, key, "running", started)
            self._local.pending.upsert_agent(values)
            self._event(conn, run_id, "agent", {"key": key, "agent": agent, "status": "running"})

    def agent_finished(self, run_id: str, key: str, status: str, error: str | None = None) -> None:
        """An agent task run ended: completed, cached, skipped or failed."""
        agent = key.split("[", 1)[0]
        ended = now()
        values = {
            "run_id": run_id,
            "key": key,
            "agent": agent,
            "task_run_id": None,
            "status": status,
            "attempts": 1,
            "error": error,
            "started_at": ended,
            "ended_at": ended,
        }
        with self._write() as conn:
            cached_from = self._payer(conn, run_id, key) if status == "cached" else None
            values["cached_from"] = cached_from
            self._retime(conn, run_id, key, status, ended)
            self._local.pending.upsert_agent(values)
            payload = {"key": key, "agent": agent, "status": status, "error": error}
            self._event(conn, run_id, "agent", payload)
            if error:
                level = "error" if status == "failed" else "warning"
                self._event(conn, run_id, "log", {"level": level, "key": key, "message": error})

    def _retime(self, conn: Connection, run_id: str, key: str, status: str, at: datetime) -> None:
        """Keep an agent's count and seconds of done runs in step with its row, about to
        get `status` at `at`: out of them if the row was done, into them if it ends done.

        Only top-level agents count, as in the statistics; per-topic runs do not. The
        row as it was is known without reading it in a run this store follows (it wrote
        every change to it); otherwise it is read once per transaction, then followed in
        memory: the transaction's agent rows are written at its end.
        """
        agent = key.split("[", 1)[0]
        if key != agent:
            return
        pending = self._local.pending
        old = pending.agent_row(run_id, key)
        if old is UNKNOWN:
            found = conn.execute(AGENT_ROW, {"run_id": run_id, "key": key}).first()
            old = AgentRow.read(found) if found else None
        new = agent_row_after(old, status, at)
        pending.set_agent_row(run_id, key, new)
        count, seconds = 0, 0.0
        if old is not None and old.status in DONE:
            count, seconds = -1, -(old.ended_at - old.started_at).total_seconds()
        if new.status in DONE:
            count, seconds = count + 1, seconds + (new.ended_at - new.started_at).total_seconds()
        if count or seconds:
            pending.add_duration(agent, count, seconds)

    def _payer(self, conn: Connection, run_id: str, key: str) -> str | None:
        """The first run with this run's resume key that completed the agent itself."""
        self._local.pending.flush_agents()  # this run may have completed it just now
        resume_key = select(runs.c.resume_key).where(runs.c.id == run_id).scalar_subquery()
        return conn.scalar(
            select(runs.c.id)
            .join(agent_runs, agent_runs.c.run_id == runs.c.id)
            .where(
                runs.c.resume_key == resume_key,
                agent_runs.c.key == key,
                agent_runs.c.status == "completed",
            )
            .order_by(runs.c.started_at)
            .limit(1)
        )

    def record_llm_call(
        self, run_id: str, agent_key: str, task_run_id: str | None, call: "LLMCall", cost: Decimal
    ) -> None:
        """One LLM call of an agent's task run, priced."""
        self.record_llm_calls(run_id, agent_key, task_run_id, [(call, cost)])

    def record_llm_calls(
        self,
        run_id: str,
        agent_key: str,
        task_run_id: str | None,
        calls: Sequence[tuple["LLMCall", Decimal]],
    ) -> None:
        """LLM calls of one agent, priced, in one transaction: rows, log events, totals."""
        if not calls:
            return
        created = now()
        rows = [
            llm_call_row(run_id, agent_key, task_run_id, call, cost, created)
            for call, cost in calls
        ]
        with self._write():
            pending = self._local.pending
            pending.append(llm_calls, rows)
            pending.append(events, [event_row(run_id, "log", call_log(row)) for row in rows])
            pending.add_up(rows)

    def record_file(self, run_id: str, path: str, size: int, sha256: str) -> None:
        """One output file, by its path inside the run's directory."""
        values = {
            "run_id": run_id,
            "path": path,
            "size": size,
            "sha256": sha256,
            "created_at": now(),
        }
        with self._write() as conn:
            conn.execute(_file_upsert(conn.dialect.name), values)
            self._event(conn, run_id, "file", {"path": path, "size": size})
