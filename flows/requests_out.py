"""Waiting, in the flow, until agents have their LLM requests out.

The flow starts the agents that need only the CPU after the per-topic agents have
filled the provider's request slots: started together, they took the GIL from the
per-topic agents for up to a second before the first of those requests went out,
while the slots stood empty. Once the requests are out, the per-topic agents mostly
wait on replies, and the others run in that time.
"""

import threading
from collections.abc import Sequence
from typing import Any

from prefect.futures import PrefectFuture

from tasks.observe import observers


class RequestsStarted:
    """Counts the LLM requests this process has started (every attempt, whoever made it)."""

    def __init__(self) -> None:
        self.count = 0
        self._changed = threading.Condition()

    def __call__(self, provider: str, model: str, request: Any) -> None:
        """The LLM client's `before_llm_call` listener: one more request about to go out."""
        with self._changed:
            self.count += 1
            self._changed.notify_all()

    def wait(self, more: int, since: int, futures: Sequence[PrefectFuture]) -> None:
        """Until `more` requests have started since the count was `since`, or every one of
        `futures` is done (agents read back from a resumed run, or failed, send none)."""
        done = [0]

        def one_done(_: PrefectFuture) -> None:
            with self._changed:
                done[0] += 1
                self._changed.notify_all()

        for future in futures:
            future.add_done_callback(one_done)
        with self._changed:
            self._changed.wait_for(lambda: self.count >= since + more or done[0] == len(futures))


_started: RequestsStarted | None = None
_started_lock = threading.Lock()


def requests_started() -> RequestsStarted:
    """The process's count of LLM requests, listening from the first call on."""
    global _started
    with _started_lock:
        if _started is None:
            _started = RequestsStarted()
            observers.before_llm_call.append(_started)
        return _started
