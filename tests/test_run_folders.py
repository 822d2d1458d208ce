"""One folder per run, never reused, even for two runs of one window in the same second."""

import json
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest

from flows.voice_of_customer import run_directory
from monitor.store import ResultsStore
from tests.conftest import VOC, voc_environment

START, END = date(2025, 11, 16), date(2025, 11, 22)
AT = datetime(2025, 11, 23, 3, 0, 7)


def test_the_folder_is_readable_and_unique(tmp_path):
    first = run_directory(tmp_path, START, END, AT, "1a2b3c4d-0000")
    second = run_directory(tmp_path, START, END, AT, "9f8e7d6c-0000")
    assert first.name == "voice-of-customer_Nov-16-to-Nov-22_3-00-07am_1a2b3c"
    assert second.name == "voice-of-customer_Nov-16-to-Nov-22_3-00-07am_9f8e7d"
    assert first.is_dir() and second.is_dir()


def test_an_existing_folder_is_never_written_into(tmp_path):
    run_directory(tmp_path, START, END, AT, "1a2b3c4d")
    with pytest.raises(FileExistsError):
        run_directory(tmp_path, START, END, AT, "1a2b3c4d")


def test_two_runs_at_once_each_write_their_own_folder(tmp_path):
    env = voc_environment(tmp_path, tmp_path / "prefect-home")
    runs = [
        subprocess.Popen(
            [VOC, "run"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for run in runs:
        _, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
    listed = json.loads(
        subprocess.run(
            [VOC, "runs", "--json"], env=env, cwd=tmp_path, capture_output=True, text=True
        ).stdout
    )
    assert [r["status"] for r in listed] == ["completed", "completed"]
    folders = {r["output_dir"] for r in listed}
    assert len(folders) == 2
    for folder in folders:
        results = json.loads((Path(folder) / "results.json").read_text())
        assert results["summary"]["conversations"] > 0


def test_a_new_home_points_at_an_older_store_in_outputs(voc, tmp_path):
    old = tmp_path / "outputs" / "voc.db"
    ResultsStore(f"sqlite:///{old}")
    listed = voc("runs")
    assert listed.returncode == 0
    assert listed.stdout.splitlines() == [
        "No runs yet: try `voc run`.",
        f"An older store is at outputs/voc.db; read it with VOC_STORE_URL=sqlite:///{old}",
    ]


def test_a_run_from_a_folder_that_is_then_deleted_keeps_its_data(tmp_path):
    workdir = tmp_path / "worker-tmp"
    workdir.mkdir()
    home = tmp_path / "home"
    env = voc_environment(home, tmp_path / "prefect-home")
    env.pop("VOC_HOME")  # nothing configured: the default home, made to lie in tmp_path
    env["HOME"] = str(home)
    ran = subprocess.run([VOC, "run"], env=env, cwd=workdir, capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr
    shutil.rmtree(workdir)  # as a process worker removes its temporary folder
    (run,) = ResultsStore(f"sqlite:///{home / '.voc' / 'voc.db'}").runs()
    assert run["status"] == "completed"
    assert (Path(run["output_dir"]) / "report.md").is_file()
    assert Path(run["output_dir"]).parent == home / ".voc" / "outputs"
