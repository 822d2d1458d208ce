"""What exporting traces costs: the monitored flow with OTLP export on against the same flow off.

    .venv/bin/python -m bench.trace_export [--pairs 30] [--pause 1]

The runs of bench.monitor_overhead (the sixteen-agent flow on the sample, offline
provider, monitor on, each run into a new SQLite store, a full garbage collection
before each, Prefect's flow-run heartbeat off), in one process, in rounds of three in
rotating order: traces exported (Prefect's flow and task spans, the monitor's LLM
spans and run figures, batched and sent over OTLP/HTTP as `voc run` does with
OTEL_EXPORTER_OTLP_ENDPOINT set); Prefect's spans alone (the monitor's trace code
switched off), to tell its share from Prefect's; and no export (Prefect makes no span
at all, as without the variable).

A run on the sample lasts about a second, less than the batch processor's 5 s between
exports: as in `voc run`, whose spans leave as the process exits, each run's spans
are sent after it (the exporter's thread is told to wait longer than the benchmark
lasts, and the spans are flushed after each run), so a run's time never holds part
of another run's export. The send is timed on its own: its wall and CPU per run.

The spans go to a loopback receiver in a process of its own (`--sink`), which takes
each export and answers 200, as a collector on another machine would; it counts the
spans only after the last run. Prints, for each kind against no export: the ratio of
the median wall and CPU times, and the median (and quartiles) of the ratios within
each round, in which the three kinds ran back to back; the CPU ratio with the send
counted; the time spent in the monitor's trace code per run; and the spans received.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import NamedTuple

import httpx
from prefect.settings import (
    PREFECT_CLOUD_ENABLE_ORCHESTRATION_TELEMETRY,
    PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
    temporary_settings,
)

from bench.monitor_overhead import Timed, run_once
from flows.voice_of_customer import voice_of_customer
from monitor import traces
from monitor.hooks import wait_for_publishing

MODES = ("export on", "Prefect's spans only", "export off")
#: The monitor's trace code, timed in every run and switched off in "Prefect's spans only":
#: at the run's start and end (flow hooks), per LLM call in the agent's thread, and the
#: LLM call's span as the run's writer thread makes it.
OURS = {
    "run_opened": "`run_opened` (flow start hook)",
    "run_closed": "`run_closed` (flow end hook: the run's figures on its span)",
    "record_llm_call": "`record_llm_call` (per LLM call, in the agent's thread)",
    "_trace_call": "the LLM call's span (made on the run's writer thread)",
}
#: Longer than any benchmark: the exporter's thread never sends while a run is timed.
NEVER_MS = str(24 * 3600 * 1000)


class Run(NamedTuple):
    """One run's seconds: the flow's call (wall, process CPU), then sending its spans."""

    wall: float
    cpu: float
    send_wall: float
    send_cpu: float


def serve_sink(port_file: Path) -> None:
    """The receiver: keeps each export's body; GET /count decodes them and says how many spans."""
    bodies: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            bodies.append(self.rfile.read(int(self.headers["content-length"])))
            self._answer(b"")

        def do_GET(self) -> None:
            from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
                ExportTraceServiceRequest,
            )

            requests = [ExportTraceServiceRequest.FromString(b) for b in bodies]
            spans = sum(
                len(scope.spans)
                for r in requests
                for rs in r.resource_spans
                for scope in rs.scope_spans
            )
            self._answer(f"{len(bodies)} {spans}".encode())

        def _answer(self, body: bytes) -> None:
            self.send_response(200)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port_file.write_text(str(server.server_address[1]))
    server.serve_forever()


def start_sink(tmp: Path) -> tuple[subprocess.Popen, str]:
    port_file = tmp / "sink-port"
    sink = subprocess.Popen([sys.executable, "-m", "bench.trace_export", "--sink", str(port_file)])
    deadline = time.monotonic() + 30
    while not port_file.exists() or not port_file.read_text():
        if time.monotonic() > deadline:
            raise RuntimeError("the sink did not start")
        time.sleep(0.05)
    return sink, f"http://127.0.0.1:{port_file.read_text()}"


def timed_run(mode: str, out: Path, pause: float, ours: dict[str, Timed]) -> Run:
    exporting = mode != "export off"
    for name, timed in ours.items():  # the hooks look them up in the module at each call
        setattr(traces, name, timed if mode == "export on" else skipped)
    with temporary_settings(updates={PREFECT_CLOUD_ENABLE_ORCHESTRATION_TELEMETRY: exporting}):
        wall, cpu = run_once(voice_of_customer, out, pause)
    sent_wall, sent_cpu = time.perf_counter(), time.thread_time()
    traces.flush()  # in this thread: the batch processor exports in the caller's
    run = Run(wall, cpu, time.perf_counter() - sent_wall, time.thread_time() - sent_cpu)
    assert wait_for_publishing(), "artifacts not published"  # untimed, before the next run
    return run


