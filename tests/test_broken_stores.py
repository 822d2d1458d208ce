"""Stores that are damaged, misnamed, unreachable or read-only: one line each, nothing written."""

import hashlib
import shutil
import sqlite3
import subprocess
from datetime import date
from pathlib import Path

import pytest

from monitor.store import ResultsStore
from tests.dashboard_helpers import finished_run

WEEK = date(2025, 11, 17)


@pytest.fixture
def filled(tmp_path) -> Path:
    """A store holding a finished run, its WAL folded into the file (as a backup copy is)."""
    path = tmp_path / "voc.db"
    finished_run(ResultsStore(f"sqlite:///{path}"), tmp_path / "outputs", WEEK, cost="0.01")
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_line_error(ran: subprocess.CompletedProcess) -> str:
    assert ran.returncode == 2, ran.stdout + ran.stderr
    lines = ran.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("voc: "), ran.stderr
    return lines[0]


def test_a_damaged_store_is_refused_and_left_byte_for_byte(voc, filled):
    with filled.open("r+b") as handle:
        handle.seek(2 * 4096)
        handle.write(b"\xde\xad" * 2048)  # a damaged page
    before = digest(filled)
    for command in (["runs"], ["run"], ["stats"]):
        line = one_line_error(voc(*command, VOC_STORE_URL=f"sqlite:///{filled}"))
        assert "is damaged" in line and "restore it from a backup or move it aside" in line
    assert digest(filled) == before
    assert (
        not filled.with_name("voc.db-wal").exists()
        or filled.with_name("voc.db-wal").stat().st_size == 0
    )


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("mysql://user@db.example/voc", "mysql is not supported"),
        ("sqlite:////proc/voc/voc.db", "cannot make its folder /proc/voc"),
        ("block:no-such-block", "results store block:no-such-block: cannot load that block"),
        ("not a url", "not a database URL"),
    ],
)
def test_a_misnamed_or_impossible_store_is_one_line(voc, url, says):
    assert says in one_line_error(voc("runs", VOC_STORE_URL=url))


def test_a_read_only_store_can_be_listed_but_not_run_into(voc, filled, tmp_path):
    if subprocess.run(["chattr", "+i", str(filled)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not permitted here")
    try:
        before = digest(filled)
        listed = voc("runs", "--json", VOC_STORE_URL=f"sqlite:///{filled}")
        assert listed.returncode == 0, listed.stderr
        assert '"status": "completed"' in listed.stdout
        line = one_line_error(voc("run", VOC_STORE_URL=f"sqlite:///{filled}"))
        assert line.endswith("is read-only: a run needs to write to it")
        assert digest(filled) == before
    finally:
        subprocess.run(["chattr", "-i", str(filled)], check=True)


def test_export_to_a_folder_is_one_line(voc, filled, tmp_path):
    line = one_line_error(voc("export", "-o", str(tmp_path), VOC_STORE_URL=f"sqlite:///{filled}"))
    assert line.startswith(f"voc: cannot write {tmp_path}: ")


def test_a_copy_of_a_good_store_opens(filled, tmp_path):
    copy = tmp_path / "copy.db"
    shutil.copy(filled, copy)
    assert ResultsStore(f"sqlite:///{copy}").runs()
