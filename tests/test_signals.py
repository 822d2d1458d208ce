"""Stopping a run: Ctrl-C and SIGTERM end it cancelled with the reason; nothing it started stays.

Each test stops `voc run` while LLM calls are in flight: the fake provider holds every
reply at its gate until the test opens it.
"""

import contextlib
import os
import signal
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.store import ResultsStore
from tests.conftest import VOC, voc_environment
from tests.polling import until
from tests.servers.openai import FakeOpenAI

EXIT_WITHIN_S = 30


def processes_with(marker: str) -> list[int]:
    """Every live process whose environment holds `marker`: all that one voc started."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@contextlib.contextmanager
def calls_held(tmp_path: Path, store: Path, **env: str) -> Iterator[tuple]:
    """`voc run` against a provider that holds its replies, once calls are in flight:
    the process, the provider, and the run's environment."""
    with FakeOpenAI() as llm:
        llm.gate.clear()
        env = (
            voc_environment(tmp_path, tmp_path / "prefect-home")
            | env
            | {
                "OPENAI_API_KEY": llm.api_key,
                "VOC_STORE_URL": f"sqlite:///{store}",
            }
        )
        args = [VOC, "run", "--provider", "openai", "--base-url", llm.base_url]
        process = subprocess.Popen(
            args, env=env, cwd=tmp_path, start_new_session=True, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        try:
            until("LLM calls in flight", lambda: llm.in_flight > 0, 120)
            yield process, llm, env
        finally:
            llm.gate.set()
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.communicate()


@pytest.fixture
def held_run(tmp_path):
    """A held run, marked so every process it starts can be found."""
    marker = f"VOC_TEST_RUN_{uuid.uuid4().hex}"
    store = tmp_path / "voc.db"
    with calls_held(tmp_path, store, **{marker: "1"}) as (process, llm, env):
        yield process, llm, marker, ResultsStore(f"sqlite:///{store}"), env


def stopped(process: subprocess.Popen) -> tuple[int, str]:
    _, err = process.communicate(timeout=EXIT_WITHIN_S)
    return process.returncode, err


def the_run(store: ResultsStore) -> dict:
    (run,) = store.runs()
    return run


def test_ctrl_c_to_the_terminal_ends_the_run_cancelled(held_run):
    process, _, marker, store, _ = held_run
    os.killpg(process.pid, signal.SIGINT)  # what a terminal sends its foreground group
    code, err = stopped(process)
    assert code == 130, err
    run = the_run(store)
    assert (run["status"], run["error"]) == ("cancelled", "interrupted (SIGINT)")
    assert f"voc resume {run['id'][:8]}" in err
    until("every process voc started gone", lambda: not processes_with(marker), EXIT_WITHIN_S)


def test_sigterm_to_voc_ends_the_run_cancelled_and_it_resumes(held_run, tmp_path):
    process, llm, marker, store, env = held_run
    process.send_signal(signal.SIGTERM)  # docker stop, systemd
    code, err = stopped(process)
    assert code == 143, err
    run = the_run(store)
    assert (run["status"], run["error"]) == ("cancelled", "terminated (SIGTERM)")
    until("every process voc started gone", lambda: not processes_with(marker), EXIT_WITHIN_S)
    llm.gate.set()
    resumed = subprocess.run(
        [VOC, "resume", run["id"][:8]], env=env, cwd=tmp_path, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    statuses = [r["status"] for r in store.runs()]
    assert statuses == ["completed", "cancelled"]


def test_a_second_ctrl_c_exits_at_once(held_run, tmp_path):
    """While the first Ctrl-C waits for a store another process holds (the run's last
    writes, for seconds), the next one ends voc at once, saying nothing more."""
    process, _, marker, _, _ = held_run
    holder = sqlite3.connect(tmp_path / "voc.db", timeout=30, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the store's write lock, until the test lets go
    try:
        os.killpg(process.pid, signal.SIGINT)

        def gone_after_ctrl_c() -> bool:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGINT)  # pressed again, and again
            return process.poll() is not None

        until("voc to exit on a second Ctrl-C", gone_after_ctrl_c, 10)
    finally:
        holder.rollback()
        holder.close()
    code, err = stopped(process)
    assert code == 130, err
    assert "cancelled" not in err and "interrupted" not in err  # the first one never finished
    until("every process voc started gone", lambda: not processes_with(marker), EXIT_WITHIN_S)


def test_kill_9_of_voc_alone_leaves_nothing_running(held_run):
    process, _, marker, _, _ = held_run
    assert len(processes_with(marker)) >= 2  # voc and the Prefect server it started
    process.kill()
    process.wait()
    until("every process voc started gone", lambda: not processes_with(marker), EXIT_WITHIN_S)


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MB disk (tmpfs) of the test's own, which the test can fill, where root may."""
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mount], check=False)
    if made.returncode:
        pytest.skip("mounting a tmpfs is not permitted here")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", mount], capture_output=True)


def fill(disk: Path) -> None:
    """Write to `disk` until it is full, as a log or a download would."""
    # Unbuffered: a buffered file keeps what the full disk refused and raises ENOSPC
    # again as it closes, outside the loop (seen once).
    with (disk / "filler").open("wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
        except OSError:
            pass


def test_a_store_that_can_no_longer_be_written_mid_run_is_said_in_one_line(tmp_path, small_disk):
    with calls_held(tmp_path, small_disk / "voc.db") as (process, llm, env):
        fill(small_disk)
        llm.gate.set()
        code, err = stopped(process)
    assert code == 1, err
    said = [line for line in err.splitlines() if line.startswith("voc: ")]
    assert len(said) == 1 and "its last status could not be saved to the results store" in said[0]
    (small_disk / "filler").unlink()
    listed = subprocess.run(
        [VOC, "runs", "--json"], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert listed.returncode == 0, listed.stderr
    # Its process is gone and its end was never recorded: the next reader's reaper says so.
    assert '"status": "crashed"' in listed.stdout