def skipped(*args: object) -> None:
    """The monitor's trace code, switched off."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=30, help="rounds of the three kinds")
    parser.add_argument(
        "--pause",
        type=float,
        default=1.0,
        help="seconds before each run, so it starts on a Prefect server done with the last",
    )
    parser.add_argument("--sink", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sink:
        serve_sink(args.sink)
        return
    with (
        tempfile.TemporaryDirectory() as tmp,
        temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
    ):
        root = Path(tmp)
        sink, url = start_sink(root)
        try:
            os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] = url
            os.environ["OTEL_BSP_SCHEDULE_DELAY"] = NEVER_MS
            assert traces.start()
            ours = {name: Timed(getattr(traces, name), label) for name, label in OURS.items()}
            for mode in MODES:  # warm-up
                timed_run(mode, root / f"warm-{mode}", 0, ours)
            for timed in ours.values():
                timed.ns.clear()
            rounds: list[dict[str, Run]] = []
            for i in range(args.pairs):
                rounds.append({})
                for mode in MODES[i % 3 :] + MODES[: i % 3]:  # each first as often
                    rounds[-1][mode] = timed_run(mode, root / f"{mode}-{i}", args.pause, ours)
            received = httpx.get(f"{url}/count", timeout=60).text.split()
        finally:
            sink.terminate()
            sink.wait()
    report(rounds, received, ours)


def report(rounds: list[dict[str, Run]], received: list[str], ours: dict[str, Timed]) -> None:
    off = MODES[-1]
    print(f"rounds: {len(rounds)} (the three kinds back to back, order rotating)")
    for mode in MODES:
        print(f"{mode} wall: {' '.join(f'{r[mode].wall:.3f}' for r in rounds)}")
    print(
        "\n| | median wall | ratio of medians | median of round ratios [quartiles] "
        "| median CPU | ratio of medians | median of round ratios [quartiles] |"
    )
    print("|---|---|---|---|---|---|---|")
    for mode in MODES:
        cells = []
        for figure in ("wall", "cpu"):
            median = statistics.median(getattr(r[mode], figure) for r in rounds)
            of_off = statistics.median(getattr(r[off], figure) for r in rounds)
            quartiles = ratio_median([r[mode] for r in rounds], [r[off] for r in rounds], figure)
            cells += [f"{median:.3f} s", f"{median / of_off:.3f}", quartiles]
        print(f"| {mode} | {' | '.join(cells)} |")
    ours_only = [r[MODES[0]] for r in rounds], [r[MODES[1]] for r in rounds]
    print(
        "\nexport on against Prefect's spans only (the monitor's share), median of round "
        f"ratios: wall {ratio_median(*ours_only, 'wall')}, CPU {ratio_median(*ours_only, 'cpu')}"
    )
    print(
        "\n| sending the run's spans, after it | median wall | median CPU "
        "| CPU ratio, send counted |"
    )
    print("|---|---|---|---|")
    for mode in MODES:
        with_send = [
            (r[mode].cpu + r[mode].send_cpu) / (r[off].cpu + r[off].send_cpu) for r in rounds
        ]
        print(
            f"| {mode} | {1000 * statistics.median(r[mode].send_wall for r in rounds):.1f} ms "
            f"| {1000 * statistics.median(r[mode].send_cpu for r in rounds):.1f} ms "
            f"| {statistics.median(with_send):.3f} (median of round ratios) |"
        )
    print("\n| the monitor's trace code | calls per run | mean µs | p95 µs | ms per run |")
    print("|---|---|---|---|---|")
    for timed in ours.values():
        print(timed.summary(len(rounds)))
    exports, spans = received
    print(f"\nthe receiver took {exports} exports, {spans} spans (warm-up runs included)")


def ratio_median(runs: list[Run], against: list[Run], figure: str) -> str:
    """The median and quartiles of the ratios of one kind's runs to another's, round by round."""
    ratios = [getattr(a, figure) / getattr(b, figure) for a, b in zip(runs, against, strict=True)]
    low, mid, high = statistics.quantiles(ratios, n=4)
    return f"**{mid:.3f}** [{low:.3f}-{high:.3f}]"


if __name__ == "__main__":
    main()
