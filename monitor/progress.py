"""The run's `voc-progress` artifact (X/N agents), kept up to date off the agents' threads.

Updating an artifact is a call to the Prefect API; made from a hook, it would hold up
the agent that just finished. A worker thread applies the newest count instead, and
several agents finishing together cost one update.
"""

import contextvars
import threading
from uuid import UUID

from prefect.artifacts import create_progress_artifact, update_progress_artifact

from monitor.store import ResultsStore


class ProgressArtifact:
    """Create once from a task's thread (so it belongs to the flow run), then update."""

    def __init__(self, store: ResultsStore, run_id: str, total: int) -> None:
        self.store, self.run_id, self.total = store, run_id, total
        self.artifact: UUID | None = None
        self._changed = threading.Event()
        self._closed = False
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None

    def ensure_started(self) -> None:
        """Create the artifact and its worker, the first time only."""
        with self._lock:
            if self.artifact is not None:
                return
            self.artifact = create_progress_artifact(
                0.0, key="voc-progress", description=f"0/{self.total} agents"
            )
            # The worker needs this thread's Prefect settings (which API to talk to).
            context = contextvars.copy_context()
            self._worker = threading.Thread(target=context.run, args=(self._work,), daemon=True)
            self._worker.start()

    def changed(self) -> None:
        """An agent finished: the count may have moved."""
        self._changed.set()

    def close(self) -> None:
        """Stop the worker, then publish the final count (last, so nothing stale follows)."""
        self._closed = True
        self._changed.set()
        if self._worker is not None:
            self._worker.join()
        self._publish()

    def _work(self) -> None:
        while not self._closed:
            self._changed.wait()
            self._changed.clear()
            if not self._closed:
                self._publish()

    def _publish(self) -> None:
        if self.artifact is None:
            return
        done = self.store.agents_done(self.run_id)
        with self._lock:
            update_progress_artifact(
                self.artifact, 100.0 * done / self.total, description=f"{done}/{self.total} agents"
            )
