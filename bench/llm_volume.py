"""A week of 10,000 conversations through a realistic OpenAI-speaking server.

    .venv/bin/python -m bench.llm_volume [--size 10000] [--latency 0.2] [--keep DIR]

It generates the week with the sample's generator (`scripts/generate_sample.py`, more
customers), starts the loopback OpenAI server (`tests/servers/openai.py`: gpt-4o-mini's
128k context and 16,384-token output cap enforced, OpenAI's 400 for a prompt past the
context, `finish_reason: "length"` for a reply past its cap) in a process of its own,
replying after `--latency` seconds, and runs the whole flow over the week with
`provider openai, model gpt-4o-mini` (8 requests in flight, the client's default) and
the monitor on (a SQLite store in a temporary directory). The flow runs in this
process, after a no-op flow has started Prefect's temporary server, with the Prefect
settings `voc run` gives it (flows.prefect_defaults) where the environment sets none.

It reports, from the server's own log of requests:
- requests refused for context and replies cut at their cap (the figure: 0 and 0);
- conversations labelled with a sub-topic, from the run's `results.json`;
- the LLM phase (first topic request to the last reply of the per-topic agents):
  its wall time against the ideal, calls x latency / 8;
- per agent, the conversations it has, the texts it sent (more: some sent twice, or
  for quotes the candidates of the final pick), and the prompt tokens sent against
  the tokens of those texts;
- the CPU each process (this one, Prefect's temporary server, the fake server) spent in
  the LLM phase's window, sampled from /proc by a process of its own (bench.cpu_probe).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import generate_sample  # noqa: E402

from bench.cpu_probe import CpuProbe  # noqa: E402
from bench.timed_flow import run_timed, warm_up  # noqa: E402
from flows.prefect_defaults import apply_prefect_defaults  # noqa: E402

WEEK = {"start": date(2026, 11, 16), "end": date(2026, 11, 22)}  # the generator's 2nd week
SLOTS = 8
# The requests that carry conversations: topic detection and the three per-topic agents.
PHASE = ("classify_topics", "classify_sub_topics", "read_sentiment", "select_quotes")
PHASE_ALL = (*PHASE, "summarise_sentiment")


def write_week(size: int, path: Path) -> int:
    """`size` conversations in the window's week (a few in the week before), as JSONL."""
    customers = round(generate_sample.CUSTOMERS * size / generate_sample.WEEK_COUNTS[1])
    data = generate_sample.generate(week_counts=(100, size), customers=customers)
    with path.open("w", encoding="utf-8") as handle:
        for entry in data["conversations"]:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
    return len(data["conversations"])


# -- the server, in a process of its own ----------------------------------------------------


def serve(latency: float) -> None:
    """Run the realistic server until stdin closes, then print what it saw as JSON."""
    from tests.servers import tokens
    from tests.servers.openai import FakeOpenAI

    # Read before serving: the agents' modules import Prefect, seconds of CPU that a
    # first request would otherwise wait for (it did: 6.5 s for topic detection's call).
    known = purposes()
    log: list[dict[str, Any]] = []
    lock = threading.Lock()

    class Logged(FakeOpenAI):
        def route(self, seen):  # noqa: ANN001 - the base class's signature
            arrived = time.monotonic()
            reply = super().route(seen)
            body = seen.body if isinstance(seen.body, dict) else {}
            messages = body.get("messages") or [{}]
            entry = {
                "arrived": arrived,
                "status": reply.status,
                "purpose": purpose_of(body, known),
                "prompt_tokens": reply.body["usage"]["prompt_tokens"] if reply.status == 200 else 0,
                # Read once the run is over: parsing it here took the server's CPU
                # (and the two cores') while the run was being timed.
                "prompt": next((m["content"] for m in messages if m.get("role") == "user"), "{}"),
            }
            with lock:
                log.append(entry)
            return reply

    server = Logged(context=128_000, output_cap=16_384).start()
    server.delay_s = latency
    print(server.base_url, server.api_key, flush=True)
    sys.stdin.read()
    server.stop()
    for entry in log:
        entry["items"] = [tokens.count(text) for text in conversation_texts(entry.pop("prompt"))]
    stats = {
        "refused_for_context": server.refused_for_context,
        "cut": server.cut,
        "max_in_flight": server.max_in_flight,
        "log": log,
    }
    print(json.dumps(stats), flush=True)


