"""Where the results store is and how to connect to it.

What lives here: the store's settings (the voc home `VOC_HOME`, `--output-dir`/
`VOC_OUTPUT_DIR`, `--store`/`VOC_STORE_URL` or a `block:NAME`, the default SQLite
file), a URL fit for logs (`display_url`), and `make_engine`: SQLite files in WAL with a
busy timeout, their write transactions begun IMMEDIATE; PostgreSQL with pre-ping.
`schema_lock` serialises the processes that open one store at once while its schema is
brought up to date.
"""

import os
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from blocks.results_store import is_block_reference, store_url_from_block

SCHEMA_LOCK = 0x766F6321  # "voc!": the advisory lock that serialises schema changes


class StoreError(RuntimeError):
    """The store cannot be opened or does not hold what was asked for."""


def voc_home() -> Path:
    """`VOC_HOME`, else `~/.voc`: the store and the run folders, unless told otherwise.

    A home of its own, as Prefect has `PREFECT_HOME`: a process worker runs each flow
    in a temporary folder it deletes afterwards, and would take `./outputs` along.
    """
    return Path(os.environ.get("VOC_HOME") or Path.home() / ".voc")


def resolve_output_dir(output_dir: str | Path | None) -> Path:
    """`--output-dir`, else `VOC_OUTPUT_DIR`, else `outputs/` in the voc home."""
    return Path(output_dir or os.environ.get("VOC_OUTPUT_DIR") or voc_home() / "outputs")


def default_store_url() -> str:
    """`voc.db` in the voc home."""
    return f"sqlite:///{voc_home() / 'voc.db'}"


def resolve_store_url(store: str | None) -> str:
    """`--store`, else `VOC_STORE_URL`, else `voc.db` in the voc home.

    `block:NAME` reads the URL from that connector block.
    """
    url = store or os.environ.get("VOC_STORE_URL") or default_store_url()
    if not is_block_reference(url):
        return url
    try:
        return store_url_from_block(url)
    except (ValueError, KeyError, RuntimeError, OSError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise StoreError(f"results store {url}: cannot load that block: {first}") from None


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


SUPPORTED = ("sqlite", "postgresql")


def make_engine(url: str) -> Engine:
    """An engine for the URL; SQLite files get WAL and a busy timeout on every connection.

    Raises a one-line `StoreError` for a URL of another database, or a SQLite path
    whose folder cannot be made.
    """
    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError:
        raise StoreError(f"results store {display_url(url)}: not a database URL") from None
    if backend not in SUPPORTED:
        raise StoreError(
            f"results store {display_url(url)}: {backend} is not supported "
            "(use sqlite:///PATH or postgresql+psycopg://...)"
        )
    if backend == "postgresql":
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": 30})
    if read_only_file(engine.url.database):
        return _read_only_engine(Path(engine.url.database))
    if engine.url.database and engine.url.database != ":memory:":
        folder = Path(engine.url.database).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"results store {display_url(url)}: cannot make its folder {folder}: {exc.strerror}"
            ) from None
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def read_only_file(database: str | None) -> bool:
    """Whether `database` is a SQLite file that exists but this process cannot write."""
    if not database or database == ":memory:" or not os.path.exists(database):
        return False
    folder = os.path.dirname(os.path.abspath(database))
    return not (os.access(database, os.W_OK) and os.access(folder, os.W_OK))


def _read_only_engine(path: Path) -> Engine:
    """An engine that only reads: a store on a read-only disk or without write permission.

    On a read-only folder SQLite cannot make the WAL's shared-memory file, so the file
    is opened as immutable: nothing else can be writing it either.
    """
    immutable = "&immutable=1" if not os.access(path.parent, os.W_OK) else ""
    uri = f"file:{quote(str(path.resolve()))}?mode=ro{immutable}"
    engine = create_engine(
        "sqlite://", creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False)
    )
    engine.read_only = True  # type: ignore[attr-defined]
    return engine


def schema_lock(conn: Connection) -> None:
    """Hold the store's schema lock until the transaction ends.

    PostgreSQL: an advisory lock. SQLite: the write transaction's own lock, which a
    write transaction (BEGIN IMMEDIATE) already holds.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})
