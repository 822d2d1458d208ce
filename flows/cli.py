"""`voc`: run the weekly analysis and read its history from the results store."""

import json
import os
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer

from flows.interrupts import Interrupted, stopping_on_signals
from flows.local_api import prefect_api, settle_prefect
from flows.prefect_defaults import apply_prefect_defaults
from flows.run_inputs import BadInput, check_output_dir, check_run_inputs, default_window
from flows.running import end_interrupted, execute, progress_shown
from flows.terminal import console, errors, fail, print_run
from monitor import export as exporting  # `export` is the command's name here
from monitor.links import flow_run_url, prefect_ui_url
from monitor.stable_json import jsonable
from monitor.store import (
    ResultsStore,
    StoreError,
    display_url,
    resolve_output_dir,
    resolve_store_url,
    shared_store,
)
from monitor.store.liveness import Process, run_process

#: Runs `voc resume` takes up again: those that ended without completing.
RESUMABLE_STATUSES = ("failed", "crashed", "cancelled")

app = typer.Typer(help=__doc__, no_args_is_help=True, add_completion=False)


@app.callback()
def prefect_defaults() -> None:
    """Set Prefect's defaults for `voc` (flows.prefect_defaults) before any command imports
    Prefect."""
    apply_prefect_defaults()


def open_store(store: str | None = None) -> ResultsStore:
    """The results store, with runs whose process died marked crashed.

    The process's shared one: a run's hooks find it open, not open and check it again.
    """
    try:
        results = shared_store(resolve_store_url(store))
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


# -- voc run ------------------------------------------------------------------------------


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


@app.command(name="eval")
def evaluate(
    source: Annotated[str, typer.Option(help="sample, or an export file with labels")] = "sample",
    labels: Annotated[
        Path | None, typer.Option(help="the labels file (default X.labels.json beside X.json)")
    ] = None,
    provider: Annotated[
        str | None, typer.Option(help="local, openai or anthropic (default: by model)")
    ] = None,
    model: Annotated[str | None, typer.Option(help="one model")] = None,
    models: Annotated[str | None, typer.Option(help="several, comma-separated: a,b,c")] = None,
    base_url: Annotated[str | None, typer.Option(help="an OpenAI-compatible server")] = None,
    start: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="first day")] = None,
    end: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="last day")] = None,
    store: Annotated[str | None, typer.Option(help="SQLAlchemy URL of the results store")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False,
) -> None:
    """Run the analysis on a labelled set with each model and score it: one table."""
    from flows import eval_command as ev

    try:
        request = ev.check_request(
            source, labels, start and start.date(), end and end.date(), provider, model,
            models, base_url,
        )  # fmt: skip
    except BadInput as exc:
        fail(str(exc))
    results = open_store(store)
    outcomes = []
    began = datetime.now().astimezone()
    with stopping_on_signals(), prefect_api():
        try:
            with progress_shown(results):
                for candidate in request.candidates:
                    outcomes.append(ev.evaluate(request, candidate, results, store))
        except Interrupted as interrupted:
            end_interrupted(results, began, interrupted)
        settle_prefect()
    if as_json:
        print_json(ev.as_json(outcomes))
    else:
        console.print(ev.scores_table(outcomes))
        for line in ev.notes(outcomes):
            console.print(line, markup=False, soft_wrap=True)
    if any(o.error for o in outcomes):
        raise typer.Exit(1)


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
    stopped_by = serve(web, sock)
    if stopped_by:
        raise typer.Exit(128 + stopped_by)
