"""Topic detection and the per-topic agents against a provider that answers in 200 ms.

    .venv/bin/python -m bench.pipeline_concurrency [--levels 1,4,8,16] [--repeat 3]
        [--latency 0.2] [--unmatched 300]

A loopback server speaking OpenAI's Chat Completions (`tests/servers/openai.py`), in
a process of its own, answers every request after `--latency` seconds. The
conversations are the bundled sample's last week, loaded and preprocessed by their
agents, plus `--unmatched` conversations no taxonomy keyword matches, so topic
detection has work for the model.

The stage under test is the flow's own: `topic_detection`, then `sub_topic_detection`,
`topic_sentiment` and `example_quotes` submitted together, each running one task per
topic; real Prefect tasks (cache keys, persisted results, state hooks) in a flow run,
real client (httpx, the in-process limiter, retries, usage capture), provider
`openai` with `base_url` at the server. At each level `c` both knobs are set to `c`:
`LLMSettings.concurrency` (requests in flight to the provider, shared by all agents)
and the agents' `concurrency` (the flow's `topic_concurrency`: topic task runs per
agent at once). The wall time is taken inside the flow run, from before topic
detection to the last per-topic result, so the flow run's own start and exit are not
in it; each level's first run (new client, new connections) is not measured. Calls
are counted as the client reports them. The ideal is calls x latency / c; level 1 is
the sequential baseline.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from math import ceil
from pathlib import Path

# Persisted task results go to a temporary directory, not to ~/.prefect/storage.
STORAGE = tempfile.TemporaryDirectory(prefix="voc-bench-results-")
os.environ.setdefault("PREFECT_RESULTS_LOCAL_STORAGE_PATH", STORAGE.name)

from prefect import flow  # noqa: E402
from prefect.utilities.annotations import opaque  # noqa: E402

from flows.voice_of_customer import submit_per_topic  # noqa: E402
from tasks.llm import LLMSettings  # noqa: E402
from tasks.load import load_conversations  # noqa: E402
from tasks.models import Conversation, Message  # noqa: E402
from tasks.observe import observers  # noqa: E402
from tasks.preprocess import preprocess  # noqa: E402
from tasks.taxonomy import Taxonomy, load_taxonomy  # noqa: E402
from tasks.topics import topic_detection  # noqa: E402

NOW = datetime(2026, 11, 20, tzinfo=UTC)
SAMPLE_WEEK = (date(2026, 11, 16), date(2026, 11, 22))
TOPIC_STAGE = "classify_topics"  # the purpose of topic detection's calls; the rest are per topic
SERVE = (
    "import sys\n"
    "from tests.servers.openai import FakeOpenAI\n"
    "server = FakeOpenAI().start()\n"
    "server.delay_s = float(sys.argv[1])\n"
    "print(server.base_url, server.api_key, flush=True)\n"
    "sys.stdin.read()\n"
)
ROOT = Path(__file__).resolve().parent.parent


def unmatched(count: int) -> list[Conversation]:
    """Conversations no keyword of the taxonomy matches, so the model sees every one."""
    return [
        Conversation(
            id=f"b{i}",
            created_at=NOW,
            channel="conversation",
            tier="paid",
            language="en",
            customer_ids=[f"c{i}"],
            state="closed",
            messages=[
                Message(
                    author_type="user",
                    part_type="source",
                    text=f"Zyxo quorble {i} flimmed the wuzzle again, can somebody glorp it?",
                    created_at=NOW,
                )
            ],
        )
        for i in range(count)
    ]


def workload(extra: int) -> list[Conversation]:
    loaded = load_conversations.fn("sample", *SAMPLE_WEEK)
    return preprocess.fn(loaded.conversations).conversations + unmatched(extra)


@flow(name="bench-topics-and-per-topic-agents")
def topics_and_per_topic(
    conversations: list[Conversation], taxonomy: Taxonomy, llm: LLMSettings, concurrency: int
) -> tuple[float, float]:
    """The flow's topic stage, as `voice_of_customer` runs it; seconds to topics and to all."""
    started = time.perf_counter()
    conversations = opaque(conversations)
    topics = topic_detection(conversations, taxonomy, llm)
    detected = time.perf_counter()
    for future in submit_per_topic(opaque(topics), conversations, taxonomy, llm, concurrency):
        future.result()
    return detected - started, time.perf_counter() - started


@contextmanager
def provider(latency: float) -> Iterator[tuple[str, str]]:
    """The loopback server in a process of its own, so it does not share this one's
    interpreter lock with the pipeline it answers; yields its base URL and API key."""
    server = subprocess.Popen(
        [sys.executable, "-c", SERVE, str(latency)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        base_url, api_key = server.stdout.readline().split()
        yield base_url, api_key
    finally:
        server.stdin.close()  # it exits when its stdin closes
        server.wait(timeout=10)


def measure(base_url: str, items, taxonomy, level: int, repeat: int) -> dict:
    llm = LLMSettings(provider="openai", model="gpt-4o-mini", base_url=base_url, concurrency=level)
    # Unmeasured first run: each level has a client and connections of its own.
    topics_and_per_topic(items, taxonomy, llm, level)
    walls, firsts, purposes = [], [], Counter()
    observers.llm_call.append(count := lambda call: purposes.update([call.purpose]))
    try:
        for _ in range(repeat):
            purposes.clear()
            first, wall = topics_and_per_topic(items, taxonomy, llm, level)
            walls.append(wall)
            firsts.append(first)
    finally:
        observers.llm_call.remove(count)
    topic_calls = purposes[TOPIC_STAGE]
    return {
        "level": level,
        "walls": walls,
        "topic_detection": firsts,
        "stages": (topic_calls, sum(purposes.values()) - topic_calls),
    }


def report(rows: list[dict], latency: float) -> None:
    serial = statistics.median(rows[0]["walls"])
    print(
        "| concurrency | calls (topics + per-topic) | wall median (worst) | ideal | ratio median "
        "(worst) | round bound | speed-up vs 1 |"
    )
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        level, (first, second) = row["level"], row["stages"]
        calls = first + second
        ideal = calls * latency / level
        rounds = (ceil(first / level) + ceil(second / level)) * latency
        wall, worst = statistics.median(row["walls"]), max(row["walls"])
        print(
            f"| {level} | {calls} ({first} + {second}) | {wall:.3f} s ({worst:.3f} s) | "
            f"{ideal:.3f} s | **{wall / ideal:.2f}** ({worst / ideal:.2f}) | {rounds:.3f} s | "
            f"{serial / wall:.1f}x |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="1,4,8,16")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--unmatched", type=int, default=300)
    args = parser.parse_args()

    taxonomy = load_taxonomy()
    items = workload(args.unmatched)
    rows = []
    with provider(args.latency) as (base_url, api_key):
        os.environ["OPENAI_API_KEY"] = api_key
        for level in [int(level) for level in args.levels.split(",")]:
            rows.append(measure(base_url, items, taxonomy, level, args.repeat))
            print(f"level {level}: {rows[-1]}", flush=True)
    print(
        f"{len(items)} conversations ({args.unmatched} without keywords), latency "
        f"{args.latency * 1000:.0f} ms, {args.repeat} runs per level"
    )
    report(rows, args.latency)


if __name__ == "__main__":
    main()
