"""The unit of work: what one write transaction appends and adds up, written at its end.

What lives here: `Pending`, the rows a transaction opened by `ResultsStore._write`
collects (LLM calls, events, agent-row upserts) and the totals it adds them into (a run's
usage, usage by agent, provider and model, each agent's done runs and their seconds),
flushed with one executemany per table when the transaction ends. Batching many writes
into one transaction (`ResultsStore.batch`, the hooks' writer thread) therefore costs one
commit, and the totals the history reads are kept in step with the rows that make them.
`AgentRow` follows an agent's row through the transaction without reading it back.
`add_up_history` computes the same totals from rows written without them.
"""

from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import Connection, Table, bindparam, case, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from monitor.store.schema import (
    DONE,
    TOTALS,
    USAGE_KEY,
    agent_durations,
    agent_runs,
    llm_calls,
    now,
    runs,
    seconds_sql,
    usage,
    utc,
)

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
def _agent_upsert(dialect_name: str) -> Any:
    """An agent row's upsert as it starts or ends, told apart by the new status: one
    statement for both, so a transaction's agent rows go in one executemany per wave.

    A start counts an attempt, clears the row's end and error, and keeps a running row's
    start; an ending keeps the row's start, attempts and task run."""
    statement = (sqlite if dialect_name == "sqlite" else postgresql).insert(agent_runs)
    new, row = statement.excluded, agent_runs.c
    starting = new.status == "running"
    changed = {
        "status": new.status,
        "task_run_id": func.coalesce(new.task_run_id, row.task_run_id),
        "error": new.error,
        "ended_at": new.ended_at,
        "cached_from": case((starting, row.cached_from), else_=new.cached_from),
        "attempts": row.attempts + case((starting, 1), else_=0),
        "started_at": case(
            (starting & (row.status != "running"), new.started_at), else_=row.started_at
        ),
    }
    return statement.on_conflict_do_update(index_elements=["run_id", "key"], set_=changed)


@cache
def appending(table: Table) -> Any:
    """INSERT a row of an append-only table: made once, so its cache key is worked out once."""
    return insert(table)


@cache
def _adding(dialect_name: str, table: Table, keys: tuple[str, ...]) -> Any:
    """INSERT a row, or on conflict over `keys` add its other columns to the row's."""
    dialect = sqlite if dialect_name == "sqlite" else postgresql
    statement = dialect.insert(table)
    added = {c.name: c + statement.excluded[c.name] for c in table.columns if c.name not in keys}
    return statement.on_conflict_do_update(index_elements=list(keys), set_=added)


class AgentRow(NamedTuple):
    """What `_retime` needs of an agent's row: its status and times (in UTC)."""

    status: str
    started_at: datetime
    ended_at: datetime | None

    @classmethod
    def read(cls, found: Any) -> "AgentRow":
        """The row as a query gave it (SQLite hands its times back without a zone)."""
        return cls(found.status, utc(found.started_at), utc(found.ended_at))


# The top-level agents' rows of a run, read once as the store starts following it.
TOP_AGENT_ROWS = select(
    agent_runs.c.key, agent_runs.c.status, agent_runs.c.started_at, agent_runs.c.ended_at
).where(agent_runs.c.run_id == bindparam("run_id"), agent_runs.c.key == agent_runs.c.agent)
AGENT_ROW = select(agent_runs.c.status, agent_runs.c.started_at, agent_runs.c.ended_at).where(
    agent_runs.c.run_id == bindparam("run_id"), agent_runs.c.key == bindparam("key")
)
# What `Pending.agent_row` answers for a row it cannot vouch for: read it.
UNKNOWN = object()


def agent_row_after(old: AgentRow | None, status: str, at: datetime) -> AgentRow:
    """The row as `_agent_upsert` leaves it: a start keeps a running row's start, an
    ending keeps any row's start."""
    if status == "running":
        kept = old is not None and old.status == "running"
        return AgentRow(status, old.started_at if kept else at, None)
    return AgentRow(status, old.started_at if old is not None else at, at)


def event_row(run_id: str, kind: str, payload: dict) -> dict[str, Any]:
    """A row of the event log, stamped now."""
    return {"run_id": run_id, "kind": kind, "payload": payload, "created_at": now()}


# The top-level agent rows of the runs a store follows, by run id and key, as committed.
FollowedRuns = dict[str, dict[str, AgentRow]]


