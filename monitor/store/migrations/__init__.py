"""The results store's schema migrations, on Alembic, run when a store is opened.

What lives here: `upgrade`, which brings a store to the newest revision inside the
caller's write transaction (under `engine.schema_lock`, so processes opening one store
at once take turns); `alembic_config`, the Alembic configuration built in code (no
alembic.ini); env.py, which Alembic runs; versions/, one file a revision:

- 0001: the v1 schema, as voc first shipped it (the baseline).
- 0002: v2, usage totals kept on write (`voc_runs`' totals, `voc_usage`,
  `voc_agent_durations`) and the history's indexes; adds up what v1 recorded.
- 0003: `voc_llm_calls.cache_write_1h_tokens`, the one-hour cache writes.
- 0004: `voc_scores`, an evaluated run's scores (`voc eval`), one row per metric.

A store from before Alembic has no `alembic_version` but a `voc_schema` version, and is
stamped with the revision that version names before it is upgraded. A store at a revision
this voc does not know was written by a newer voc: it is refused, never written into.

A new revision: change schema.py, then, against a store at head,
`command.revision(alembic_config(conn), "what changes", autogenerate=True)`, and read
what Alembic wrote.
"""

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, func, inspect, select

from monitor.store.engine import StoreError
from monitor.store.schema import schema_version

HERE = Path(__file__).parent
# The revision each `voc_schema` version of a store made before Alembic is at.
LEGACY = {1: "0001", 2: "0002"}


def alembic_config(conn: Connection) -> Config:
    """Alembic's configuration for migrating the store behind `conn`."""
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.attributes["connection"] = conn
    return config


@cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory(str(HERE))


def upgrade(conn: Connection) -> None:
    """Bring the store to the newest revision; the caller holds the schema lock."""
    scripts = _scripts()
    head = scripts.get_current_head()
    current = MigrationContext.configure(conn).get_current_revision()
    if current is None:
        current = _legacy_revision(conn)
        if current is not None:
            command.stamp(alembic_config(conn), current)
    if current == head:
        return
    if current is not None and current not in {s.revision for s in scripts.walk_revisions()}:
        raise StoreError(
            f"the results store has schema revision {current}; this voc knows up to {head}"
        )
    command.upgrade(alembic_config(conn), "head")


def at_head(conn: Connection) -> bool:
    """Whether the store is at the newest revision (a read, for stores that take no writes)."""
    return MigrationContext.configure(conn).get_current_revision() == _scripts().get_current_head()


def _legacy_revision(conn: Connection) -> str | None:
    """The revision of a store made before Alembic, from its `voc_schema` version."""
    if not inspect(conn).has_table(schema_version.name):
        return None
    version = conn.scalar(select(func.max(schema_version.c.version)))
    if version not in LEGACY:
        known = max(LEGACY)
        raise StoreError(f"the results store has schema v{version}; this voc knows up to v{known}")
    return LEGACY[version]
