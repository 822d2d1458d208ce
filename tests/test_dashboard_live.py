"""Live updates: the store's event log over SSE, across processes, on SQLite and PostgreSQL."""

import asyncio
import json
import socket
import subprocess
import sys
import textwrap
import threading
import time
from datetime import date

import httpx
import pytest
from sqlalchemy import event, insert

from monitor.dashboard.live import EventHub
from monitor.dashboard.tail import Tail
from monitor.store import ResultsStore, now
from monitor.store.schema import events
from tests.dashboard_helpers import (
    LiveServer,
    next_event,
    sse_messages,
    start_run,
    voc_dashboard,
)

WEEK = date(2026, 11, 16)
STREAM_TIMEOUT = httpx.Timeout(10, read=10)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request, store_url) -> ResultsStore:
    if request.param == "sqlite":
        return ResultsStore(store_url)
    return ResultsStore(request.getfixturevalue("postgres_url"))


def subscribed(messages) -> None:
    """Read the stream's preamble: once it arrives, every later event reaches this client."""
    assert next(messages) == {"comment": "connected"}


def stream(http: httpx.Client, path: str, **kwargs):
    return http.stream("GET", path, timeout=STREAM_TIMEOUT, **kwargs)


WRITER = textwrap.dedent(
    """
    import sys
    from monitor.store import ResultsStore

    store = ResultsStore(sys.argv[1])
    run_id = sys.argv[2]
    store.agent_started(run_id, "load_conversations", "t1")
    store.agent_finished(run_id, "load_conversations", "completed")
    store.agent_started(run_id, "example_quotes[Billing]", "t2")
    store.agent_finished(run_id, "example_quotes[Billing]", "failed", "ValueError: <b>no</b>")
    store.record_file(run_id, "report.md", 12, "0" * 64)
    store.finish_run(run_id, "failed", error="agent example_quotes failed")
    """
)


