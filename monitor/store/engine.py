"""Where the results store is and how to connect to it.

What lives here: the store's settings (`--output-dir`/`VOC_OUTPUT_DIR`, `--store`/
`VOC_STORE_URL` or a `block:NAME`, the default SQLite file), a URL fit for logs
(`display_url`), and `make_engine`: SQLite files in WAL with a busy timeout, their write
transactions begun IMMEDIATE; PostgreSQL with pre-ping. `schema_lock` serialises the
processes that open one store at once while its schema is brought up to date.
"""

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from blocks.results_store import is_block_reference, store_url_from_block

SCHEMA_LOCK = 0x766F6321  # "voc!": the advisory lock that serialises schema changes


class StoreError(RuntimeError):
    """The store cannot be opened or does not hold what was asked for."""


def resolve_output_dir(output_dir: str | Path | None) -> Path:
    """`--output-dir`, else `VOC_OUTPUT_DIR`, else `./outputs`."""
    return Path(output_dir or os.environ.get("VOC_OUTPUT_DIR") or "outputs")


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


def schema_lock(conn: Connection) -> None:
    """Hold the store's schema lock until the transaction ends.

    PostgreSQL: an advisory lock. SQLite: the write transaction's own lock, which a
    write transaction (BEGIN IMMEDIATE) already holds.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})
