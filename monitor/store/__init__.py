"""The results store: what the monitor records about each run, and the queries over it.

A tour, in the order a write travels:

- engine.py: where the store is (`resolve_store_url`, `resolve_output_dir`) and the
  engine (`make_engine`: SQLite in WAL with a busy timeout, or any SQLAlchemy URL).
- schema.py: the tables, and the vocabulary of their values (`Money`, `FINAL`, `DONE`).
- migrations/: Alembic revisions that bring a database to schema.py's shape on open.
- results_store.py: `ResultsStore`, opened with a URL; its methods come from
- writes.py: runs, agents, LLM calls, files, each with its event-log entries, and
- batch.py: `Pending`, the unit of work that writes a transaction's rows and the
  totals they add up to in one go at its end, and
- reads.py: history, one run, statistics, comparison, metrics, the event log, with
- views.py: the rows shaped for the CLI and the dashboard.
"""

from monitor.store.batch import add_up_history
from monitor.store.engine import (
    StoreError,
    default_store_url,
    display_url,
    make_engine,
    resolve_output_dir,
    resolve_store_url,
)
from monitor.store.results_store import ResultsStore, shared_store
from monitor.store.schema import DONE, FINAL, now, utc
from monitor.store.writes import LEASE, llm_call_row

__all__ = [
    "DONE",
    "FINAL",
    "LEASE",
    "ResultsStore",
    "StoreError",
    "add_up_history",
    "default_store_url",
    "display_url",
    "llm_call_row",
    "make_engine",
    "now",
    "resolve_output_dir",
    "resolve_store_url",
    "shared_store",
    "utc",
]
