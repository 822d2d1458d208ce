"""`voc`: run the weekly analysis and read its history from the results store."""

import contextlib
import json
import logging
import os
import sys
import threading
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.live import Live
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from flows.interrupts import Interrupted, stopping_on_signals
from flows.local_api import local_api
from flows.run_inputs import BadInput, check_output_dir, check_run_inputs, default_window
from monitor import export as exporting  # `export` is the command's name here
from monitor.links import flow_run_url, prefect_ui_url
from monitor.stable_json import jsonable
from monitor.store import (
    ResultsStore,
    StoreError,
    display_url,
    resolve_output_dir,
    resolve_store_url,
)
from monitor.store.liveness import Process, run_process

#: Prefect settings every `voc` command starts with, unless the environment sets them:
#: its log lines (tracebacks included) stay out of the live view, since the store records
#: each failure as one line (PREFECT_LOGGING_LEVEL=INFO brings them back); a busy 2-core
#: machine, or several `voc run` at once, may need more than the default 20 s to start
#: the temporary API server each run brings up; and an offline machine logs no telemetry
#: errors.
PREFECT_DEFAULTS = {
    "PREFECT_LOGGING_LEVEL": "CRITICAL",
    "PREFECT_SERVER_LOGGING_LEVEL": "CRITICAL",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
}
#: How long an interrupted run waits for the monitor's last writes before it exits.
INTERRUPTED_WAIT_S = 10.0
#: Runs `voc resume` takes up again: those that ended without completing.
RESUMABLE_STATUSES = ("failed", "crashed", "cancelled")

app = typer.Typer(help=__doc__, no_args_is_help=True, add_completion=False)
# Piped output gets room for the whole cost table rather than the 80-column default.
console = Console(width=None if sys.stdout.isatty() else 120)
errors = Console(stderr=True, width=None if sys.stderr.isatty() else 200)


@app.callback()
def prefect_defaults() -> None:
    """Set Prefect's defaults for `voc` (PREFECT_DEFAULTS) before any command imports Prefect."""
    for name, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(name, value)


def fail(message: str, code: int = 2) -> None:
    """Print `voc: message` on stderr and exit with `code`."""
    errors.print(f"voc: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def open_store(store: str | None = None) -> ResultsStore:
    """The results store, with runs whose process died marked crashed."""
    try:
        results = ResultsStore(resolve_store_url(store))
    except StoreError as exc:
        fail(str(exc))
    if not results.read_only:
        results.mark_dead_runs()
    return results


def find_run(results: ResultsStore, run_id: str) -> dict[str, Any]:
    """The run whose id starts with `run_id`, or exit 2 saying there is none (or several)."""
    try:
        return results.run(results.resolve_run_id(run_id))
    except StoreError as exc:
        fail(str(exc))


def print_json(data: Any) -> None:
    """`data` as indented stable JSON on stdout."""
    sys.stdout.write(json.dumps(jsonable(data), indent=2) + "\n")


def print_run(run: dict[str, Any]) -> None:
    """The cost table, why agents failed or were skipped, and the what-if prices."""
    from monitor.render import cost_table, what_if_line  # imports Prefect: not before the callback

    if run["resumed_from"]:
        console.print(f"Resumes run {run['resumed_from']}.", markup=False)
    console.print(cost_table(run))
    for agent in run["agents"]:
        if agent["error"]:
            console.print(f"  {agent['key']} {agent['status']}: {agent['error']}", markup=False)
    payers = sorted({a["cached_from"] for a in run["agents"] if a["cached_from"]} - {run["id"]})
    if payers:
        console.print(f"Cached agents reuse the results (and cost) of run {', '.join(payers)}.")
    console.print(what_if_line(run))
    if run["gamma_url"]:
        console.print(f"Presentation: {run['gamma_url']}", soft_wrap=True, markup=False)


# -- voc run ------------------------------------------------------------------------------


def watch_progress(store: ResultsStore, since: datetime, stop: threading.Event) -> None:
    """Show the newest run's agents finishing, read from the store, until `stop` is set."""
    progress = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
    )
    bar = progress.add_task("starting Prefect…", total=16)
    with Live(progress, console=console, transient=True, refresh_per_second=8):
        while not stop.wait(0.2):
            newest = store.runs(limit=1)
            if not newest or newest[0]["started_at"] < since:
                continue
            run = store.run(newest[0]["id"])
            running = [a["key"] for a in run["agents"] if a["status"] == "running"]
            label = ", ".join(running[:3]) + (" …" if len(running) > 3 else "")
            progress.update(
                bar,
                completed=run["agents_done"],
                total=run["agents_total"],
                description=f"agents {label or 'waiting'}",
            )


