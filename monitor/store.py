"""`ResultsStore`: runs, agent runs, LLM calls, files and events in any SQLAlchemy database.

SQLite (a file, WAL, busy timeout) by default; PostgreSQL for several workers. Each
write is one short transaction that also appends to the event log, so a reader in
another process sees every change in order.
"""

import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    and_,
    bindparam,
    case,
    create_engine,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    IntegrityError,
    NoSuchModuleError,
    OperationalError,
    ProgrammingError,
)

from blocks.results_store import is_block_reference, store_url_from_block
from monitor.schema import (
    SCHEMA_VERSION,
    add_missing_columns,
    add_missing_indexes,
    agent_durations,
    agent_runs,
    events,
    files,
    llm_calls,
    metadata,
    runs,
    schema_version,
    usage,
)

FINAL = ("completed", "failed", "crashed", "cancelled")
LEASE = timedelta(seconds=90)
SCHEMA_LOCK = 0x766F6321  # "voc!": the advisory lock that serialises schema creation
DONE = ("completed", "cached", "skipped")


class StoreError(RuntimeError):
    """The store cannot be opened or does not hold what was asked for."""


def now() -> datetime:
    return datetime.now(UTC)


def utc(value: datetime | None) -> datetime | None:
    """SQLite hands datetimes back without a zone; they were written in UTC."""
    if value is None or value.tzinfo:
        return value
    return value.replace(tzinfo=UTC)


def resolve_output_dir(output_dir: str | Path | None) -> Path:
    """`--output-dir`, else `VOC_OUTPUT_DIR`, else `./outputs`."""
    return Path(output_dir or os.environ.get("VOC_OUTPUT_DIR") or "outputs")


def _process_gone(host: str | None, pid: int | None) -> bool:
    """True only when the run's host is this one and no process has its pid."""
    if host != socket.gethostname() or not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _lease_expired(heartbeat_at: datetime | None, lease: timedelta) -> bool:
    return heartbeat_at is not None and now() - utc(heartbeat_at) > lease


def default_store_url(output_dir: Path) -> str:
    """A SQLite file in the output directory."""
    return f"sqlite:///{output_dir / 'voc.db'}"


def resolve_store_url(store: str | None, output_dir: Path) -> str:
    """`--store`, else `VOC_STORE_URL`, else the default SQLite file; `block:NAME` reads a block."""
    url = store or os.environ.get("VOC_STORE_URL") or default_store_url(output_dir)
    return store_url_from_block(url) if is_block_reference(url) else url


def display_url(url: str) -> str:
    """The URL with any password masked, fit for logs and rows."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<not a URL>"


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy, not the driver, begins transactions (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    # A write transaction takes the write lock at BEGIN: one that read first and then
    # wrote could fail at once with "database is locked" when another process had
    # written in between, since SQLite cannot wait its way out of that.
    conn.exec_driver_sql(f"BEGIN {conn.get_execution_options().get('sqlite_begin', '')}")


def make_engine(url: str) -> Engine:
    """An engine for the URL; SQLite files get WAL and a busy timeout on every connection."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        if engine.url.database and engine.url.database != ":memory:":
            Path(engine.url.database).parent.mkdir(parents=True, exist_ok=True)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


