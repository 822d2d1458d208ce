"""Shared fixtures: a Prefect test harness, temporary stores and small Intercom exports."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser import browser, page  # noqa: F401  (fixtures for the browser tests)
from tests.servers.intercom import conversation as intercom_conversation  # noqa: F401

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# Processes the tests start (`prefect block register`, a flow run in a child Python) bring
# up Prefect's ephemeral server, given 20 s by default: too short at a load of 9-12 on two
# cores, where starting it alone took over 30 s. `voc` itself allows 120 s.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect API for the session's flow runs."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield


@pytest.fixture
def calls():
    """Every LLM call attempt the client reports: what the monitor records as call rows."""
    from tasks.observe import observers

    seen: list = []
    observers.llm_call.append(seen.append)
    yield seen
    observers.llm_call.remove(seen.append)


POSTGRES_URL = os.environ.get(
    "VOC_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="session")
def postgres_url():
    """A schema of its own in the test PostgreSQL database, for this session only."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    schema = f"voc_test_{uuid.uuid4().hex[:10]}"
    try:
        with engine.connect() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    except OperationalError as exc:
        pytest.skip(f"no PostgreSQL answers at {POSTGRES_URL}: {exc.orig}")
    yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    with engine.connect() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


@pytest.fixture
def output_dir(tmp_path: Path) -> Path:
    path = tmp_path / "outputs"
    path.mkdir()
    return path


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'voc.db'}"


def write_export(path: Path, conversations: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "conversation.list", "conversations": conversations}))
    return path


VOC = str(Path(sys.executable).with_name("voc"))


# Settings a developer's shell may hold that would send a test's `voc` to a real service
# or a shared store: a test sets what it needs itself.
SERVICE_VARIABLES = [
    f"{service}_{name}"
    for service in ("OPENAI", "ANTHROPIC", "GAMMA")
    for name in ("API_KEY", "BASE_URL")
] + ["INTERCOM_TOKEN", "INTERCOM_BASE_URL", "VOC_DASHBOARD_TOKEN", "VOC_DASHBOARD_BASE_URLS"]
# And where voc keeps its data: a test's voc has a home of its own.
SERVICE_VARIABLES += ["VOC_HOME", "VOC_OUTPUT_DIR", "VOC_STORE_URL"]


def voc_environment(home: Path, prefect_home: Path) -> dict[str, str]:
    """The environment a `voc` process runs in for a test: its own voc home (store and
    run folders) and Prefect home, and no service, store or dashboard settings from the
    shell."""
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    return env | {
        "VOC_HOME": str(home),
        "PREFECT_HOME": str(prefect_home),
        "PYTHONUNBUFFERED": "1",
    }


@pytest.fixture(scope="session")
def prefect_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("prefect-home")


@pytest.fixture
def voc(tmp_path, prefect_home):
    """Run `voc ARGS` with its own output directory (and so its own store); keyword
    arguments add environment variables (a provider's key and base URL, say)."""
    base = voc_environment(tmp_path, prefect_home) | {"COLUMNS": "160"}

    def run(*args: str, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [VOC, *args], env=base | env, cwd=tmp_path, capture_output=True, text=True, timeout=300
        )

    return run
