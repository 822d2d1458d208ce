"""`ResultsStore`: runs, agent runs, LLM calls, files and events in any SQLAlchemy database.

What lives here: the store a caller opens, composed of its writes (writes.py) and its
reads (reads.py). Opening it makes the engine (engine.py) and brings the schema to the
newest revision (migrations/), one process at a time; a store that is damaged,
unreachable or newer than this voc is a one-line `StoreError` and is not written into.
"""

import threading
from contextlib import nullcontext

from sqlalchemy.exc import ArgumentError, DatabaseError, NoSuchModuleError

from monitor.store import migrations
from monitor.store.engine import StoreError, display_url, make_engine, schema_lock
from monitor.store.reads import Reads
from monitor.store.scores import Scores
from monitor.store.writes import Writes

_shared: dict[str, "ResultsStore"] = {}
_shared_lock = threading.Lock()


def shared_store(url: str) -> "ResultsStore":
    """The process's one store for this URL, opened (engine, integrity and schema checks)
    on first use: `voc run` opens it before the flow starts, and the flow's hooks and
    body find it open instead of paying for those checks again on the flow's path."""
    with _shared_lock:
        if url not in _shared:
            _shared[url] = ResultsStore(url)
        return _shared[url]


class ResultsStore(Writes, Scores, Reads):
    """Everything the monitor records, and the queries the CLI and dashboard make."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.read_only = False
        self._write_lock = threading.Lock() if url.startswith("sqlite") else nullcontext()
        self._local = threading.local()
        try:
            self.engine = make_engine(url)
        except (ArgumentError, NoSuchModuleError) as exc:
            raise StoreError(f"results store URL {display_url(url)!r}: {exc}") from exc
        self._immediate = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self._followed = {}
        self._check_intact()
        if getattr(self.engine, "read_only", False):
            self._open_read_only()
        else:
            self._migrate()

    def _open_read_only(self) -> None:
        """A store this process cannot write: readable if its schema needs no change."""
        try:
            current = self._at_head()
        except DatabaseError as exc:
            where = display_url(self.url)
            raise StoreError(f"cannot read the results store {where}: {exc.orig}") from None
        if not current:
            raise StoreError(
                f"results store {display_url(self.url)} is read-only and needs a schema "
                "upgrade: open it once where it can be written"
            )
        self.read_only = True

    def _check_intact(self) -> None:
        """Refuse a damaged SQLite file before anything is written into it."""
        if self.engine.dialect.name != "sqlite":
            return
        try:
            with self.engine.connect() as conn:
                found = str(conn.exec_driver_sql("PRAGMA quick_check(1)").scalar())
        except DatabaseError as exc:
            if not _damage(exc):
                raise StoreError(
                    f"cannot open the results store {display_url(self.url)}: {exc.orig}"
                ) from None
            found = str(exc.orig)
        if found != "ok":
            problem = " ".join(found.split())
            raise StoreError(
                f"results store {display_url(self.url)} is damaged ({problem}): "
                "restore it from a backup or move it aside; nothing was written to it"
            )

    def _migrate(self) -> None:
        """Bring the schema to the newest revision, one process at a time."""
        try:
            with self._write() as conn:
                schema_lock(conn)
                migrations.upgrade(conn)
        except DatabaseError as exc:
            first_line = str(exc.orig).splitlines()[0]
            raise StoreError(
                f"cannot open the results store {display_url(self.url)}: {first_line}"
            ) from exc

    def _at_head(self) -> bool:
        with self.engine.connect() as conn:
            return migrations.at_head(conn)

    def check_writable(self) -> None:
        """Raise a one-line `StoreError` if this store cannot take a run's rows."""
        if self.read_only:
            raise StoreError(
                f"results store {display_url(self.url)} is read-only: a run needs to write to it"
            )


def _damage(error: DatabaseError) -> bool:
    """Whether SQLite's error says the file's contents are broken (not that it cannot open)."""
    text = str(error.orig).lower()
    return "malformed" in text or "not a database" in text