def test_a_run_written_by_another_process_streams_live_in_order(store):
    run_id = start_run(store, WEEK)
    with (
        LiveServer(voc_dashboard(store)) as server,
        httpx.Client(base_url=server.url) as http,
        stream(http, f"/api/runs/{run_id}/events") as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        messages = sse_messages(response)
        subscribed(messages)
        writer = subprocess.run(
            [sys.executable, "-c", WRITER, store.url, run_id], capture_output=True, timeout=60
        )
        assert writer.returncode == 0, writer.stderr
        received = [next_event(messages) for _ in range(7)]
    stored = store.events_after(run_id, 0)[1:]  # after the run's own "running"
    assert [int(m["id"]) for m in received] == [e["id"] for e in stored]
    assert [m["event"] for m in received] == ["agent"] * 4 + ["log", "file", "run"]
    data = [json.loads(m["data"]) for m in received]
    assert [d["payload"].get("status") for d in data] == [
        "running",
        "completed",
        "running",
        "failed",
        None,
        None,
        "failed",
    ]
    assert data[3]["payload"]["error"] == "ValueError: <b>no</b>"
    assert data[4]["payload"] == {
        "level": "error",
        "key": "example_quotes[Billing]",
        "message": "ValueError: <b>no</b>",
    }
    assert data[5]["payload"] == {"path": "report.md", "size": 12}
    assert all(d["run_id"] == run_id and d["created_at"] for d in data)


def test_last_event_id_replays_what_a_client_missed(store):
    run_id = start_run(store, WEEK)
    for key in ("load_conversations", "preprocess", "segmentation"):
        store.agent_started(run_id, key, key)
    ids = [e["id"] for e in store.events_after(run_id, 0)]
    with LiveServer(voc_dashboard(store)) as server, httpx.Client(base_url=server.url) as http:
        headers = {"last-event-id": str(ids[1])}
        with stream(http, f"/api/runs/{run_id}/events", headers=headers) as response:
            messages = sse_messages(response)
            assert [int(next_event(messages)["id"]) for _ in ids[2:]] == ids[2:]
            store.agent_finished(run_id, "segmentation", "completed")
            live = next_event(messages)
            assert int(live["id"]) == store.last_event_id(run_id) > ids[-1]
        # The header wins over ?after=, which a page's first connection uses.
        path = f"/api/runs/{run_id}/events?after={ids[0]}"
        with stream(http, path, headers={"last-event-id": str(ids[2])}) as response:
            assert int(next_event(sse_messages(response))["id"]) == ids[3]
        with stream(http, path) as response:
            assert int(next_event(sse_messages(response))["id"]) == ids[1]
        assert (
            http.get(f"/api/runs/{run_id}/events", headers={"last-event-id": "x"}).status_code
            == 400
        )


def test_an_idle_stream_gets_keepalive_comments(store_url):
    store = ResultsStore(store_url)
    run_id = start_run(store, WEEK)
    with (
        LiveServer(voc_dashboard(store, keepalive=0.3)) as server,
        httpx.Client(base_url=server.url) as http,
        stream(http, f"/api/runs/{run_id}/events") as response,
    ):
        messages = sse_messages(response)
        started = time.monotonic()
        keepalives = 0
        for message in messages:
            keepalives += message.get("comment") == "keepalive"
            if keepalives == 2:
                break
        assert time.monotonic() - started < 3


def test_the_all_runs_stream_sees_every_run(store_url):
    store = ResultsStore(store_url)
    first = start_run(store, WEEK)
    with (
        LiveServer(voc_dashboard(store)) as server,
        httpx.Client(base_url=server.url) as http,
        stream(http, "/api/events") as response,
    ):
        messages = sse_messages(response)
        subscribed(messages)
        second = start_run(store, WEEK)
        store.finish_run(first, "completed")
        got = [json.loads(next_event(messages)["data"]) for _ in range(2)]
    assert [(d["run_id"], d["payload"]["status"]) for d in got] == [
        (second, "running"),
        (first, "completed"),
    ]


async def _fan_out(base: str, path: str, clients: int, write, hold: float) -> tuple[list, float]:
    """Open `clients` streams, `write` once all are subscribed, and collect each one's
    first event; then keep them all connected for `hold` seconds. Returns the events
    and when the hold began."""
    ready = asyncio.Barrier(clients + 1)
    release = asyncio.Event()

    async def one(http: httpx.AsyncClient, received: asyncio.Future) -> None:
        async with http.stream("GET", path, timeout=STREAM_TIMEOUT) as response:
            lines = response.aiter_lines()
            while (await anext(lines)) != "":  # the preamble: subscribed from here on
                pass
            await ready.wait()
            fields = {}
            async for line in lines:
                if line.startswith(("id:", "event:")):
                    name, _, value = line.partition(": ")
                    fields[name] = value
                elif line == "" and fields:
                    break
            received.set_result(fields)
            await release.wait()

    loop = asyncio.get_running_loop()
    limits = httpx.Limits(max_connections=clients + 5)
    async with httpx.AsyncClient(base_url=base, limits=limits) as http:
        futures = [loop.create_future() for _ in range(clients)]
        tasks = [asyncio.create_task(one(http, f)) for f in futures]
        await ready.wait()
        await asyncio.to_thread(write)
        got = await asyncio.wait_for(asyncio.gather(*futures), 15)
        held = time.monotonic()
        await asyncio.sleep(hold)
        release.set()
        await asyncio.gather(*tasks)
    return got, held


def test_one_watcher_fans_out_to_every_client(store_url):
    """Forty connected clients cost the store the same event-log reads as one would."""
    store = ResultsStore(store_url)
    run_id = start_run(store, WEEK)
    reads = []

    def count(conn, cursor, statement, *args):
        if "FROM voc_events" in statement:
            reads.append(time.monotonic())

    def write():
        store.agent_started(run_id, "load_conversations", "t1")

    with LiveServer(voc_dashboard(store, hub=EventHub(store, interval=0.1))) as server:
        event.listen(store.engine, "before_cursor_execute", count)
        try:
            path = f"/api/runs/{run_id}/events"
            got, held = asyncio.run(_fan_out(server.url, path, 40, write, hold=1.0))
        finally:
            event.remove(store.engine, "before_cursor_execute", count)
    assert len(got) == 40
    assert {(g["id"], g["event"]) for g in got} == {(str(store.last_event_id(run_id)), "agent")}
    # One watcher polling every 0.1 s: about 10 reads in that second, not 10 per client.
    during = [t for t in reads if held <= t <= held + 1.0]
    assert 3 <= len(during) <= 15


def test_tail_holds_events_behind_a_gap_until_it_fills_or_times_out():
    tail = Tail(cursor=10, gap_timeout=2.0)
    assert [e["id"] for e in tail.take([{"id": 11}, {"id": 13}], now=0.0)] == [11]
    assert tail.cursor == 11
    assert tail.take([{"id": 13}], now=1.0) == []  # 12 may still commit
    assert [e["id"] for e in tail.take([{"id": 12}, {"id": 13}], now=1.5)] == [12, 13]
    assert [e["id"] for e in tail.take([{"id": 16}], now=2.0)] == []
    # 14 and 15 never commit (rolled back): given up after the timeout, in one step.
    assert [e["id"] for e in tail.take([{"id": 16}], now=4.1)] == [16]
    assert tail.cursor == 16


@pytest.mark.postgres
def test_on_postgresql_an_id_committed_late_is_not_skipped(postgres_url):
    """Ids come from a sequence at insert time; a later id may commit first."""
    store = ResultsStore(postgres_url)
    run_id = start_run(store, WEEK)
    row = {"run_id": run_id, "kind": "log", "created_at": now()}
    with (
        LiveServer(voc_dashboard(store)) as server,
        httpx.Client(base_url=server.url) as http,
        stream(http, f"/api/runs/{run_id}/events") as response,
    ):
        messages = sse_messages(response)
        subscribed(messages)
        slow = store.engine.connect()
        slow_tx = slow.begin()
        slow.execute(insert(events).values(payload={"message": "slow"}, **row))
        with store.engine.begin() as fast:
            fast.execute(insert(events).values(payload={"message": "fast"}, **row))
        got: list[dict] = []
        reader = threading.Thread(
            target=lambda: got.extend(next_event(messages) for _ in range(2)), daemon=True
        )
        reader.start()
        reader.join(0.6)
        assert got == []  # "fast" waits behind the uncommitted "slow"
        slow_tx.commit()
        slow.close()
        reader.join(10)
    messages_in_order = [json.loads(m["data"])["payload"]["message"] for m in got]
    assert messages_in_order == ["slow", "fast"]
    assert int(got[0]["id"]) < int(got[1]["id"])


def test_a_run_whose_process_died_turns_crashed_on_open_pages(store_url):
    store = ResultsStore(store_url)
    probe = [sys.executable, "-c", "import os; print(os.getpid())"]
    ended = subprocess.run(probe, text=True, capture_output=True)  # its pid is free now
    run_id = start_run(store, WEEK, host=socket.gethostname(), pid=int(ended.stdout))
    after = store.last_event_id(run_id)
    with (
        LiveServer(voc_dashboard(store, reap_every=0.2)) as server,
        httpx.Client(base_url=server.url) as http,
        stream(http, f"/api/runs/{run_id}/events?after={after}") as response,
    ):
        crash = json.loads(next_event(sse_messages(response))["data"])
    assert crash["kind"] == "run" and crash["payload"]["status"] == "crashed"
    assert "the run's process stopped" in crash["payload"]["error"]
