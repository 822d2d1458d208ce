"""The flow starts the agents that need only the CPU once the per-topic agents fill the
provider's request slots (flows.requests_out)."""

import threading
import uuid
from concurrent.futures import Future

import pytest
from prefect.futures import PrefectConcurrentFuture

from flows.requests_out import RequestsStarted
from tasks import quotes, sentiment, sub_topics, topics
from tests.polling import until
from tests.sample_week import run_sample_week
from tests.servers.base import Seen
from tests.servers.openai import FakeOpenAI

PER_TOPIC = {sub_topics.INSTRUCTIONS, sentiment.INSTRUCTIONS, quotes.INSTRUCTIONS}
SLOTS = 8  # LLMSettings.concurrency's default


def waiting(started: RequestsStarted, more: int, since: int, futures: list) -> threading.Thread:
    thread = threading.Thread(target=started.wait, args=(more, since, futures), daemon=True)
    thread.start()
    return thread


def test_the_wait_ends_once_that_many_more_requests_have_started():
    started = RequestsStarted()
    started("openai", "gpt-4o-mini", None)
    pending = PrefectConcurrentFuture(uuid.uuid4(), Future())
    waiter = waiting(started, 3, since=started.count, futures=[pending])
    started("openai", "gpt-4o-mini", None)
    started("openai", "gpt-4o-mini", None)
    waiter.join(0.2)
    assert waiter.is_alive()  # two of three: still waiting
    started("openai", "gpt-4o-mini", None)
    waiter.join(10)
    assert not waiter.is_alive()


def test_the_wait_ends_when_every_future_is_done_without_a_request():
    started = RequestsStarted()
    first, second = Future(), Future()
    futures = [PrefectConcurrentFuture(uuid.uuid4(), f) for f in (first, second)]
    first.set_result(None)  # done before the wait: a resumed agent read back at once
    waiter = waiting(started, SLOTS, since=0, futures=futures)
    waiter.join(0.2)
    assert waiter.is_alive()
    second.set_result(None)
    waiter.join(10)
    assert not waiter.is_alive()


def system(seen: Seen) -> str:
    return next(m["content"] for m in seen.body["messages"] if m["role"] == "system")


@pytest.mark.usefixtures("prefect_harness")
def test_the_per_topic_requests_take_every_slot_before_quality_and_churn_ask(
    output_dir, store_url, monkeypatch
):
    """Replies held at the server: the first eight requests after topic detection's are
    all the per-topic agents'; quality's and churn's questions wait for a free slot."""
    with FakeOpenAI() as server:
        monkeypatch.setenv("OPENAI_API_KEY", server.api_key)
        server.held = lambda seen: system(seen) != topics.INSTRUCTIONS
        server.gate.clear()
        first: list[str] = []

        def held() -> list[str]:
            found = [system(s) for s in list(server.requests) if server.held(s)]
            return found if len(found) >= SLOTS else []

        def open_when_full() -> None:
            try:
                first.extend(until("the request slots to fill", held, 120))
            finally:
                server.gate.set()

        watcher = threading.Thread(target=open_when_full, daemon=True)
        watcher.start()
        try:
            state = run_sample_week(server.base_url, output_dir, store_url)
        finally:
            server.gate.set()
            watcher.join(10)
    assert state.is_completed(), state.message
    assert len(first) == SLOTS  # the gate held the replies: no more than the slots went out
    assert set(first) <= PER_TOPIC
