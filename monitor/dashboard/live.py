"""`EventHub`: one watcher per server process tails the event log and fans events out.

Every subscriber (an SSE client) gets an asyncio queue; the watcher is the only
reader of the store's event table, so its cost does not grow with the clients.
It polls quickly while anyone listens and slowly otherwise, in a thread of its own
so a busy request pool never delays it.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from monitor.dashboard.tail import Tail
from monitor.store import ResultsStore

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Put on a subscriber's queue to end its stream (it fell behind, or the hub stopped).
CLOSE: dict[str, Any] = {"id": -1, "kind": "close"}


@dataclass(eq=False)
class Subscriber:
    """One listener: the run it follows (None for every run) and its queue."""

    run_id: str | None
    queue: asyncio.Queue = field(default_factory=asyncio.Queue)
    closed: bool = False


class EventHub:
    """Tails `voc_events` with `id > cursor` and hands each new event to its subscribers."""

    def __init__(
        self,
        store: ResultsStore,
        *,
        interval: float = 0.1,
        idle_interval: float = 1.0,
        gap_timeout: float = 2.0,
        batch: int = 500,
        max_queue: int = 2000,
    ) -> None:
        self.store = store
        self.interval = interval
        self.idle_interval = idle_interval
        self.gap_timeout = gap_timeout
        self.batch = batch
        self.max_queue = max_queue
        self.cursor = 0
        self._subscribers: set[Subscriber] = set()
        self._wake = asyncio.Event()
        # One thread of its own: the request thread pool may be busy.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="voc-event-hub")

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a blocking store read on the hub's thread."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    # -- subscribers ------------------------------------------------------------------------

    def subscribe(self, run_id: str | None) -> tuple[Subscriber, int]:
        """A new subscriber, and the cursor: it gets every event after it, none up to it."""
        subscriber = Subscriber(run_id)
        self._subscribers.add(subscriber)
        self._wake.set()
        return subscriber, self.cursor

    def unsubscribe(self, subscriber: Subscriber) -> None:
        """Stop delivering to `subscriber`."""
        self._subscribers.discard(subscriber)

    @property
    def subscribers(self) -> int:
        """How many streams are connected."""
        return len(self._subscribers)

    def publish(self, event: dict[str, Any]) -> None:
        """Hand one event to every subscriber of its run and of all runs."""
        for subscriber in list(self._subscribers):
            if subscriber.closed or subscriber.run_id not in (None, event["run_id"]):
                continue
            if subscriber.queue.qsize() >= self.max_queue:
                # A client this far behind reconnects and replays from the store instead.
                subscriber.closed = True
                subscriber.queue.put_nowait(CLOSE)
                continue
            subscriber.queue.put_nowait(event)

    # -- the watcher ------------------------------------------------------------------------

    async def start(self) -> None:
        """Begin at the newest event: older ones are read from the store on request."""
        self.cursor = await self.read(self.store.last_event_id)

    async def run(self) -> None:
        """Tail the event log until cancelled."""
        tail = Tail(self.cursor, self.gap_timeout)
        while True:
            try:
                rows = await self.read(self.store.events_after, None, tail.cursor, self.batch)
            except Exception as exc:  # a locked or restarting database: try again shortly
                log.warning("reading the event log failed: %s", exc)
                await self._sleep(self.idle_interval)
                continue
            before = tail.cursor
            # No await between taking and publishing: a new subscriber sees either none
            # or all of this batch through its queue, and the rest through its replay.
            for event in tail.take(rows, time.monotonic()):
                self.publish(event)
            self.cursor = tail.cursor
            if len(rows) >= self.batch and tail.cursor > before:
                continue  # more are waiting: catch up before sleeping
            await self._sleep(self.interval if self._subscribers else self.idle_interval)

    async def _sleep(self, seconds: float) -> None:
        """Sleep, cut short when the first subscriber arrives."""
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    def end_streams(self) -> None:
        """End every open stream (the server is stopping; a browser will reconnect)."""
        for subscriber in list(self._subscribers):
            subscriber.closed = True
            subscriber.queue.put_nowait(CLOSE)

    def close(self) -> None:
        """End every stream and release the hub's thread."""
        self.end_streams()
        self._executor.shutdown(wait=False, cancel_futures=True)
