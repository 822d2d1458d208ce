"""Several runs writing to one store at once: no lock errors, no row lost."""

import os
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import pytest

from monitor.store import ResultsStore
from tests.conftest import VOC
from tests.store_writer import AGENTS, CALLS_PER_AGENT, TOPICS

ROOT = Path(__file__).resolve().parents[1]
WRITERS = 4
ROUNDS = 3


def run_writers(url: str, run_ids: list[str]) -> list[str]:
    """Start one writer process per run at once; returns what each printed to stderr."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.store_writer", url, run_id],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            env={**os.environ},
        )
        for run_id in run_ids
    ]
    return [p.communicate(timeout=300)[1].decode() for p in procs]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request, store_url) -> str:
    return store_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")


def test_concurrent_runs_lose_nothing(url):
    ResultsStore(url)  # the schema exists before the writers race
    every_run: list[str] = []
    for _ in range(ROUNDS):
        run_ids = [str(uuid.uuid4()) for _ in range(WRITERS)]
        errors = run_writers(url, run_ids)
        assert errors == [""] * WRITERS, errors
        every_run += run_ids
    store = ResultsStore(url)
    rows_per_run = AGENTS + TOPICS
    for run_id in every_run:
        run = store.run(run_id)
        assert run["status"] == "completed"
        assert len(run["agents"]) == rows_per_run
        assert run["calls"] == rows_per_run * CALLS_PER_AGENT
        assert run["cost"] == Decimal("0.000210") * rows_per_run * CALLS_PER_AGENT
        assert [f["path"] for f in run["files"]] == ["report.md"]


def test_two_real_runs_at_once_on_one_sqlite_file(tmp_path, prefect_home):
    env = {
        **os.environ,
        "PREFECT_HOME": str(prefect_home),
        "VOC_HOME": str(tmp_path),
    }
    ResultsStore(f"sqlite:///{tmp_path / 'voc.db'}")
    procs = [
        subprocess.Popen(
            [VOC, "run"], env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    results = [(p.wait(timeout=300), p.stderr.read().decode()) for p in procs]
    assert results == [(0, ""), (0, "")]
    runs = ResultsStore(f"sqlite:///{tmp_path / 'voc.db'}").runs()
    assert [(r["status"], r["agents_done"]) for r in runs] == [("completed", 16)] * 2
    assert runs[0]["calls"] == runs[1]["calls"] > 0
