"""A run's Prefect artifacts, published by a thread of the run's own, off the flow's path.

Every artifact is a call to the Prefect API. Made from a hook, it would hold up the
agent that just finished, or the flow run's end. A worker thread per run makes every
call instead: two seconds into the run it shows the `voc-progress` artifact (X/N
agents), then applies the newest count whenever it moved, at most every two seconds
(several agents finishing together cost one update); when the run ends it makes the
final update and, for a completed run, the cost table (`voc-cost-breakdown`), the
report (`voc-report`), the deck's link (`voc-gamma`) and, with `VOC_DASHBOARD_URL`, a
download link per output file.

The flow's call returns without waiting for those last calls; the process waits for
them as it exits (`wait_for_publishing`, at most `EXIT_WAIT_S`). A crash loses only
artifacts: the results store holds the run's record.
"""

import contextvars
import json
import logging
import threading
import time
from pathlib import Path
from typing import Any
from uuid import UUID

from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.actions import ArtifactCreate, ArtifactUpdate

from monitor import links
from monitor.breakdown import agent_breakdown, totals
from monitor.store import ResultsStore

PROGRESS_KEY = "voc-progress"
# At most one update every two seconds while the run goes on: live enough for a page
# that polls, and every update is work for the Prefect server, on the machine the agents
# run on, while they run (a call costs the flow's process ~5 ms of CPU and the server
# more): a one-second run shows its progress once, when it ends.
MIN_INTERVAL_S = 2.0
# A handful of API calls, normally done in well under a second; the bound is for an API
# that stopped answering, so the process still exits.
EXIT_WAIT_S = 30.0

log = logging.getLogger("voc.monitor")
_publishing: set[threading.Thread] = set()
_publishing_lock = threading.Lock()
_exit_wait_registered = False


class RunArtifacts:
    """The worker thread that owns a run's artifacts: `changed()` wakes it, `finish()` ends it.

    While the run goes on the worker shows the progress at most once every
    `MIN_INTERVAL_S`, starting one interval in; when the run ends, at once.
    """

    def __init__(self, store: ResultsStore, run_id: str, total: int) -> None:
        self.store, self.run_id, self.total = store, run_id, total
        self._changed = threading.Event()
        self._changed.set()  # the first count, 0 if nothing changed, is due
        self._finished = threading.Event()
        self._results = False
        self._dashboard: str | None = None
        self._worker: threading.Thread | None = None

    def start(self) -> None:
        """Start the worker; call it from the flow's thread, whose Prefect settings it needs."""
        # The context says which API to talk to (a test harness sets it per context).
        context = contextvars.copy_context()
        self._worker = threading.Thread(
            target=context.run, args=(self._work,), name=f"voc-artifacts-{self.run_id}", daemon=True
        )
        self._worker.start()

    def changed(self) -> None:
        """An agent finished: the count may have moved."""
        self._changed.set()

    def finish(self, *, results: bool) -> None:
        """The run's writes are done: publish the final count and, with `results`, the
        run's results; return without waiting for them."""
        if results:
            # Read here, not in the worker: what was configured when the run ended.
            self._dashboard = links.dashboard_url()
            self._results = True
        if self._worker is not None:
            with _publishing_lock:
                _publishing.add(self._worker)
            _wait_at_exit()
        self._finished.set()
        self._changed.set()

    def _work(self) -> None:
        try:
            with get_client(sync_client=True) as client:
                self._follow_progress(client)
                if self._results:
                    for artifact in result_artifacts(self.store.run(self.run_id), self._dashboard):
                        client.create_artifact(artifact)
        except Exception as exc:  # artifacts are a view: losing them must not fail the run
            log.warning("voc: cannot publish the run's artifacts: %s", exc)
        finally:
            with _publishing_lock:
                _publishing.discard(threading.current_thread())

    def _follow_progress(self, client: SyncPrefectClient) -> None:
        artifact = None
        while True:
            # At most one call per interval, the first one too: a run over within it
            # makes none while it runs, and a longer one shows its count an interval in.
            self._finished.wait(MIN_INTERVAL_S)
            self._changed.wait()
            self._changed.clear()
            # Read before counting: finish() comes after the run's last write.
            last = self._finished.is_set()
            artifact = self._show(client, artifact, self.store.agents_done(self.run_id))
            if last:
                return

    def _show(self, client: SyncPrefectClient, artifact: UUID | None, done: int) -> UUID:
        """Create the progress artifact with this count, or update it to this count."""
        data, description = 100.0 * done / self.total, f"{done}/{self.total} agents"
        if artifact is not None:
            client.update_artifact(artifact, ArtifactUpdate(data=data, description=description))
            return artifact
        # Given the flow run's id: the last calls come after the run's context has ended.
        request = ArtifactCreate(
            key=PROGRESS_KEY,
            type="progress",
            data=data,
            description=description,
            flow_run_id=UUID(self.run_id),
        )
        return client.create_artifact(request).id


