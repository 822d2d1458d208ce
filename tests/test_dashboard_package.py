"""A non-editable install ships the dashboard: its package and its static files."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from monitor.dashboard.app import STATIC

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_holds_the_dashboard_and_its_static_files(tmp_path):
    source = tmp_path / "src"  # a copy, so the build leaves nothing in the work tree
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(".venv", ".git", "outputs", "build", "*.egg-info", ".*cache"),
    )
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), "."],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("prefect_voc-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "monitor/dashboard/app.py" in names
    for asset in STATIC.iterdir():
        assert f"monitor/dashboard/static/{asset.name}" in names
