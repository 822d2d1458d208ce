"""A run is crashed only when its process is gone: never while it lives, however silent."""

import os
import socket
import subprocess
import sys
from datetime import date, datetime, timedelta

from sqlalchemy import update

from monitor.store import ResultsStore, now
from monitor.store.schema import runs
from tests.dashboard_helpers import start_run

WEEK = date(2025, 11, 17)
HOST = socket.gethostname()


def silent_for(store: ResultsStore, run_id: str, minutes: int) -> None:
    """As if the run's heartbeat stopped `minutes` ago (a long regex, a stalled thread)."""
    with store.engine.begin() as conn:
        stale = now() - timedelta(minutes=minutes)
        conn.execute(update(runs).where(runs.c.id == run_id).values(heartbeat_at=stale))


def finished_pid() -> int:
    probe = [sys.executable, "-c", "import os; print(os.getpid())"]
    return int(subprocess.run(probe, text=True, capture_output=True).stdout)


def test_a_silent_run_whose_process_lives_here_is_not_crashed(store_url):
    store = ResultsStore(store_url)
    run_id = start_run(store, WEEK, host=HOST, pid=os.getpid())
    silent_for(store, run_id, 30)
    assert store.mark_dead_runs() == []
    assert store.run(run_id)["status"] == "running"


def test_a_run_whose_process_is_gone_is_crashed(store_url):
    store = ResultsStore(store_url)
    run_id = start_run(store, WEEK, host=HOST, pid=finished_pid())
    assert store.mark_dead_runs() == [run_id]
    assert store.run(run_id)["status"] == "crashed"


def test_a_pid_taken_by_a_newer_process_counts_as_gone(store_url):
    store = ResultsStore(store_url)
    # This test's process started long after this run did: the pid was reused.
    run_id = start_run(store, WEEK, host=HOST, pid=os.getpid(), started_at=datetime(2020, 1, 1))
    assert store.mark_dead_runs() == [run_id]


def test_elsewhere_only_the_heartbeat_tells(store_url):
    store = ResultsStore(store_url)
    quiet = start_run(store, WEEK, host="another-host", pid=os.getpid())
    beating = start_run(store, WEEK, host="another-host", pid=os.getpid())
    silent_for(store, quiet, 30)
    assert store.mark_dead_runs() == [quiet]
    assert store.run(beating)["status"] == "running"


def test_resume_refuses_a_run_whose_process_still_lives(voc, tmp_path):
    store = ResultsStore(f"sqlite:///{tmp_path / 'voc.db'}")
    # Marked crashed (by another host's reaper, say) while its process here goes on.
    run_id = start_run(store, WEEK, host=HOST, pid=os.getpid())
    store.finish_run(run_id, "crashed", error="no heartbeat")
    ran = voc("resume", run_id[:8], VOC_STORE_URL=f"sqlite:///{tmp_path / 'voc.db'}")
    assert ran.returncode == 2
    assert ran.stderr == (
        f"voc: run {run_id} is still going in process {os.getpid()}: stop it, then resume\n"
    )
