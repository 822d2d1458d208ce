"""The run's `voc-progress` artifact (X/N agents), kept up to date off the agents' threads.

Creating or updating an artifact is a call to the Prefect API; made from a hook, it
would hold up the agent that just finished (and, behind a lock, every agent starting
meanwhile). A worker thread of the run makes every call instead: it creates the
artifact for the flow run as the run starts, then applies the newest count whenever
it moved, so several agents finishing together cost one update.
"""

import contextvars
import threading
from uuid import UUID

from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.actions import ArtifactCreate, ArtifactUpdate
from prefect.logging import get_logger

from monitor.store import ResultsStore

KEY = "voc-progress"
# At most one update a second while the run goes on: live enough for a page that polls,
# and every update is work for the Prefect server, on the machine the agents run on.
MIN_INTERVAL_S = 1.0


class ProgressArtifact:
    """A worker thread that owns the artifact: `changed()` wakes it, `close()` ends it.

    The worker updates at most once every `MIN_INTERVAL_S` while the run goes on, and
    once more, at once, when the run ends."""

    def __init__(self, store: ResultsStore, run_id: str, total: int) -> None:
        self.store, self.run_id, self.total = store, run_id, total
        self._changed = threading.Event()
        self._finished = threading.Event()
        self._worker: threading.Thread | None = None

    def start(self) -> None:
        """Start the worker; call it from the flow's thread, whose Prefect settings it needs."""
        # The context says which API to talk to (a test harness sets it per context).
        context = contextvars.copy_context()
        self._worker = threading.Thread(
            target=context.run, args=(self._work,), name=f"voc-progress-{self.run_id}", daemon=True
        )
        self._worker.start()

    def changed(self) -> None:
        """An agent finished: the count may have moved."""
        self._changed.set()

    def finish(self) -> None:
        """The run's writes are done: let the worker publish the final count and stop."""
        self._finished.set()
        self._changed.set()

    def close(self) -> None:
        """Wait until the final count is published (the worker's last update: nothing stale
        follows it)."""
        self.finish()
        if self._worker is not None:
            self._worker.join()

    def _work(self) -> None:
        try:
            with get_client(sync_client=True) as client:
                artifact = self._create(client)
                while True:
                    self._changed.wait()
                    self._changed.clear()
                    # Read before counting: finish() comes after the run's last write.
                    last = self._finished.is_set()
                    self._publish(client, artifact)
                    if last:
                        return
                    self._finished.wait(MIN_INTERVAL_S)  # the changes meanwhile make one update
        except Exception as exc:  # progress is a view: losing it must not fail the run
            get_logger(__name__).warning("voc: cannot update the progress artifact: %s", exc)

    def _create(self, client: SyncPrefectClient) -> UUID:
        # Given the flow run's id, not taken from a run context: this thread has none.
        request = ArtifactCreate(
            key=KEY,
            type="progress",
            data=0.0,
            description=f"0/{self.total} agents",
            flow_run_id=UUID(self.run_id),
        )
        return client.create_artifact(request).id

    def _publish(self, client: SyncPrefectClient, artifact: UUID) -> None:
        done = self.store.agents_done(self.run_id)
        update = ArtifactUpdate(
            data=100.0 * done / self.total, description=f"{done}/{self.total} agents"
        )
        client.update_artifact(artifact, update)
