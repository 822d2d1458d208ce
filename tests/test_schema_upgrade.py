"""A store made by an older voc gains the newer columns when it is opened."""

import uuid
from datetime import date

import pytest
from sqlalchemy import create_engine, inspect, text

from monitor.store import ResultsStore
from tests.conftest import POSTGRES_URL

NEW_COLUMNS = {"voc_runs": "deployment_name", "voc_llm_calls": "cache_write_tokens"}


def drop_new_columns(url: str) -> None:
    """Make the store look as an older voc left it."""
    engine = create_engine(url)
    with engine.begin() as conn:
        for table, column in NEW_COLUMNS.items():
            conn.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))
    engine.dispose()


def check_upgraded(url: str) -> None:
    drop_new_columns(url)
    store = ResultsStore(url)
    columns = inspect(store.engine)
    for table, column in NEW_COLUMNS.items():
        assert column in {c["name"] for c in columns.get_columns(table)}
    store.start_run(
        {
            "id": "r1",
            "command": "voice-of-customer",
            "window_start": date(2026, 11, 16),
            "agents_total": 16,
            "deployment_name": "weekly",
        }
    )
    assert store.run("r1")["deployment_name"] == "weekly"


def test_a_sqlite_store_gains_the_new_columns(tmp_path):
    url = f"sqlite:///{tmp_path / 'voc.db'}"
    ResultsStore(url).engine.dispose()
    check_upgraded(url)


@pytest.mark.postgres
def test_a_postgresql_store_gains_the_new_columns(postgres_url):
    # A schema of its own: the session's schema is shared with other tests.
    schema = f"voc_upgrade_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
        ResultsStore(url).engine.dispose()
        check_upgraded(url)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