class ResultsStore:
    """Everything the monitor records, and the queries the CLI and dashboard make."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._write_lock = threading.Lock() if url.startswith("sqlite") else nullcontext()
        self._local = threading.local()  # `pending`: this thread's open write transaction
        try:
            self.engine = make_engine(url)
        except (ArgumentError, NoSuchModuleError) as exc:
            raise StoreError(f"results store URL {display_url(url)!r}: {exc}") from exc
        self._create_schema()

    def _create_schema(self) -> None:
        """Create missing tables and check the version, safely when processes start at once.

        PostgreSQL serialises creators on an advisory lock; SQLite writers on its file
        lock, where a loser sees "already exists" and tries again, finding the tables.
        """
        for attempt in range(3):
            try:
                with self._write() as conn:
                    if conn.dialect.name == "postgresql":
                        conn.execute(
                            text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK}
                        )
                    metadata.create_all(conn)
                    add_missing_columns(conn)
                    add_missing_indexes(conn)
                    self._check_version(conn)
                return
            except (OperationalError, ProgrammingError, IntegrityError) as exc:
                if "already exists" in str(exc) and attempt < 2:
                    continue
                first_line = str(exc.orig).splitlines()[0]
                raise StoreError(f"cannot open the results store: {first_line}") from exc

    def _check_version(self, conn: Connection) -> None:
        version = conn.scalar(select(func.max(schema_version.c.version)))
        if version is None:
            conn.execute(insert(schema_version).values(version=SCHEMA_VERSION))
        elif version > SCHEMA_VERSION:
            raise StoreError(
                f"the results store has schema v{version}; this voc knows v{SCHEMA_VERSION}"
            )
        elif version < 2:
            add_up_history(conn)
            conn.execute(update(schema_version).values(version=SCHEMA_VERSION))

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A write transaction; inside one this thread has open (a batch), that one."""
        pending = getattr(self._local, "pending", None)
        if pending is not None:
            yield pending.conn
            return
        # Threads of one process queue here rather than on SQLite's lock, whose busy
        # handler sleeps in steps of up to 100 ms; other processes still wait on SQLite.
        with (
            self._write_lock,
            self.engine.execution_options(sqlite_begin="IMMEDIATE").begin() as conn,
        ):
            self._local.pending = pending = _Pending(conn)
            try:
                yield conn
                pending.flush()
            finally:
                self._local.pending = None

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
            conn.execute(insert(events), [_event_row(run_id, kind, payload)])
        else:
            pending.append(events, [_event_row(run_id, kind, payload)])

    def _upsert(
        self, conn: Connection, table: Any, values: dict, keys: list[str], **on_conflict: Any
    ) -> None:
        conn.execute(_upsert_statement(conn, table, values, keys, lambda _: on_conflict))

    # -- writes -------------------------------------------------------------------------

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

        Gone means: on this host, no process with its pid; anywhere, no heartbeat
        for `lease`. The run's error names the agents it was in.
        """
        with self.engine.connect() as conn:
            running = conn.execute(
                select(runs.c.id, runs.c.host, runs.c.pid, runs.c.heartbeat_at).where(
                    runs.c.status == "running"
                )
            ).all()
        dead = [
            r
            for r in running
            if _process_gone(r.host, r.pid) or _lease_expired(r.heartbeat_at, lease)
        ]
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
            "started_at": started,
        }
        with self._write() as conn:
            self._retime(conn, run_id, key, "running", started)
            self._local.pending.upsert_agent(False, values)
            self._event(conn, run_id, "agent", {"key": key, "agent": agent, "status": "running"})

    def agent_finished(self, run_id: str, key: str, status: str, error: str | None = None) -> None:
        """An agent task run ended: completed, cached, skipped or failed."""
        agent = key.split("[", 1)[0]
        ended = now()
        values = {
            "run_id": run_id,
            "key": key,
            "agent": agent,
            "status": status,
            "error": error,
            "started_at": ended,
            "ended_at": ended,
        }
        with self._write() as conn:
            cached_from = self._payer(conn, run_id, key) if status == "cached" else None
            values["cached_from"] = cached_from
            self._retime(conn, run_id, key, status, ended)
            self._local.pending.upsert_agent(True, values)
            payload = {"key": key, "agent": agent, "status": status, "error": error}
            self._event(conn, run_id, "agent", payload)
            if error:
                level = "error" if status == "failed" else "warning"
                self._event(conn, run_id, "log", {"level": level, "key": key, "message": error})

    def _retime(self, conn: Connection, run_id: str, key: str, status: str, at: datetime) -> None:
        """Keep an agent's count and seconds of done runs in step with its row, about to
        get `status` at `at`: out of them if the row was done, into them if it ends done.

        Only top-level agents count, as in the statistics; per-topic runs do not. The
        row as it was is read once per transaction, then followed in memory: the
        transaction's agent rows are written at its end.
        """
        agent = key.split("[", 1)[0]
        if key != agent:
            return
        pending = self._local.pending
        old = pending.agent_row(run_id, key)
        if old is None:
            found = conn.execute(_AGENT_ROW, {"run_id": run_id, "key": key}).first()
            old = (
                _AgentRow(found.status, utc(found.started_at), utc(found.ended_at))
                if found
                else None
            )
        new = _agent_row_after(old, status, at)
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

    def record_llm_call(self, run_id: str, agent_key: str, call: dict[str, Any]) -> None:
        """One LLM call, priced."""
        self.record_llm_calls(run_id, agent_key, [call])

    def record_llm_calls(self, run_id: str, agent_key: str, calls: list[dict[str, Any]]) -> None:
        """LLM calls of one agent, priced, in one transaction: rows, log events, totals."""
        if not calls:
            return
        agent = agent_key.split("[", 1)[0]
        created = now()
        rows = [
            {"task_run_id": None, "cache_write_tokens": 0, "error": None}
            | call
            | {"run_id": run_id, "agent_key": agent_key, "agent": agent, "created_at": created}
            for call in calls
        ]
        with self._write():
            pending = self._local.pending
            pending.append(llm_calls, rows)
            logs = [_event_row(run_id, "log", _call_log(agent_key, call)) for call in calls]
            pending.append(events, logs)
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
            self._upsert(conn, files, values, ["run_id", "path"], size=size, sha256=sha256)
            self._event(conn, run_id, "file", {"path": path, "size": size})

    # -- reads --------------------------------------------------------------------------

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
        """The newest runs first, each with its call, token and cost totals."""
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
        return [_run_view(row, done.get(row["id"], 0)) for row in rows]

    def run(self, run_id: str) -> dict[str, Any]:
        """One run with its agents (their calls, tokens and cost) and files."""
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
        done = sum(1 for a in agents if a["key"] == a["agent"] and a["status"] in DONE)
        view = _run_view(row, done)
        view["agents"] = [_agent_view(a, per_key.get(a["key"])) for a in agents]
        view["files"] = [
            {"path": f["path"], "size": f["size"], "sha256": f["sha256"]} for f in run_files
        ]
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
            run_seconds = _seconds_sql(conn, runs.c.started_at, runs.c.ended_at)
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

    # -- reads for the dashboard --------------------------------------------------------

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

        Each with its totals (calls, tokens, cost), duration, conversations and topic mix.
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
        return [
            {
                "run_id": row.id,
                "window_start": row.window_start,
                "window_end": row.window_end,
                "started_at": utc(row.started_at),
                "duration_s": _seconds(row.started_at, row.ended_at),
                "conversations": (row.summary or {}).get("conversations"),
                "topic_mix": (row.summary or {}).get("topic_mix", {}),
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
            seconds = _seconds_sql(conn, agent_runs.c.started_at, agent_runs.c.ended_at)
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


TOTALS = ("calls", "input_tokens", "output_tokens", "cached_tokens", "cost", "estimated_calls")
USAGE_KEY = ("agent", "provider", "model")


def _upsert_statement(
    conn: Connection, table: Table, values: dict, keys: list[str], on_conflict: Any
) -> Any:
    """INSERT .. ON CONFLICT (keys) DO UPDATE SET `on_conflict(statement)` in the dialect."""
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    statement = dialect.insert(table).values(**values)
    return statement.on_conflict_do_update(index_elements=keys, set_=on_conflict(statement))


# A run's usage totals, each plus a parameter named apart from its column (SQLAlchemy
# keeps the columns' own names for SET): one statement, compiled once, executemany'd.
_ADD_TO_RUNS = (
    update(runs)
    .where(runs.c.id == bindparam("b_id"))
    .values({n: runs.c[n] + bindparam(f"b_{n}", type_=runs.c[n].type) for n in TOTALS})
)


def _bound(totals: dict[str, Any]) -> dict[str, Any]:
    return {f"b_{name}": value for name, value in totals.items()}


@cache
def _agent_upsert(dialect_name: str, ending: bool) -> Any:
    """An agent row's upsert as it starts or ends; built once, as its rows come often."""
    statement = (sqlite if dialect_name == "sqlite" else postgresql).insert(agent_runs)
    new = statement.excluded
    if ending:
        changed = {
            "status": new.status,
            "cached_from": new.cached_from,
            "error": new.error,
            "ended_at": new.ended_at,
        }
    else:
        running = agent_runs.c.status == "running"
        changed = {
            "status": new.status,
            "task_run_id": new.task_run_id,
            "error": None,
            "ended_at": None,
            "attempts": agent_runs.c.attempts + 1,
            "started_at": case((running, agent_runs.c.started_at), else_=new.started_at),
        }
    return statement.on_conflict_do_update(index_elements=["run_id", "key"], set_=changed)


