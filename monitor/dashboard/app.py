"""`create_app`: the dashboard's FastAPI app over one results store.

Reads answer from the store (`ResultsStore`), and live updates come from the store's
event log through one `EventHub` per app. The only writes, starting and cancelling
runs, go to Prefect through the `Launcher` it is given (monitor.dashboard.launch; the
flow's side comes from flows.launcher): the store is written by the flow runs' hooks,
never by the dashboard.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from monitor import export
from monitor.dashboard import metrics
from monitor.dashboard.access import Access
from monitor.dashboard.csrf import WriteGuard
from monitor.dashboard.files import FileRefused, check_raw_path, media_type, resolve_run_file
from monitor.dashboard.headers import DOWNLOAD_CSP, SecurityHeaders
from monitor.dashboard.launch import Launcher, LaunchError
from monitor.dashboard.live import EventHub
from monitor.dashboard.reaper import reap_dead_runs
from monitor.dashboard.sse import event_stream
from monitor.dashboard.views import run_detail
from monitor.stable_json import jsonable
from monitor.store import ResultsStore, StoreError

STATIC = Path(__file__).with_name("static")
log = logging.getLogger(__name__)


def create_app(
    store: ResultsStore,
    launcher: Launcher,
    *,
    token: str | None = None,
    loopback_only: bool = True,
    prefect_ui_url: str | None = None,
    keepalive: float = 10.0,
    reap_every: float = 30.0,
    hub: EventHub | None = None,
) -> FastAPI:
    """The dashboard app over `store`, starting and cancelling runs through `launcher`.

    `token` guards every request; `loopback_only` refuses Host names that are not
    loopback; `prefect_ui_url` makes flow-run links; `keepalive` (seconds, at most 15)
    spaces SSE keepalive comments; `reap_every` (seconds) spaces the checks for runs
    whose process died.
    """
    hub = hub or EventHub(store)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await hub.start()
        background = [
            asyncio.create_task(hub.run(), name="voc-event-hub"),
            asyncio.create_task(reap_dead_runs(store, reap_every), name="voc-reaper"),
        ]
        try:
            yield
        finally:
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)
            hub.close()

    app = FastAPI(title="prefect-voc dashboard", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.store = store
    app.state.hub = hub
    app.add_middleware(Access, token=token, loopback_only=loopback_only)
    app.add_middleware(SecurityHeaders)  # outermost: refusals get the headers too
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _routes(app, store, hub, prefect_ui_url, keepalive)
    _launch_routes(app, store, launcher, WriteGuard(token=token, loopback_only=loopback_only))

    @app.exception_handler(LaunchError)
    async def launch_refused(request: Request, exc: LaunchError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        # One sentence a person can read (the page shows `detail`), the list beside it.
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")}
            for e in exc.errors()
        ]
        return JSONResponse({"detail": _one_line(errors), "errors": errors}, status_code=422)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        # Logged here, never shown: a stack trace may hold paths and URLs.
        log.exception("dashboard request %s failed", request.url.path)
        return JSONResponse({"detail": "internal error"}, status_code=500)

    return app


def _routes(
    app: FastAPI,
    store: ResultsStore,
    hub: EventHub,
    prefect_ui_url: str | None,
    keepalive: float,
) -> None:
    def not_found(run_id: str) -> HTTPException:
        return HTTPException(404, f"no run with id {run_id!r}")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"cache-control": "no-cache"})

    @app.get("/api/runs")
    def list_runs(limit: Annotated[int, Query(ge=1, le=500)] = 50) -> JSONResponse:
        """Run history, newest first."""
        return JSONResponse(jsonable(store.runs(limit)))

    @app.get("/api/runs/{run_id}")
    def one_run(run_id: str) -> JSONResponse:
        """One run with its agents, calls summary, files and links."""
        try:
            return JSONResponse(run_detail(store, run_id, prefect_ui_url))
        except StoreError:
            raise not_found(run_id) from None

    @app.get("/api/runs/{run_id}/events")
    def run_events(
        run_id: str,
        after: Annotated[int | None, Query(ge=0)] = None,
        last_event_id: Annotated[str | None, Header()] = None,
    ) -> StreamingResponse:
        """SSE of one run's events: `run`, `agent`, `log`, `file`."""
        if not store.has_run(run_id):
            raise not_found(run_id)
        return _sse(hub, run_id, _resume_point(store, last_event_id, after), keepalive)

    @app.get("/api/events")
    def all_events(
        after: Annotated[int | None, Query(ge=0)] = None,
        last_event_id: Annotated[str | None, Header()] = None,
    ) -> StreamingResponse:
        """SSE of every run's events (the history page follows it)."""
        return _sse(hub, None, _resume_point(store, last_event_id, after), keepalive)

    @app.get("/api/runs/{run_id}/files/{path:path}")
    def run_file(run_id: str, path: str, request: Request) -> FileResponse:
        """One output file of the run, as an attachment."""
        try:
            run = store.run(run_id)
        except StoreError:
            raise not_found(run_id) from None
        try:
            check_raw_path(request.scope.get("raw_path") or b"")
            target = resolve_run_file(run["output_dir"], [f["path"] for f in run["files"]], path)
        except FileRefused:
            raise HTTPException(404, "no such file in this run") from None
        return FileResponse(
            target,
            media_type=media_type(target),
            filename=target.name,
            headers={"content-security-policy": DOWNLOAD_CSP, "cache-control": "no-cache"},
        )

    @app.get("/api/stats")
    def stats() -> JSONResponse:
        """Success rate, average cost and duration, per-agent averages."""
        return JSONResponse(jsonable(store.stats()))

    @app.get("/api/compare")
    def compare(weeks: Annotated[int, Query(ge=1, le=104)] = 8) -> JSONResponse:
        """Week-over-week cost, duration and topic mix of the last `weeks` windows."""
        return JSONResponse(jsonable({"weeks": store.compare(weeks)}))

    @app.get("/api/export")
    def export_calls(
        fmt: Annotated[str, Query(alias="format", pattern="^(csv|json)$")] = "csv",
        run: str | None = None,
        since: date | None = None,
    ) -> Response:
        """Every LLM call (of one run, or since a day) as CSV or JSON."""
        if run is not None and not store.has_run(run):
            raise not_found(run)
        return Response(
            export.render(export.call_rows(store, run, since), fmt),
            media_type=export.MEDIA_TYPES[fmt],
            headers={"content-disposition": f'attachment; filename="voc-llm-calls.{fmt}"'},
        )

    @app.get("/metrics", include_in_schema=False)
    def prometheus() -> PlainTextResponse:
        """Runs by status, agent durations, tokens and cost by agent and model."""
        return PlainTextResponse(metrics.render(store.metrics()), media_type=metrics.CONTENT_TYPE)