def result_artifacts(run: dict[str, Any], dashboard: str | None) -> list[ArtifactCreate]:
    """The per-agent cost table, the report and the links of a completed run."""
    rows = agent_breakdown(run)
    table = [
        {k: str(v) if k == "cost" else v for k, v in row.items() if k != "error"}
        for row in [*rows, totals(rows)]
    ]
    made = [
        _artifact(run, "voc-cost-breakdown", "table", json.dumps(table), "Cost per agent (USD)")
    ]
    report = Path(run["output_dir"] or "", "report.md")
    if run["output_dir"] and report.is_file():
        markdown = report.read_text(encoding="utf-8")
        made.append(_artifact(run, "voc-report", "markdown", markdown, "VoC report"))
    return made + link_artifacts(run, dashboard)


def link_artifacts(run: dict[str, Any], dashboard: str | None) -> list[ArtifactCreate]:
    """`voc-gamma` to the deck; with a dashboard URL, a download link per output file."""
    made = []
    if run["gamma_url"]:
        link = _link("Gamma presentation", run["gamma_url"])
        made.append(_artifact(run, "voc-gamma", "markdown", link, "Deck"))
    if dashboard is None:
        return made
    for file in run["files"]:
        link = _link(file["path"], links.file_url(dashboard, run["id"], file["path"]))
        about = f"{file['size']:,} bytes, sha256 {file['sha256'][:12]}…"
        made.append(_artifact(run, links.file_artifact_key(file["path"]), "markdown", link, about))
    return made


def _link(text: str, url: str) -> str:
    """A link artifact's data, as Prefect's `create_link_artifact` writes it."""
    return f"[{text}]({url})"


def _artifact(run: dict[str, Any], key: str, kind: str, data: str, about: str) -> ArtifactCreate:
    return ArtifactCreate(
        key=key, type=kind, data=data, description=about, flow_run_id=UUID(run["id"])
    )


def wait_for_publishing(timeout: float = EXIT_WAIT_S) -> bool:
    """Wait until the artifacts of every run that ended in this process are published;
    False if some were still being published after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    with _publishing_lock:
        _publishing.difference_update([w for w in _publishing if not w.is_alive()])
        pending = list(_publishing)
    for worker in pending:
        worker.join(max(0.0, deadline - time.monotonic()))
    left = sum(worker.is_alive() for worker in pending)
    if left:
        log.warning("voc: %d run(s) still publishing artifacts after %.0f s", left, timeout)
    return not left


def _wait_at_exit() -> None:
    # Prefect stops its services (the events worker that sends each artifact's
    # `prefect.artifact.created`) in threading's exit callbacks, which run newest first,
    # before atexit's. Registered there as the first run ends, after that run started
    # those services, this wait runs while they still send; and before voc's temporary
    # API server, an atexit handler, stops. Prefect registers its own the same way.
    global _exit_wait_registered
    with _publishing_lock:
        if _exit_wait_registered:
            return
        _exit_wait_registered = True
    try:
        threading._register_atexit(wait_for_publishing)  # type: ignore[attr-defined]
    except RuntimeError:  # the interpreter is already exiting: nothing waits any more
        log.warning("voc: a run ended as the process exits; its artifacts may be lost")