def conversation_texts(prompt: str) -> list[str]:
    """The texts of a request's conversations: one object from (numbered) id to text;
    write_summary's is a count."""
    items = json.loads(prompt).get("conversations")
    return list(items.values()) if isinstance(items, dict) else []


def purposes() -> dict[str, str]:
    """Each request's job by its system instructions (the payload does not name it)."""
    from tasks.quotes import INSTRUCTIONS as QUOTES
    from tasks.sentiment import INSTRUCTIONS as SENTIMENT
    from tasks.sentiment import SUMMARY_INSTRUCTIONS
    from tasks.sub_topics import INSTRUCTIONS as SUB_TOPICS
    from tasks.topics import INSTRUCTIONS as TOPICS

    return {
        TOPICS: "classify_topics",
        SUB_TOPICS: "classify_sub_topics",
        SENTIMENT: "read_sentiment",
        SUMMARY_INSTRUCTIONS: "summarise_sentiment",
        QUOTES: "select_quotes",
    }


def purpose_of(body: dict[str, Any], known: dict[str, str]) -> str:
    """The request's job, from its system instructions."""
    system = next((m["content"] for m in body.get("messages", []) if m["role"] == "system"), "")
    return known.get(system, "other")


# -- the run -----------------------------------------------------------------------------------


def run_flow(source: Path, out: Path, base_url: str) -> dict[str, Any]:
    """Warm Prefect up, then run the flow over `source` against the server."""
    warm_up()
    wall, result = run_timed(
        **WEEK,
        source=str(source),
        provider="openai",
        model="gpt-4o-mini",
        base_url=base_url,
        output_dir=str(out),
        store=f"sqlite:///{out / 'voc.db'}",
    )
    results = json.loads((result.output.directory / "results.json").read_text())
    labelled = sum(len(t["labels"]) for t in results["sub_topic_detection"]["topics"])
    return {
        "wall_s": wall,
        "analysed": result.summary.conversations,
        "labelled": labelled,
        "by_llm": results["topic_detection"]["by_llm"],
    }


def window(log: list[dict[str, Any]], purposes: tuple[str, ...], latency: float) -> dict:
    """From the first request for `purposes` to the last one's reply: its wall time, and
    the ideal for every call made in it, calls x latency / slots."""
    answered = sorted((e for e in log if e["status"] == 200), key=lambda e: e["arrived"])
    ours = [e for e in answered if e["purpose"] in purposes]
    begin, end = ours[0]["arrived"], ours[-1]["arrived"] + latency
    calls = [e for e in log if begin <= e["arrived"] <= end]
    return {"calls": len(calls), "wall_s": end - begin, "ideal_s": len(calls) * latency / SLOTS}


def tokens_by_agent(log: list[dict[str, Any]]) -> dict[str, Counter]:
    """Per purpose: calls, prompt tokens sent, texts sent and their own tokens."""
    found: dict[str, Counter] = defaultdict(Counter)
    for entry in log:
        if entry["status"] != 200 or entry["purpose"] not in PHASE:
            continue
        row = found[entry["purpose"]]
        row["calls"] += 1
        row["sent"] += entry["prompt_tokens"]
        row["texts"] += len(entry["items"])
        row["own"] += sum(entry["items"])
    return found


