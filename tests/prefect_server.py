"""A real `prefect server start` on a loopback port, its CLI, and process workers, for tests.

Everything runs as the user would run it, with a PREFECT_HOME of its own so nothing
touches the user's profile, and short polling intervals so a deployment run starts
within a second or two instead of the worker's default ten.
"""

import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.polling import until

PREFECT = str(Path(sys.executable).with_name("prefect"))
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class PrefectServer:
    """A running server: its URLs, the environment that points at it, and its log."""

    home: Path
    port: int
    # A SQLAlchemy URL (postgresql+asyncpg://...) for the server's own database; None: SQLite.
    database_url: str | None = None
    process: subprocess.Popen | None = None
    workers: list[subprocess.Popen] = field(default_factory=list)

    @property
    def ui_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.ui_url}/api"

    @property
    def log(self) -> Path:
        return self.home / "server.log"

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of a process that talks to this server."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "VOC_"))}
        return env | {
            "PREFECT_HOME": str(self.home),
            "PREFECT_API_URL": self.api_url,
            "PREFECT_UI_URL": self.ui_url,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_WORKER_QUERY_SECONDS": "1",
            "PREFECT_WORKER_HEARTBEAT_SECONDS": "5",
            "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_FLUSH_INTERVAL": "1",
            "PREFECT_LOGGING_LEVEL": "WARNING",
            "PREFECT_CLI_COLORS": "false",
            "COLUMNS": "200",
            "TZ": "UTC",
            **(
                {"PREFECT_API_DATABASE_CONNECTION_URL": self.database_url}
                if self.database_url
                else {}
            ),
            **extra,
        }

    def start(self, timeout_s: float = 120) -> None:
        """Start the server and wait until its API answers."""
        self.process = subprocess.Popen(
            [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env(),
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        until("the Prefect server to be healthy", self._healthy, timeout_s, self.log.read_text)

    def _healthy(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"prefect server exited: {self.log.read_text()[-2000:]}")
        try:
            return httpx.get(f"{self.api_url}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def cli(self, *args: str, cwd: Path | None = None, **extra: str) -> str:
        """Run `prefect ARGS` against this server; its output, or AssertionError saying why."""
        done = subprocess.run(
            [PREFECT, *args],
            env=self.env(**extra),
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, f"prefect {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def start_worker(self, pool: str, name: str, log: Path, *args: str, **extra: str) -> None:
        """`prefect worker start` in a session of its own, so its flow runs die with it."""
        self.workers.append(
            subprocess.Popen(
                [PREFECT, "worker", "start", "--pool", pool, "--name", name, *args],
                env=self.env(**extra),
                stdout=log.open("wb"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )

    def stop_workers(self) -> None:
        """Kill the workers and their flow runs: a worker ignores SIGTERM while shutting down."""
        for worker in self.workers:
            _kill(worker)
        self.workers.clear()

    def stop(self) -> None:
        self.stop_workers()
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                _kill(self.process)


def _kill(process: subprocess.Popen) -> None:
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)


@contextmanager
def prefect_server(home: Path, database_url: str | None = None) -> Iterator[PrefectServer]:
    """A started server on a free loopback port, stopped (workers killed) at the end."""
    server = PrefectServer(home=home, port=free_port(), database_url=database_url)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def flow_run_id(output: str) -> str:
    """The flow run id `prefect deployment run` printed."""
    found = UUID.search(output.split("UUID", 1)[-1])
    assert found, output
    return found.group(0)
