"""`ResultsStore`: runs, agent runs, LLM calls, files and events in any SQLAlchemy database.

What lives here: the store a caller opens, composed of its writes (writes.py) and its
reads (reads.py). Opening it makes the engine (engine.py) and brings the schema to the
newest revision (migrations/), one process at a time; a store that is damaged,
unreachable or newer than this voc is a one-line `StoreError` and is not written into.
"""

import threading
from contextlib import nullcontext

from sqlalchemy.exc import (
    ArgumentError,
    IntegrityError,
    NoSuchModuleError,
    OperationalError,
    ProgrammingError,
)

from monitor.store import migrations
from monitor.store.engine import StoreError, display_url, make_engine, schema_lock
from monitor.store.reads import Reads
from monitor.store.writes import Writes


class ResultsStore(Writes, Reads):
    """Everything the monitor records, and the queries the CLI and dashboard make."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._write_lock = threading.Lock() if url.startswith("sqlite") else nullcontext()
        self._local = threading.local()
        try:
            self.engine = make_engine(url)
        except (ArgumentError, NoSuchModuleError) as exc:
            raise StoreError(f"results store URL {display_url(url)!r}: {exc}") from exc
        self._migrate()

    def _migrate(self) -> None:
        """Bring the schema to the newest revision, one process at a time."""
        try:
            with self._write() as conn:
                schema_lock(conn)
                migrations.upgrade(conn)
        except (OperationalError, ProgrammingError, IntegrityError) as exc:
            first_line = str(exc.orig).splitlines()[0]
            raise StoreError(f"cannot open the results store: {first_line}") from exc
