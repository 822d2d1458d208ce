"""`voc dashboard` as a user starts it: loopback by default, a token beyond it."""

import signal
import socket
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.conftest import VOC, voc_environment
from tests.dashboard_helpers import voc_dashboard_process


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return voc_environment(tmp_path, tmp_path / "prefect-home")


def test_beyond_loopback_without_a_token_it_refuses_to_start(env, tmp_path):
    ran = subprocess.run(
        [VOC, "dashboard", "--host", "0.0.0.0"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran.returncode == 2
    assert ran.stderr == (
        "voc: --host 0.0.0.0 listens beyond loopback: set VOC_DASHBOARD_TOKEN to a secret first\n"
    )


def test_beyond_loopback_it_says_a_token_is_needed_and_asks_for_it(env, tmp_path):
    env["VOC_DASHBOARD_TOKEN"] = "a-long-secret"
    with voc_dashboard_process(env, tmp_path, "--host", "0.0.0.0") as (process, listening):
        second = process.stdout.readline()
        assert listening.startswith("http://0.0.0.0:"), listening
        assert "Every request needs VOC_DASHBOARD_TOKEN" in second
        assert "a-long-secret" not in second
        port = int(listening.rstrip("/").rsplit(":", 1)[1])
        url = f"http://127.0.0.1:{port}/api/runs"
        assert httpx.get(url).status_code == 401
        answer = httpx.get(url, headers={"authorization": "Bearer a-long-secret"})
        assert (answer.status_code, answer.json()) == (200, [])
        process.send_signal(signal.SIGINT)  # Ctrl-C: a quiet stop, with the shell's 130
        assert process.wait(15) == 130
        assert process.stderr.read() == ""


def ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def test_started_as_a_scripts_background_job_sigint_still_stops_it_with_130(env, tmp_path):
    # bash starts `voc dashboard &` from a script with SIGINT ignored; uvicorn still stops
    # on it, and raising it again once stopped would then be a no-op (exit 0).
    with voc_dashboard_process(env, tmp_path, preexec_fn=ignore_sigint) as (process, url):
        assert httpx.get(f"{url}api/runs").status_code == 200
        process.send_signal(signal.SIGINT)
        assert process.wait(15) == 130
        assert process.stderr.read() == ""


def test_a_port_in_use_is_one_line_and_exit_2(env, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        ran = subprocess.run(
            [VOC, "dashboard", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert ran.returncode == 2
    assert ran.stderr.startswith(f"voc: cannot listen on 127.0.0.1:{port}: ")
    assert len(ran.stderr.splitlines()) == 1
