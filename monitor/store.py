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
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    and_,
    case,
    create_engine,
    event,
    func,
    insert,
    select,
    text,
    true,
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
    agent_runs,
    events,
    files,
    llm_calls,
    metadata,
    runs,
    schema_version,
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

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        # Threads of one process queue here rather than on SQLite's lock, whose busy
        # handler sleeps in steps of up to 100 ms; other processes still wait on SQLite.
        with (
            self._write_lock,
            self.engine.execution_options(sqlite_begin="IMMEDIATE").begin() as conn,
        ):
            yield conn

    def _event(self, conn: Connection, run_id: str, kind: str, payload: dict) -> None:
        conn.execute(
            insert(events).values(run_id=run_id, kind=kind, payload=payload, created_at=now())
        )

    def _upsert(
        self, conn: Connection, table: Any, values: dict, keys: list[str], **on_conflict: Any
    ) -> None:
        dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
        statement = dialect.insert(table).values(**values)
        conn.execute(statement.on_conflict_do_update(index_elements=keys, set_=on_conflict))

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
            self._upsert(
                conn,
                agent_runs,
                values,
                ["run_id", "key"],
                status="running",
                task_run_id=task_run_id,
                error=None,
                ended_at=None,
                attempts=agent_runs.c.attempts + 1,
                started_at=case(
                    (agent_runs.c.status == "running", agent_runs.c.started_at), else_=started
                ),
            )
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
            self._upsert(
                conn,
                agent_runs,
                values,
                ["run_id", "key"],
                status=status,
                cached_from=cached_from,
                error=error,
                ended_at=ended,
            )
            payload = {"key": key, "agent": agent, "status": status, "error": error}
            self._event(conn, run_id, "agent", payload)
            if error:
                level = "error" if status == "failed" else "warning"
                self._event(conn, run_id, "log", {"level": level, "key": key, "message": error})

    def _payer(self, conn: Connection, run_id: str, key: str) -> str | None:
        """The first run with this run's resume key that completed the agent itself."""
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
        agent = agent_key.split("[", 1)[0]
        with self._write() as conn:
            conn.execute(
                insert(llm_calls).values(
                    run_id=run_id, agent_key=agent_key, agent=agent, created_at=now(), **call
                )
            )
            self._event(conn, run_id, "log", _call_log(agent_key, call))

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
            ids = [row["id"] for row in rows]
            totals = self._cost_totals(conn, llm_calls.c.run_id, llm_calls.c.run_id.in_(ids))
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
        return [_run_view(row, totals.get(row["id"]), done.get(row["id"], 0)) for row in rows]

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
            totals = self._cost_totals(conn, llm_calls.c.run_id, llm_calls.c.run_id == run_id)
            run_files = (
                conn.execute(select(files).where(files.c.run_id == run_id).order_by(files.c.path))
                .mappings()
                .all()
            )
        done = sum(1 for a in agents if a["key"] == a["agent"] and a["status"] in DONE)
        view = _run_view(row, totals.get(run_id), done)
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

        Aggregated in SQL: it reads a handful of rows however long the history.
        """
        completed = runs.c.status == "completed"
        top_level_done = and_(agent_runs.c.status.in_(DONE), agent_runs.c.key == agent_runs.c.agent)
        with self.engine.connect() as conn:
            counts = dict(
                conn.execute(
                    select(runs.c.status, func.count())
                    .where(runs.c.status.in_(FINAL))
                    .group_by(runs.c.status)
                ).all()
            )
            run_seconds = _seconds_sql(conn, runs.c.started_at, runs.c.ended_at)
            duration = conn.scalar(select(func.avg(run_seconds)).where(completed))
            spent = conn.scalar(
                select(func.sum(llm_calls.c.cost))
                .join(runs, runs.c.id == llm_calls.c.run_id)
                .where(completed)
            )
            agent_seconds = _seconds_sql(conn, agent_runs.c.started_at, agent_runs.c.ended_at)
            agents = conn.execute(
                select(agent_runs.c.agent, func.count(), func.avg(agent_seconds))
                .where(top_level_done)
                .group_by(agent_runs.c.agent)
                .order_by(agent_runs.c.agent)
            ).all()
            agent_totals = self._cost_totals(conn, llm_calls.c.agent, true())
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
                    "average_duration_s": round(float(seconds or 0), 3),
                    "average_cost": agent_totals.get(name, _empty_totals())["cost"] / count,
                    "calls": agent_totals.get(name, _empty_totals())["calls"],
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
        with self.engine.connect() as conn:
            # Newest window first; the first run seen of a window is its newest.
            rows = conn.execute(
                select(
                    runs.c.id,
                    runs.c.window_start,
                    runs.c.window_end,
                    runs.c.started_at,
                    runs.c.ended_at,
                    runs.c.summary,
                )
                .where(runs.c.status == "completed", runs.c.window_start.is_not(None))
                .order_by(runs.c.window_start.desc(), runs.c.started_at.desc())
            )
            chosen: dict[date, Any] = {}
            for row in rows:
                chosen.setdefault(row.window_start, row)
                if len(chosen) >= weeks:
                    break
            rows.close()
            ids = [row.id for row in chosen.values()]
            totals = self._cost_totals(conn, llm_calls.c.run_id, llm_calls.c.run_id.in_(ids))
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
            | totals.get(row.id, _empty_totals())
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
            usage = conn.execute(
                select(
                    llm_calls.c.agent,
                    llm_calls.c.provider,
                    llm_calls.c.model,
                    func.count(),
                    func.sum(llm_calls.c.input_tokens),
                    func.sum(llm_calls.c.output_tokens),
                    func.sum(llm_calls.c.cached_tokens),
                    func.sum(llm_calls.c.cost),
                )
                .group_by(llm_calls.c.agent, llm_calls.c.provider, llm_calls.c.model)
                .order_by(llm_calls.c.agent, llm_calls.c.provider, llm_calls.c.model)
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
                    "input_tokens": row[4] or 0,
                    "output_tokens": row[5] or 0,
                    "cached_tokens": row[6] or 0,
                    "cost": row[7] or Decimal(0),
                }
                for row in usage
            ],
        }


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


def _run_view(row: Any, totals: dict | None, agents_done: int) -> dict[str, Any]:
    view = dict(row)
    view["started_at"] = utc(row["started_at"])
    view["ended_at"] = utc(row["ended_at"])
    view["duration_s"] = _seconds(row["started_at"], row["ended_at"])
    view["agents_done"] = agents_done
    return view | (totals or _empty_totals())


def _agent_view(row: Any, totals: dict | None) -> dict[str, Any]:
    keys = ("key", "agent", "task_run_id", "status", "attempts", "error", "cached_from")
    view = {key: row[key] for key in keys}
    view["started_at"] = utc(row["started_at"])
    view["ended_at"] = utc(row["ended_at"])
    view["duration_s"] = _seconds(row["started_at"], row["ended_at"])
    return view | (totals or _empty_totals())
