"""Shared by the dashboard benchmarks: a real `voc dashboard` process, and the machine."""

import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
VOC = str(Path(sys.executable).with_name("voc"))


@contextmanager
def dashboard(store_url: str, workdir: Path) -> Iterator[str]:
    """`voc dashboard --port 0` on the store, as a user starts it; yields its URL."""
    env = {**os.environ, "VOC_STORE_URL": store_url, "PYTHONUNBUFFERED": "1"}
    env["VOC_HOME"] = str(workdir)
    env.pop("VOC_DASHBOARD_TOKEN", None)
    process = subprocess.Popen(
        [VOC, "dashboard", "--port", "0"], env=env, cwd=workdir, stdout=subprocess.PIPE, text=True
    )
    try:
        url = process.stdout.readline().split()[2]
        deadline = time.monotonic() + 30
        while httpx.get(url + "api/stats", timeout=30).status_code != 200:
            assert time.monotonic() < deadline, "the dashboard did not answer"
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(15)


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of `values`."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def machine() -> str:
    """CPU, cores, memory, date, commit and load: the header of a recorded result."""
    cpu = platform.processor() or platform.machine()
    try:
        info = Path("/proc/cpuinfo").read_text()
        cpu = re.search(r"model name\s*:\s*(.+)", info).group(1).strip()
        memory = int(re.search(r"MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text()).group(1))
    except (OSError, AttributeError):
        memory = 0
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    state = " + uncommitted changes" if dirty else ""
    load = os.getloadavg()[0]  # other work on the machine shows in the figures
    return (
        f"{cpu}, {os.cpu_count()} cores, {memory / 1024 / 1024:.0f} GB; "
        f"Python {platform.python_version()}; {when}; commit {commit}{state}; "
        f"load average {load:.2f} at start"
    )
