"""Server-Sent Events: one run's (or every run's) events, replayed from an id, then live.

A client that reconnects sends `Last-Event-ID` (browsers do it by themselves);
the first connection may pass `?after=ID` instead. Events up to the hub's cursor
come from the store, later ones from the hub's queue, so none is lost or doubled.
"""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from monitor.dashboard.live import CLOSE, EventHub
from monitor.stable_json import jsonable

KEEPALIVE = ": keepalive\n\n"
REPLAY_PAGE = 500


def format_event(event: dict[str, Any]) -> str:
    """One event on the wire: `id:` is the event log's id, `event:` its kind."""
    data = {
        "id": str(event["id"]),
        "run_id": event["run_id"],
        "kind": event["kind"],
        "created_at": event["created_at"],
        "payload": event["payload"],
    }
    # json.dumps escapes newlines, so the data is always one `data:` line.
    return f"id: {event['id']}\nevent: {event['kind']}\ndata: {json.dumps(jsonable(data))}\n\n"


async def event_stream(
    hub: EventHub, run_id: str | None, after: int | None, keepalive: float
) -> AsyncIterator[str]:
    """The SSE body: replay after `after` (None: only new events), then follow the hub."""
    subscriber, cursor = hub.subscribe(run_id)
    try:
        # Tell the browser how soon to reconnect, and flush the headers now.
        yield "retry: 1000\n: connected\n\n"
        last = cursor if after is None else after
        while last < cursor:
            page = await hub.read(hub.store.events_after, run_id, last, REPLAY_PAGE, cursor)
            for event in page:
                yield format_event(event)
            last = page[-1]["id"] if len(page) == REPLAY_PAGE else cursor
        while True:
            try:
                event = await asyncio.wait_for(subscriber.queue.get(), keepalive)
            except TimeoutError:
                yield KEEPALIVE
                continue
            if event is CLOSE:
                return
            if event["id"] > last:
                yield format_event(event)
                last = event["id"]
    finally:
        hub.unsubscribe(subscriber)