@cache
def _adding(dialect_name: str, table: Table, keys: tuple[str, ...]) -> Any:
    """INSERT a row, or on conflict over `keys` add its other columns to the row's."""
    dialect = sqlite if dialect_name == "sqlite" else postgresql
    statement = dialect.insert(table)
    added = {c.name: c + statement.excluded[c.name] for c in table.columns if c.name not in keys}
    return statement.on_conflict_do_update(index_elements=list(keys), set_=added)


class _AgentRow(NamedTuple):
    """What `_retime` needs of an agent's row: its status and times (in UTC)."""

    status: str
    started_at: datetime
    ended_at: datetime | None


_AGENT_ROW = select(agent_runs.c.status, agent_runs.c.started_at, agent_runs.c.ended_at).where(
    agent_runs.c.run_id == bindparam("run_id"), agent_runs.c.key == bindparam("key")
)


def _agent_row_after(old: _AgentRow | None, status: str, at: datetime) -> _AgentRow:
    """The row as `_agent_upsert` leaves it: a start keeps a running row's start, an
    ending keeps any row's start."""
    if status == "running":
        kept = old is not None and old.status == "running"
        return _AgentRow(status, old.started_at if kept else at, None)
    return _AgentRow(status, old.started_at if old is not None else at, at)


def _event_row(run_id: str, kind: str, payload: dict) -> dict[str, Any]:
    return {"run_id": run_id, "kind": kind, "payload": payload, "created_at": now()}


