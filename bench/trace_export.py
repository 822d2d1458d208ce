"""What exporting traces costs: the monitored flow with OTLP export on against the same flow off.

    .venv/bin/python -m bench.trace_export [--pairs 10] [--pause 2]

The runs of bench.monitor_overhead (the sixteen-agent flow on the sample, offline
provider, monitor on, each run into a new SQLite store), in one process, in turn:
traces exported (Prefect's flow and task spans, the monitor's LLM spans and run
figures, batched and sent over OTLP/HTTP as `voc run` does with
OTEL_EXPORTER_OTLP_ENDPOINT set); Prefect's spans alone (the monitor's trace code
switched off), to tell its share from Prefect's; and no export (Prefect makes no span
at all, as without the variable). The spans go to a loopback receiver in a process of
its own (`--sink`), which takes each export and answers 200, as a collector on another
machine would; it counts the spans only after the last run. Prints the median wall
and CPU times and their ratios to no export, the time spent in the monitor's trace
code per run, and the spans received.
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
#: The monitor's trace code, timed in every run and switched off in "Prefect's spans only".
OURS = ("run_opened", "run_closed", "record_llm_call")


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


def timed_run(mode: str, out: Path, pause: float, ours: dict[str, Timed]) -> tuple[float, float]:
    exporting = mode != "export off"
    for name, timed in ours.items():  # the hooks look them up in the module at each call
        setattr(traces, name, timed if mode == "export on" else skipped)
    with temporary_settings(updates={PREFECT_CLOUD_ENABLE_ORCHESTRATION_TELEMETRY: exporting}):
        times = run_once(voice_of_customer, out, pause)
    assert wait_for_publishing(), "artifacts not published"  # untimed, before the next run
    return times


def skipped(*args: object) -> None:
    """The monitor's trace code, switched off."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10)
    parser.add_argument("--pause", type=float, default=2.0, help="seconds before each run")
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
            assert traces.start()
            ours = {name: Timed(getattr(traces, name)) for name in OURS}
            for mode in MODES:  # warm-up
                timed_run(mode, root / f"warm-{mode}", 0, ours)
            for timed in ours.values():
                timed.ns.clear()
            times: dict[str, list[tuple[float, float]]] = {mode: [] for mode in MODES}
            for i in range(args.pairs):
                for mode in MODES[i % 3 :] + MODES[: i % 3]:  # each first as often
                    times[mode].append(timed_run(mode, root / f"{mode}-{i}", args.pause, ours))
            traces.flush()
            received = httpx.get(f"{url}/count", timeout=60).text.split()
        finally:
            sink.terminate()
            sink.wait()
    report(args.pairs, times, received, ours)


def report(
    pairs: int,
    times: dict[str, list[tuple[float, float]]],
    received: list[str],
    ours: dict[str, Timed],
) -> None:
    wall = {m: statistics.median(w for w, _ in runs) for m, runs in times.items()}
    cpu = {m: statistics.median(c for _, c in runs) for m, runs in times.items()}
    off = MODES[-1]
    print(f"runs of each kind: {pairs} (order rotating)")
    for mode in MODES:
        print(f"{mode} wall: {' '.join(f'{w:.3f}' for w, _ in times[mode])}")
    print("| | median wall | ratio | median process CPU | ratio |\n|---|---|---|---|---|")
    for mode in MODES:
        print(
            f"| {mode} | {wall[mode]:.3f} s | **{wall[mode] / wall[off]:.3f}** "
            f"| {cpu[mode]:.3f} s | {cpu[mode] / cpu[off]:.3f} |"
        )
    print("\n| the monitor's trace code | calls per run | mean µs | p95 µs | ms per run |")
    print("|---|---|---|---|---|")
    for timed in ours.values():
        print(timed.summary(pairs))
    exports, spans = received
    print(f"\nthe receiver took {exports} exports, {spans} spans (warm-up runs included)")


if __name__ == "__main__":
    main()