@app.command()
def run(
    source: Annotated[
        str, typer.Option(help="sample, intercom, or a JSON/JSONL/CSV export file")
    ] = "sample",
    start: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="first day")] = None,
    end: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="last day")] = None,
    provider: Annotated[str, typer.Option(help="local, openai or anthropic")] = "local",
    model: Annotated[
        str | None,
        typer.Option(help="default by provider: local's own, gpt-4o-mini or claude-haiku-4-5"),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(help="an OpenAI-compatible server (vLLM, Ollama, LM Studio) or API proxy"),
    ] = None,
    output_dir: Annotated[
        str | None, typer.Option(help="default $VOC_OUTPUT_DIR or ./outputs")
    ] = None,
    store: Annotated[str | None, typer.Option(help="SQLAlchemy URL of the results store")] = None,
    budget: Annotated[
        Decimal | None, typer.Option(min=0, help="USD; an LLM call that could pass it is not made")
    ] = None,
) -> None:
    """Run the voice-of-customer analysis and print the cost of each agent."""
    from tasks.llm import DEFAULT_MODELS

    model = model or DEFAULT_MODELS.get(provider, DEFAULT_MODELS["local"])
    try:
        window = default_window(source) if source == "sample" or not (start and end) else None
        first = start.date() if start else window[0]
        last = end.date() if end else window[1]
        flow_source = check_run_inputs(source, first, last, provider, model, base_url)
        out = resolve_output_dir(output_dir)
        check_output_dir(out)
    except BadInput as exc:
        fail(str(exc))
    results = open_store(store)

    execute(
        results,
        start=first,
        end=last,
        source=flow_source,
        provider=provider,
        model=model,
        output_dir=str(out),
        store=store,
        budget=budget,
        base_url=base_url,
    )


def execute(results: ResultsStore, **parameters: Any) -> None:
    """Run the flow with a live progress bar, then print its cost table; exit 1 if it failed.

    Without a Prefect server configured, the run gets a local one of its own (see
    flows.local_api). Ctrl-C or SIGTERM ends it `cancelled` (see flows.interrupts).
    """
    try:
        results.check_writable()
    except StoreError as exc:
        fail(str(exc))
    stop = threading.Event()
    began = datetime.now().astimezone()
    watcher = threading.Thread(target=watch_progress, args=(results, began, stop), daemon=True)
    with stopping_on_signals(), prefect_api():
        from flows.voice_of_customer import voice_of_customer

        start_traces()
        watcher.start()
        try:
            state = voice_of_customer(**parameters, return_state=True)
        except Interrupted as interrupted:
            stop.set()
            end_interrupted(results, began, interrupted)
        finally:
            stop.set()
            watcher.join()
        settle_prefect()
    finished = results.run(str(state.state_details.flow_run_id))
    if finished["status"] == "running":  # the flow ended, but the store did not take it
        fail(
            f"run {finished['id'][:8]} ended {state.name.lower()}, but its last status could "
            f"not be saved to the results store {display_url(results.url)}; it shows as it "
            "was last recorded",
            1,
        )
    print_run(finished)
    if finished["output_dir"]:
        console.print(
            f"Files: {home_relative(finished['output_dir'])}", soft_wrap=True, markup=False
        )
    if finished["status"] != "completed":
        failed = [a for a in finished["agents"] if a["status"] == "failed"]
        reason = f"agent {failed[0]['key']}: {failed[0]['error']}" if failed else finished["error"]
        fail(f"run {finished['status']}: {reason}", 1)


def start_traces() -> None:
    """Export the run's trace if OTEL_EXPORTER_OTLP_ENDPOINT (or a block) says where; exit 2
    on a setting that cannot be used, before the run starts."""
    from monitor import traces

    try:
        traces.start()
    except traces.TraceSettingsError as exc:
        fail(str(exc))