def _launch_routes(
    app: FastAPI, store: ResultsStore, launcher: Launcher, guard: WriteGuard
) -> None:
    @app.get("/api/csrf")
    def csrf() -> JSONResponse:
        """The token the page sends back in X-CSRF-Token with every write."""
        return JSONResponse({"token": guard.csrf_token}, headers={"cache-control": "no-store"})

    @app.get("/api/launch")
    def launch_form() -> JSONResponse:
        """The deployment the form starts runs of, its providers and their default models."""
        return JSONResponse(launcher.form)

    body = launcher.request_model  # the flow's form, checked by FastAPI before `start`

    @app.post("/api/runs", status_code=201, dependencies=[Depends(guard)])
    async def start_run(request: body) -> JSONResponse:
        """A new flow run of the deployment; Prefect queues it if all slots are taken."""
        started = await launcher.start(request)
        return JSONResponse(started, status_code=201)

    @app.get("/api/queue")
    async def queue() -> JSONResponse:
        """Runs waiting to start, in order; `recorded` once the monitor has their rows."""
        if not launcher.api_url:
            return JSONResponse(
                {"configured": False, "detail": launcher.how_to_deploy, "queue": []}
            )
        try:
            waiting = await launcher.queue()
        except LaunchError as exc:  # polled every few seconds: say why, without an error status
            return JSONResponse({"configured": True, "detail": str(exc), "queue": []})
        ids = [entry["flow_run_id"] for entry in waiting]
        recorded = await run_in_threadpool(lambda: {i: store.has_run(i) for i in ids})
        for entry in waiting:
            entry["recorded"] = recorded[entry["flow_run_id"]]
        return JSONResponse({"configured": True, "detail": None, "queue": waiting})

    @app.post("/api/runs/{run_id}/cancel", dependencies=[Depends(guard)])
    async def cancel_run(run_id: str) -> JSONResponse:
        """Cancel the run through Prefect; its worker stops it, the store ends it `cancelled`."""
        return JSONResponse(await launcher.cancel(run_id))


def _one_line(errors: list[dict]) -> str:
    """`field: message; ...` from pydantic's errors, without its "Value error, " prefix."""
    parts = []
    for error in errors:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts) or "invalid request"


def _resume_point(store: ResultsStore, last_event_id: str | None, after: int | None) -> int | None:
    """Where a stream starts: the browser's Last-Event-ID wins over `?after=`.

    A cursor past the newest event would hold a stream that never sends: `?after=` is
    refused, and a Last-Event-ID (from a store since replaced) starts at the end.
    """
    if last_event_id is None:
        if after is not None and after > store.last_event_id():
            raise HTTPException(422, f"after: {after} is past the newest event")
        return after
    try:
        value = int(last_event_id)
    except ValueError:
        raise HTTPException(400, "Last-Event-ID must be an event id") from None
    if value < 0:
        raise HTTPException(400, "Last-Event-ID must be an event id")
    return min(value, store.last_event_id())


def _sse(
    hub: EventHub, run_id: str | None, after: int | None, keepalive: float
) -> StreamingResponse:
    return StreamingResponse(
        event_stream(hub, run_id, after, keepalive),
        media_type="text/event-stream",
        headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
    )