class _Pending:
    """What a write transaction appends and adds up, written in one go at its end.

    LLM calls and events go in with one executemany per table, in the order recorded,
    so event ids grow in that order; no write reads them back. Their totals are added
    once per run and once per agent, provider and model, in key order: transactions
    running at once on PostgreSQL lock the shared usage rows in one order, so they wait
    for each other but cannot deadlock.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._rows: dict[Table, list[dict[str, Any]]] = {}
        self._runs: dict[str, dict[str, Any]] = {}
        self._usage: dict[tuple[str, str, str], dict[str, Any]] = {}
        self._durations: dict[str, tuple[int, float]] = {}
        self._agent_upserts: list[tuple[bool, dict[str, Any]]] = []
        self._agent_rows: dict[tuple[str, str], _AgentRow] = {}

    def upsert_agent(self, ending: bool, values: dict[str, Any]) -> None:
        """An agent row's upsert (`_agent_upsert`), written with the others in order."""
        self._agent_upserts.append((ending, values))

    def agent_row(self, run_id: str, key: str) -> _AgentRow | None:
        """The agent's row as this transaction left it, if it changed it."""
        return self._agent_rows.get((run_id, key))

    def set_agent_row(self, run_id: str, key: str, row: _AgentRow) -> None:
        self._agent_rows[(run_id, key)] = row

    def flush_agents(self) -> None:
        """Write the agent rows upserted so far: before a statement that reads or
        changes agent rows. One executemany per run of rows with the same upsert, and
        a key at most once in each (PostgreSQL may make one multi-row INSERT of them,
        which cannot update a row twice)."""
        group: list[dict[str, Any]] = []
        keys: set[tuple[str, str]] = set()
        ending = False
        for row_ending, values in self._agent_upserts:
            key = (values["run_id"], values["key"])
            if group and (row_ending != ending or key in keys):
                self._upsert_agents(ending, group)
                group, keys = [], set()
            ending = row_ending
            group.append(values)
            keys.add(key)
        if group:
            self._upsert_agents(ending, group)
        self._agent_upserts.clear()
        self._agent_rows.clear()  # the database has them now, and whatever changes them next

    def _upsert_agents(self, ending: bool, rows: list[dict[str, Any]]) -> None:
        self.conn.execute(_agent_upsert(self.conn.dialect.name, ending), rows)

    def append(self, table: Table, rows: list[dict[str, Any]]) -> None:
        """Rows for an append-only table; those of one call share their keys (executemany)."""
        self._rows.setdefault(table, []).extend(rows)

    def add_up(self, calls: list[dict[str, Any]]) -> None:
        """LLM call rows into their run's totals and their agent, provider and model's."""
        for call in calls:
            adds = (1, call["input_tokens"], call["output_tokens"], call["cached_tokens"])
            adds += (Decimal(call["cost"]), 1 if call["estimated"] else 0)
            key = tuple(call[name] for name in USAGE_KEY)
            usage_row = {name: call[name] for name in USAGE_KEY} | dict.fromkeys(TOTALS, 0)
            for totals in (
                self._runs.setdefault(call["run_id"], dict.fromkeys(TOTALS, 0)),
                self._usage.setdefault(key, usage_row),
            ):
                for name, add in zip(TOTALS, adds, strict=True):
                    totals[name] += add

    def add_duration(self, agent: str, runs: int, seconds: float) -> None:
        """Done runs of a top-level agent and their seconds, added (or taken away)."""
        had_runs, had_seconds = self._durations.get(agent, (0, 0.0))
        self._durations[agent] = (had_runs + runs, had_seconds + seconds)

    def flush(self) -> None:
        conn = self.conn
        self.flush_agents()
        for table, rows in self._rows.items():
            conn.execute(insert(table), rows)
        if self._runs:
            added = [{"b_id": run_id} | _bound(adds) for run_id, adds in sorted(self._runs.items())]
            conn.execute(_ADD_TO_RUNS, added)
        if self._usage:
            added = [row for _, row in sorted(self._usage.items())]
            conn.execute(_adding(conn.dialect.name, usage, USAGE_KEY), added)
        if self._durations:
            added = [
                {"agent": agent, "runs": count, "seconds": seconds}
                for agent, (count, seconds) in sorted(self._durations.items())
            ]
            conn.execute(_adding(conn.dialect.name, agent_durations, ("agent",)), added)
        self._rows.clear()
        self._runs.clear()
        self._usage.clear()
        self._durations.clear()


