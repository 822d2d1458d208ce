"""`StoreWriter`: a run's rows written in order, on a thread of their own.

A hook runs in the thread of the agent it reports on. Waiting there for the store
would hold the agent up, and on a busy machine a write also waits its turn for the
interpreter behind every running agent. So hooks hand their writes over and go on;
the flow's end hooks wait for everything handed over before they close the run.

Writes that queued up while the previous ones ran are written together: consecutive
writes of one `ResultsStore` in one transaction (`ResultsStore.batch`), so a burst of
rows costs one commit rather than one each. A writer given its run's store writes
everything handed over in that store's transactions (a function that calls the store,
like recording an agent's files, joins them); callbacks that must see the rows
committed (`after_commit`) wait for the end of the transaction instead of splitting it.
"""

import logging
import queue
import threading
from collections.abc import Callable
from itertools import groupby
from typing import Any

from monitor.store import ResultsStore

log = logging.getLogger("voc.monitor")
_STOP = object()
# Bounds how long a batch keeps its transaction open: a live reader of the event log
# gives up on ids that stay uncommitted for seconds.
MAX_BATCH = 500
# How long a write waits for others to share its transaction. A run's writes come a
# few at a time: alone, each would cost a transaction (begin, commit, the totals'
# statements), CPU taken from the agents while they run. At 0.1 s a run of the sample
# made 12-16 transactions instead of 18-24 at 0.05 s on a loaded machine
# (bench/RESULTS.md, issue 14's third pass); the event log still holds every change,
# in order, a tenth of a second later at most, and a live reader polls it every 0.1 s
# anyway. `close()` does not wait for it.
LINGER_S = 0.1

Write = tuple[Callable[..., Any], tuple[Any, ...]]


class _AfterCommit(tuple):
    """The (no) arguments of a callback handed to `after_commit`, told apart by type."""


_AFTER_COMMIT = _AfterCommit()


class StoreWriter:
    """Runs the writes it is given one after another, in the order given."""

    def __init__(self, name: str, store: ResultsStore | None = None) -> None:
        self._store = store
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._closed = False
        self._closing = threading.Event()  # ends a batch's wait for company
        self._thread = threading.Thread(target=self._work, name=name, daemon=True)
        self._thread.start()

    def submit(self, write: Callable[..., Any], *args: Any) -> None:
        """Write later, in order; once closed (a hook after its run ended), write now."""
        with self._lock:
            if not self._closed:
                self._queue.put((write, args))
                return
        write(*args)

    def after_commit(self, callback: Callable[[], Any]) -> None:
        """Call `callback` once the writes handed over before it are committed: after
        the transaction they are in, so perhaps after some handed over later too."""
        with self._lock:
            if not self._closed:
                self._queue.put((callback, _AFTER_COMMIT))
                return
        callback()

    def close(self) -> None:
        """Wait until every write handed over is done."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._queue.put(_STOP)
            self._closing.set()
        self._thread.join()

    def _work(self) -> None:
        stopping = False
        while not stopping:
            pending = self._gather()
            stopping = pending[-1] is _STOP  # close() puts it last, after every write
            if stopping:
                pending.pop()
            writes = [item for item in pending if not isinstance(item[1], _AfterCommit)]
            if self._store is not None:
                _write_all(self._store, writes)
            else:
                for store, grouped in groupby(writes, key=_store_of):
                    _write_all(store, list(grouped))
            for callback, args in pending:
                if isinstance(args, _AfterCommit):
                    _run(callback, args)

    def _gather(self) -> list[Any]:
        """The next write and those handed over within `LINGER_S` of it, or until closed."""
        pending = [self._queue.get()]
        if pending[0] is not _STOP:
            # One sleep, not a wake-up per write handed over meanwhile: each wake-up takes
            # the interpreter from an agent's thread for nothing but a queue's append.
            self._closing.wait(LINGER_S)
        while len(pending) < MAX_BATCH and pending[-1] is not _STOP:
            try:
                pending.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return pending


def _store_of(item: Write) -> ResultsStore | None:
    """The store a write is a method of; None for anything else."""
    owner = getattr(item[0], "__self__", None)
    return owner if isinstance(owner, ResultsStore) else None


def _write_all(store: ResultsStore | None, writes: list[Write]) -> None:
    """Store writes in one transaction; if that fails, one by one, so only the bad one is lost.

    Anything that is not a store write runs alone, after the writes before it were
    committed: it may read what they wrote from another connection.
    """
    if store is not None and len(writes) > 1:
        try:
            with store.batch():
                for write, args in writes:
                    write(*args)
            return
        except Exception:  # rolled back whole: find the bad write by writing them singly
            log.info("a batch of %d store writes failed; writing them one by one", len(writes))
    for write, args in writes:
        _run(write, args)


def _run(write: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        write(*args)
    except Exception:  # one failed write must not stop the ones after it
        log.exception("results store write failed: %s", getattr(write, "__name__", write))
