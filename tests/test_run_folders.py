"""One folder per run, never reused, even for two runs of one window in the same second."""

import json
import subprocess
from datetime import date, datetime

import pytest

from flows.voice_of_customer import run_directory
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
        results = json.loads((tmp_path / "outputs" / folder / "results.json").read_text())
        assert results["summary"]["conversations"] > 0
