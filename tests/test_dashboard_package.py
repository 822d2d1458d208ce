"""The dashboard package: what a non-editable install ships, and what importing it does."""

import shutil
import subprocess
import sys
import textwrap
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


def test_importing_the_dashboard_changes_nothing_and_loads_no_cli_or_flow():
    """The web server stands apart: no environment changes, no terminal renderer, no flows."""
    code = """
        import os, sys
        before = dict(os.environ)
        import monitor.dashboard, monitor.dashboard.server
        assert dict(os.environ) == before, "importing the dashboard changed the environment"
        loaded = {"flows", "monitor.render", "typer"} & set(sys.modules)
        assert not loaded, f"importing the dashboard imported {loaded}"
    """
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