def home_relative(path: str) -> str:
    """`path` with the user's home written `~`, as a shell would let it be typed."""
    home = Path.home()
    return f"~/{Path(path).relative_to(home)}" if Path(path).is_relative_to(home) else path


def settle_prefect() -> None:
    """Let the run's artifacts and Prefect's queued events reach the API while it is up.

    The monitor publishes artifacts after the flow returns, and Prefect sends events from
    a queue: both would otherwise be cut off when voc's own server stops.
    """
    from prefect.events.worker import EventsWorker

    from monitor.hooks import wait_for_publishing

    wait_for_publishing()
    # Its progress line ("Still processing items: 1 items remaining...") is no news here.
    logging.getLogger(EventsWorker.__name__).setLevel(logging.ERROR)
    EventsWorker.drain_all(timeout=5)


@contextlib.contextmanager
def prefect_api() -> Iterator[None]:
    """Prefect's configured API, or else a local server of voc's own for the block."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if PREFECT_API_URL.value():
        yield
        return
    with local_api() as url, temporary_settings(updates={PREFECT_API_URL: url}):
        yield


def end_interrupted(results: ResultsStore, began: datetime, interrupted: Interrupted) -> None:
    """Record this process's run cancelled with the signal's reason, say so, and exit now.

    The agents' threads may be inside LLM calls that will never be answered: exiting
    without waiting for them is the point. What they already spent is recorded.
    """
    from monitor import traces
    from monitor.hooks import wait_for_publishing

    wait_for_publishing(INTERRUPTED_WAIT_S)  # the monitor's last writes first, then ours
    mine = [r for r in results.runs(5) if r["pid"] == os.getpid() and r["started_at"] >= began]
    if mine and results.cancel_run(mine[0]["id"], interrupted.reason):
        short = mine[0]["id"][:8]
        message = f"run {short} cancelled: {interrupted.reason}; `voc resume {short}` continues it"
    else:
        message = f"{interrupted.reason}: no run was recorded"
    errors.print(f"voc: {message}", markup=False, highlight=False, soft_wrap=True)
    traces.flush()  # os._exit skips the exporter's own exit hook
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(interrupted.exit_code)


@app.command()
def resume(
    run_id: Annotated[str, typer.Argument(help="a run id or its first characters")],
    budget: Annotated[
        Decimal | None, typer.Option(min=0, help="USD; a new budget for the rest of the run")
    ] = None,
) -> None:
    """Run a failed, crashed or cancelled run again; its completed agents are not re-run."""
    results = open_store()
    found = find_run(results, run_id)
    if found["status"] not in RESUMABLE_STATUSES:
        fail(f"run {found['id']} is {found['status']}: there is nothing to resume")
    if run_process(found["host"], found["pid"], found["started_at"]) is Process.ALIVE:
        fail(f"run {found['id']} is still going in process {found['pid']}: stop it, then resume")
    parameters = dict(found["parameters"])
    source = parameters["source"]
    if source not in ("sample", "intercom") and not Path(source).is_file():
        fail(f"cannot resume run {found['id']}: its source file {source} is gone")
    if parameters.get("store") and "***" in parameters["store"]:
        parameters["store"] = None  # masked when recorded: the store is found as it was now
    parameters["resume_key"] = found["resume_key"]
    if budget is not None:
        parameters["budget"] = budget
    execute(results, **parameters)


# -- reading the store --------------------------------------------------------------------


@app.command()
def runs(
    limit: Annotated[int, typer.Option(min=1, help="how many runs")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False,
) -> None:
    """The run history, newest first."""
    found = open_store().runs(limit)
    if as_json:
        print_json(found)
    elif not found:
        console.print("No runs yet: try `voc run`.")
        old = Path("outputs") / "voc.db"
        if old.is_file() and not os.environ.get("VOC_STORE_URL"):
            console.print(
                f"An older store is at {old}; read it with VOC_STORE_URL=sqlite:///{old.resolve()}",
                soft_wrap=True,
                markup=False,
            )
    else:
        from monitor.render import runs_table

        console.print(runs_table(found))


@app.command()
def show(
    run_id: Annotated[str, typer.Argument(help="a run id or its first characters")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False,
) -> None:
    """One run: its agents with calls, tokens, cost and duration, and its files."""
    results = open_store()
    found = find_run(results, run_id)
    ui = prefect_ui_url()
    found["prefect_url"] = flow_run_url(ui, found["id"]) if ui else None
    if as_json:
        print_json(found)
        return
    window = f"{found['window_start']} to {found['window_end']}"
    console.print(
        f"[b]{found['command']}[/] {window}  status {found['status']}  source {found['source']}"
    )
    if found["deployment_name"]:
        console.print(f"deployment {found['command']}/{found['deployment_name']}", markup=False)
    if found["prefect_url"]:
        console.print(f"Prefect UI: {found['prefect_url']}", soft_wrap=True, markup=False)
    if found["error"]:
        console.print(f"[red]error:[/] {found['error']}", markup=True, highlight=False)
    print_run(found)
    if found["files"]:
        console.print(f"Files in {found['output_dir']}:", soft_wrap=True, markup=False)
    for f in found["files"]:
        console.print(f"  {f['path']}  {f['size']:,} bytes  sha256 {f['sha256']}", markup=False)


@app.command()
def stats(as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False) -> None:
    """Success rate, average cost and duration, and per-agent averages."""
    found = open_store().stats()
    if as_json:
        print_json(found)
        return
    console.print(
        f"{found['runs']} finished runs, {found['completed']} completed "
        f"(success rate {found['success_rate']}%), average cost ${found['average_cost'] or 0:.6f}, "
        f"average duration {found['average_duration_s']}s"
    )
    from rich.table import Table

    table = Table("Agent", "Runs", "Avg duration", "Avg cost", "Calls")
    for a in found["agents"]:
        table.add_row(
            a["agent"],
            str(a["runs"]),
            f"{a['average_duration_s']:.2f}s",
            f"${a['average_cost']:.6f}",
            str(a["calls"]),
        )
    console.print(table)


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", help="csv or json")] = "csv",
    run_id: Annotated[str | None, typer.Option("--run", help="only this run")] = None,
    since: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="calls since")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="file (default stdout)")
    ] = None,
) -> None:
    """Every LLM call with its agent, tokens and cost, as CSV or JSON."""
    if fmt not in exporting.FORMATS:
        fail(f"--format must be csv or json, not {fmt!r}")
    results = open_store()
    try:
        full_id = results.resolve_run_id(run_id) if run_id else None
    except StoreError as exc:
        fail(str(exc))
    rows = exporting.call_rows(results, full_id, since.date() if since else None)
    text = exporting.render(rows, fmt)
    if output is None:
        sys.stdout.write(text)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            fail(f"cannot write {output}: {exc.strerror}")
        errors.print(f"wrote {len(rows)} calls to {output}")


# -- the dashboard ------------------------------------------------------------------------


@app.command()
def dashboard(
    host: Annotated[
        str, typer.Option(help="address to listen on; beyond loopback needs VOC_DASHBOARD_TOKEN")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="port (0: any free one)")] = 8787,
) -> None:
    """Serve the live dashboard: runs, agents, costs, files and week-over-week comparisons."""
    # Imported here: the launcher's request model imports Prefect, the server FastAPI.
    from flows.launcher import WEEKLY
    from monitor.dashboard import create_app
    from monitor.dashboard.launch import Launcher
    from monitor.dashboard.server import is_loopback, listen, serve, url_of

    token = os.environ.get("VOC_DASHBOARD_TOKEN") or None
    loopback = is_loopback(host)
    if not loopback and not token:
        fail(f"--host {host} listens beyond loopback: set VOC_DASHBOARD_TOKEN to a secret first")
    results = open_store()
    try:
        sock = listen(host, port)
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    web = create_app(
        results,
        Launcher.from_settings(WEEKLY),
        token=token,
        loopback_only=loopback,
        prefect_ui_url=prefect_ui_url(),
    )
    url = url_of(sock)
    console.print(
        f"voc dashboard: {url} (store {display_url(results.url)}); Ctrl-C stops",
        markup=False,
        soft_wrap=True,
    )
    if token:
        console.print(
            "Every request needs VOC_DASHBOARD_TOKEN: send 'Authorization: Bearer <token>', "
            f"or open {url}login?token=<token> once in a browser to set a cookie.",
            markup=False,
            soft_wrap=True,
        )
    serve(web, sock)