class Pending:
    """What a write transaction appends and adds up, written in one go at its end.

    One lives on the thread for as long as `ResultsStore._write` holds a transaction
    open; every write method inside it hands its rows here instead of executing them,
    and `flush` writes them just before the commit. Agent rows are upserts that later
    statements may read (`_payer`) or change (`finish_run`): those call `flush_agents`
    first, so what they see is what was written so far.

    The store follows the top-level agent rows of the runs it records (`follow`, as a run
    starts): it writes every change to them itself, so it knows each row as it was
    without reading it back; a statement that changes them otherwise (`finish_run`)
    makes it `forget` them. What a transaction learns is kept once it commits (`keep`).

    LLM calls and events go in with one executemany per table, in the order recorded,
    so event ids grow in that order; no write reads them back. Their totals are added
    once per run and once per agent, provider and model, in key order: transactions
    running at once on PostgreSQL lock the shared usage rows in one order, so they wait
    for each other but cannot deadlock.
    """

    def __init__(self, conn: Connection, followed: FollowedRuns) -> None:
        self.conn = conn
        self._rows: dict[Table, list[dict[str, Any]]] = {}
        self._runs: dict[str, dict[str, Any]] = {}
        self._usage: dict[tuple[str, str, str], dict[str, Any]] = {}
        self._durations: dict[str, tuple[int, float]] = {}
        self._agent_upserts: list[dict[str, Any]] = []
        self._agent_rows: dict[tuple[str, str], AgentRow] = {}
        self._followed = followed
        self._follows: dict[str, dict[str, AgentRow] | None] = {}

    def upsert_agent(self, values: dict[str, Any]) -> None:
        """An agent row's upsert (`_agent_upsert`), written with the others in order."""
        self._agent_upserts.append(values)

    def follow(self, run_id: str, rows: dict[str, AgentRow]) -> None:
        """Know the run's top-level agent rows from now on: `rows`, as read, then every
        change this store writes to them."""
        self._follows[run_id] = rows

    def forget(self, run_id: str) -> None:
        """The run's agent rows were changed by a statement: read them when needed."""
        self._follows[run_id] = None
        for key in [key for key in self._agent_rows if key[0] == run_id]:
            del self._agent_rows[key]

    def agent_row(self, run_id: str, key: str) -> AgentRow | None | object:
        """The top-level agent's row as this transaction leaves it so far, None if there
        is none, or `UNKNOWN` if the store does not follow it."""
        if (run_id, key) in self._agent_rows:
            return self._agent_rows[(run_id, key)]
        rows = self._follows[run_id] if run_id in self._follows else self._followed.get(run_id)
        return UNKNOWN if rows is None else rows.get(key)

    def set_agent_row(self, run_id: str, key: str, row: AgentRow) -> None:
        """Remember the agent's row as this transaction leaves it."""
        self._agent_rows[(run_id, key)] = row

    def keep(self) -> None:
        """The transaction committed: what it learnt of the followed rows holds now."""
        for run_id, rows in self._follows.items():
            if rows is None:
                self._followed.pop(run_id, None)
            else:
                self._followed[run_id] = rows
        for (run_id, key), row in self._agent_rows.items():
            if run_id in self._followed:
                self._followed[run_id][key] = row

    def flush_agents(self) -> None:
        """Write the agent rows upserted so far: before a statement that reads or
        changes agent rows.

        An upsert changes its own row only, so only the order of one row's upserts
        matters. SQLite's executemany runs its rows one by one, in order: one statement
        takes them all. On PostgreSQL they go in waves, the first upsert of every row,
        then the second, and so on, one executemany each, so that a key is at most once
        in each (it may make one multi-row INSERT of them, which cannot update a row
        twice)."""
        if not self._agent_upserts:
            return
        upsert = _agent_upsert(self.conn.dialect.name)
        if self.conn.dialect.name == "sqlite":
            waves = [self._agent_upserts]
        else:
            waves = _waves(self._agent_upserts)
        for rows in waves:
            self.conn.execute(upsert, rows)
        self._agent_upserts = []

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
        """Write everything pending: agent rows, appended rows, then the totals in key order."""
        conn = self.conn
        self.flush_agents()
        for table, rows in self._rows.items():
            conn.execute(appending(table), rows)
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


def _waves(upserts: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Agent-row upserts in waves: each row's first, then each row's second, and so on."""
    waves: list[list[dict[str, Any]]] = []
    seen: dict[tuple[str, str], int] = {}
    for values in upserts:
        key = (values["run_id"], values["key"])
        wave = seen.get(key, 0)
        seen[key] = wave + 1
        if wave == len(waves):
            waves.append([])
        waves[wave].append(values)
    return waves


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
    seconds = seconds_sql(conn, agent_runs.c.started_at, agent_runs.c.ended_at)
    conn.execute(
        insert(agent_durations).from_select(
            ["agent", "runs", "seconds"],
            select(agent_runs.c.agent, func.count(), func.coalesce(func.sum(seconds), 0.0))
            .where(agent_runs.c.status.in_(DONE), agent_runs.c.key == agent_runs.c.agent)
            .group_by(agent_runs.c.agent),
        )
    )