def add_up_history(conn: Connection) -> None:
    """Add up LLM calls and agent runs written without their totals: a v1 store's, once
    on its upgrade to v2, or a history loaded in bulk into an empty store."""
    sums = [
        func.count(),
        func.sum(llm_calls.c.input_tokens),
        func.sum(llm_calls.c.output_tokens),
        func.sum(llm_calls.c.cached_tokens),
        func.sum(llm_calls.c.cost),
        func.sum(case((llm_calls.c.estimated, 1), else_=0)),
    ]
    per_run = conn.execute(select(llm_calls.c.run_id, *sums).group_by(llm_calls.c.run_id))
    totals = [
        {"b_id": run_id} | _bound(dict(zip(TOTALS, sums, strict=True))) for run_id, *sums in per_run
    ]
    if totals:  # the totals start at 0: adding them sets them
        conn.execute(_ADD_TO_RUNS, totals)
    keys = [llm_calls.c.agent, llm_calls.c.provider, llm_calls.c.model]
    conn.execute(
        insert(usage).from_select(
            ["agent", "provider", "model", *TOTALS], select(*keys, *sums).group_by(*keys)
        )
    )
    seconds = _seconds_sql(conn, agent_runs.c.started_at, agent_runs.c.ended_at)
    conn.execute(
        insert(agent_durations).from_select(
            ["agent", "runs", "seconds"],
            select(agent_runs.c.agent, func.count(), func.coalesce(func.sum(seconds), 0.0))
            .where(agent_runs.c.status.in_(DONE), agent_runs.c.key == agent_runs.c.agent)
            .group_by(agent_runs.c.agent),
        )
    )


def _seconds_sql(conn: Connection, started: Any, ended: Any) -> Any:
    """`ended - started` in seconds as SQL: each dialect subtracts times its own way."""
    if conn.dialect.name == "sqlite":
        return (func.julianday(ended) - func.julianday(started)) * 86400.0
    return func.extract("epoch", ended - started)


def _call_log(agent_key: str, call: dict[str, Any]) -> dict[str, Any]:
    """The live log's line for one LLM call: what it used and cost, or why it failed."""
    where = f"{call['provider']}/{call['model']} {call['purpose']} (attempt {call['attempt']})"
    if call.get("error"):
        return {"level": "warning", "key": agent_key, "message": f"{where}: {call['error']}"}
    used = f"{call['input_tokens']:,} in, {call['output_tokens']:,} out, ${call['cost']:f}"
    return {"level": "info", "key": agent_key, "message": f"{where}: {used}"}


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((utc(end) - utc(start)).total_seconds(), 3)


def _empty_totals() -> dict[str, Any]:
    return {
        "calls": 0,
        "input_tokens": 0,
        "output_tokens": 0,
        "cached_tokens": 0,
        "cost": Decimal(0),
        "estimated_calls": 0,
    }


def _run_view(row: Any, agents_done: int) -> dict[str, Any]:
    """A run's row (its usage totals included) with its times in UTC and its progress."""
    view = dict(row)
    view["started_at"] = utc(row["started_at"])
    view["ended_at"] = utc(row["ended_at"])
    view["duration_s"] = _seconds(row["started_at"], row["ended_at"])
    view["agents_done"] = agents_done
    return view


def _agent_view(row: Any, totals: dict | None) -> dict[str, Any]:
    keys = ("key", "agent", "task_run_id", "status", "attempts", "error", "cached_from")
    view = {key: row[key] for key in keys}
    view["started_at"] = utc(row["started_at"])
    view["ended_at"] = utc(row["ended_at"])
    view["duration_s"] = _seconds(row["started_at"], row["ended_at"])
    return view | (totals or _empty_totals())
