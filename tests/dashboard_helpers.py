"""Helpers for the dashboard tests: a real uvicorn on loopback, an SSE reader, sample runs."""

import hashlib
import subprocess
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from flows.launcher import WEEKLY
from monitor.dashboard import create_app
from monitor.dashboard.launch import Launcher
from monitor.dashboard.server import listen
from monitor.store import ResultsStore
from tasks.llm.types import LLMCall, Usage
from tests.conftest import VOC
from tests.polling import until


@contextmanager
def voc_dashboard_process(
    env: dict[str, str], cwd: Path, *options: str, **popen: Any
) -> Iterator[tuple[subprocess.Popen, str]]:
    """`voc dashboard --port 0 OPTIONS` as a user starts it: the process, and the URL its
    first line gives once it listens; killed at the end if the test did not stop it."""
    process = subprocess.Popen(
        [VOC, "dashboard", "--port", "0", *options],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("voc dashboard: http://"), line + process.stderr.read()
        yield process, line.split()[2]
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(15)


def voc_dashboard(store: ResultsStore, **options: Any) -> FastAPI:
    """The app as `voc dashboard` builds it: the weekly launcher on Prefect's settings."""
    return create_app(store, Launcher.from_settings(WEEKLY), **options)


class LiveServer:
    """The app served by a real uvicorn on 127.0.0.1 at a free port, in a thread."""

    def __init__(self, app: Any) -> None:
        self.sock = listen("127.0.0.1", 0)
        port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(
            app, log_level="warning", access_log=False, timeout_graceful_shutdown=1
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        until("the dashboard to start", lambda: self.server.started, 15)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


def sse_messages(response: httpx.Response) -> Iterator[dict[str, Any]]:
    """Parse an SSE body: each message as {'id', 'event', 'data'} or {'comment'}."""
    message: dict[str, Any] = {}
    for line in response.iter_lines():
        if line == "":
            if message:
                yield message
            message = {}
        elif line.startswith(":"):
            yield {"comment": line[1:].strip()}
        else:
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            message[field] = message.get(field, "") + value if field == "data" else value


def next_event(messages: Iterator[dict[str, Any]]) -> dict[str, Any]:
    """The next message that is an event (comments skipped)."""
    for message in messages:
        if "event" in message:
            return message
    raise AssertionError("the stream ended")


def start_run(store: ResultsStore, week: date, **fields: Any) -> str:
    """A new running run of the voice-of-customer command for the week starting `week`."""
    run_id = str(uuid.uuid4())
    store.start_run(
        {
            "id": run_id,
            "command": "voice-of-customer",
            "window_start": week,
            "window_end": week + timedelta(days=6),
            "source": "sample",
            "provider": "openai",
            "model": "gpt-4o-mini",
            "agents_total": 16,
            **fields,
        }
    )
    return run_id


def llm_call(cost: str, tokens: tuple[int, int] = (1000, 200)) -> tuple[LLMCall, Decimal]:
    """A call of the topic classifier and what it cost."""
    usage = Usage(tokens[0], tokens[1])
    return LLMCall("openai", "gpt-4o-mini", "classify_topics", usage, 12.5), Decimal(cost)


def record_file(store: ResultsStore, run_id: str, directory: Path, name: str, body: str) -> None:
    """Write a file into the run's directory and record it as the monitor does."""
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    data = body.encode()
    path.write_bytes(data)
    store.record_file(run_id, name, len(data), hashlib.sha256(data).hexdigest())


def finished_run(
    store: ResultsStore,
    outputs: Path,
    week: date,
    *,
    cost: str = "0.0125",
    topic_mix: dict[str, float] | None = None,
    status: str = "completed",
) -> str:
    """A whole run written through the store's write methods, with files on disk."""
    run_id = start_run(store, week)
    directory = outputs / f"voice-of-customer_{week:%b-%d}_{run_id[:8]}"
    directory.mkdir(parents=True)
    store.update_run(run_id, output_dir=str(directory))
    store.agent_started(run_id, "load_conversations", "t1")
    store.agent_finished(run_id, "load_conversations", "completed")
    store.agent_started(run_id, "topic_detection", "t2")
    store.record_llm_call(run_id, "topic_detection", None, *llm_call(cost))
    store.agent_finished(run_id, "topic_detection", "completed")
    store.agent_started(run_id, "example_quotes", "t3")
    for topic in ("Billing", "Bugs"):
        key = f"example_quotes[{topic}]"
        store.agent_started(run_id, key, f"t3-{topic}")
        store.record_llm_call(run_id, key, None, *llm_call("0.001", (300, 50)))
        store.agent_finished(run_id, key, "completed")
    store.agent_finished(run_id, "example_quotes", "completed")
    record_file(store, run_id, directory, "report.md", "# Voice of Customer\n\nAll good.\n")
    record_file(store, run_id, directory, "topics.csv", "topic,count\nBilling,3\n")
    mix = topic_mix or {"Billing": 60.0, "Bugs": 40.0}
    summary = {"conversations": 120, "topic_mix": mix}
    store.finish_run(run_id, status, summary=summary if status == "completed" else None)
    return run_id