def cpu_in_phase(probe: CpuProbe, log: list[dict[str, Any]], latency: float, server: int) -> str:
    """The CPU each process spent in the LLM phase's window, against 2 cores x its wall."""
    answered = sorted((e for e in log if e["status"] == 200), key=lambda e: e["arrived"])
    ours = [e for e in answered if e["purpose"] in PHASE_ALL]
    begin, end = ours[0]["arrived"], ours[-1]["arrived"] + latency
    me = os.getpid()
    client = probe.spent(me, begin, end)
    fake = probe.spent(server, begin, end)
    prefect = sum(probe.spent(pid, begin, end) for pid in probe.pids() - {me, server})
    total = client + prefect + fake
    return (
        f"CPU in the LLM phase ({end - begin:.2f} s, 2 cores = {2 * (end - begin):.2f} s): "
        f"prefect-voc {client:.2f} s, Prefect's server {prefect:.2f} s, fake server "
        f"{fake:.2f} s, total {total:.2f} s ({total / (2 * (end - begin)):.0%} of 2 cores)"
    )


def report(run: dict[str, Any], stats: dict[str, Any], latency: float, entries: int) -> None:
    per_topic = PHASE_ALL[1:]
    timings = {
        "LLM phase (topic detection's first request to the last per-topic reply)": window(
            stats["log"], PHASE_ALL, latency
        ),
        "per-topic agents alone (their first request to their last reply)": window(
            stats["log"], per_topic, latency
        ),
    }
    per_agent = tokens_by_agent(stats["log"])
    print(f"file entries {entries:,}, analysed {run['analysed']:,}, run {run['wall_s']:.1f} s")
    print(
        f"refused for context {stats['refused_for_context']}, cut at their cap {stats['cut']}, "
        f"most in flight {stats['max_in_flight']}"
    )
    print(f"labelled with a sub-topic: {run['labelled']:,} of {run['analysed']:,}")
    for name, timing in timings.items():
        print(
            f"{name}: {timing['calls']} calls in {timing['wall_s']:.2f} s; ideal "
            f"{timing['calls']} x {latency} s / {SLOTS} = {timing['ideal_s']:.2f} s; "
            f"x{timing['wall_s'] / timing['ideal_s']:.2f}"
        )
    given = {purpose: run["analysed"] for purpose in PHASE} | {"classify_topics": run["by_llm"]}
    print(
        "| agent (purpose) | calls | conversations it has | texts sent | their tokens | "
        "prompt tokens sent | ratio |"
    )
    print("|---|---|---|---|---|---|---|")
    total_sent = total_own = 0
    for purpose in PHASE:
        row = per_agent[purpose]
        total_sent += row["sent"]
        total_own += row["own"]
        ratio = row["sent"] / row["own"] if row["own"] else 0
        print(
            f"| {purpose} | {row['calls']} | {given[purpose]:,} | {row['texts']:,} | "
            f"{row['own']:,} | {row['sent']:,} | x{ratio:.3f} |"
        )
    print(f"| all four | | | | {total_own:,} | {total_sent:,} | x{total_sent / total_own:.3f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--keep", type=Path, help="write the week's JSONL here and keep it")
    parser.add_argument("--log", type=Path, help="write the server's log of requests here")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.latency)
        return
    apply_prefect_defaults()  # as `voc run` does, before Prefect starts its server
    with tempfile.TemporaryDirectory(prefix="voc-llm-volume-") as workdir:
        source = args.keep or Path(workdir) / "week.jsonl"
        entries = write_week(args.size, source)
        command = [
            sys.executable,
            "-m",
            "bench.llm_volume",
            "--serve",
            "--latency",
            str(args.latency),
        ]
        server = subprocess.Popen(
            command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        try:
            base_url, os.environ["OPENAI_API_KEY"] = server.stdout.readline().split()
            probe = CpuProbe().start()
            run = run_flow(source, Path(workdir), base_url)
            probe.stop()
            stats_line, _ = server.communicate("", timeout=120)
        finally:
            if server.poll() is None:
                server.kill()
        if args.log:
            args.log.write_text(stats_line)
        stats = json.loads(stats_line)
        report(run, stats, args.latency, entries)
        print(cpu_in_phase(probe, stats["log"], args.latency, server.pid))


if __name__ == "__main__":
    main()
