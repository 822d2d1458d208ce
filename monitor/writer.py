"""`StoreWriter`: a run's rows written in order, on a thread of their own.

A hook runs in the thread of the agent it reports on. Waiting there for the store
would hold the agent up, and on a busy machine a write also waits its turn for the
interpreter behind every running agent. So hooks hand their writes over and go on;
the flow's end hooks wait for everything handed over before they close the run.
"""

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger("voc.monitor")
_STOP = object()


class StoreWriter:
    """Runs the writes it is given one after another, in the order given."""

    def __init__(self, name: str) -> None:
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._work, name=name, daemon=True)
        self._thread.start()

    def submit(self, write: Callable[..., Any], *args: Any) -> None:
        """Write later, in order; once closed (a hook after its run ended), write now."""
        with self._lock:
            if not self._closed:
                self._queue.put((write, args))
                return
        write(*args)

    def close(self) -> None:
        """Wait until every write handed over is done."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._queue.put(_STOP)
        self._thread.join()

    def _work(self) -> None:
        while (item := self._queue.get()) is not _STOP:
            write, args = item
            try:
                write(*args)
            except Exception:  # one failed write must not stop the ones after it
                log.exception("results store write failed: %s", getattr(write, "__name__", write))
