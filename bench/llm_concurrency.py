"""Topic detection over 300 conversations against a provider that answers in 200 ms.

    .venv/bin/python bench/llm_concurrency.py [--conversations 300] [--latency 0.2]
        [--concurrency 8] [--repeat 5]

A loopback server speaking OpenAI's Chat Completions answers every request after
`--latency` seconds. Topic detection (the agent's plain function, no Prefect engine)
sends every conversation to the model, since none matches a keyword, through the
real client: httpx, the rate limiter, retries, usage capture. The figure is its wall
time against the ideal, calls x latency / concurrency.

For comparison it also times the same conversations in batches of 25 one after the
other (before this client sent them concurrently), and 25-batches sent 8 at a time
without balancing them over the slots.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tasks.llm import LLMRequest, LLMSettings, llm_client  # noqa: E402
from tasks.models import Conversation, Message, TopicLabels  # noqa: E402
from tasks.taxonomy import load_taxonomy  # noqa: E402
from tasks.topics import BATCH, INSTRUCTIONS, topic_detection  # noqa: E402
from tests.servers.openai import FakeOpenAI  # noqa: E402

NOW = datetime(2026, 11, 20, tzinfo=UTC)


def conversations(count: int) -> list[Conversation]:
    """Conversations no keyword of the taxonomy matches, so the model sees every one."""
    return [
        Conversation(
            id=f"b{i}",
            created_at=NOW,
            channel="conversation",
            tier="paid",
            language="en",
            customer_id=f"c{i}",
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


def timed(run) -> float:
    began = time.perf_counter()
    run()
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=300)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    taxonomy = load_taxonomy()
    items = conversations(args.conversations)
    with FakeOpenAI() as server:
        server.delay_s = args.latency
        os.environ["OPENAI_API_KEY"] = server.api_key
        settings = LLMSettings(
            provider="openai",
            model="gpt-4o-mini",
            base_url=server.base_url,
            concurrency=args.concurrency,
        )
        topic_detection.fn(items[:10], taxonomy, settings)  # warm up: connections, imports

        rounds = []
        for _ in range(args.repeat):
            before = len(server.requests)
            seconds = timed(lambda: topic_detection.fn(items, taxonomy, settings))
            calls = len(server.requests) - before
            rounds.append((seconds, calls))
        calls = rounds[0][1]
        ideal = calls * args.latency / args.concurrency
        walls = [seconds for seconds, _ in rounds]

        serial = LLMSettings(**{**settings.model_dump(), "concurrency": 1})
        one_at_a_time = timed(lambda: topic_detection.fn(items, taxonomy, serial))
        client = llm_client(settings)
        unbalanced = [
            LLMRequest(
                "classify_topics",
                INSTRUCTIONS,
                {"conversations": [{"id": c.id, "text": c.customer_text} for c in batch]},
                TopicLabels,
            )
            for batch in (items[i : i + BATCH] for i in range(0, len(items), BATCH))
        ]
        plain = timed(lambda: client.complete_many(unbalanced))

    print(
        f"conversations {args.conversations}, latency {args.latency * 1000:.0f} ms, "
        f"concurrency {args.concurrency}, {args.repeat} runs"
    )
    print(f"calls per run {calls}; ideal {ideal:.3f} s (calls x latency / concurrency)")
    print(
        f"wall: median {statistics.median(walls):.3f} s, worst {max(walls):.3f} s, "
        f"all {', '.join(f'{w:.3f}' for w in walls)}"
    )
    print(
        f"ratio to ideal: median {statistics.median(walls) / ideal:.3f}, "
        f"worst {max(walls) / ideal:.3f}"
    )
    print(
        f"for comparison: {len(unbalanced)} batches of {BATCH}, one at a time: "
        f"{one_at_a_time:.3f} s; {args.concurrency} at a time, unbalanced: {plain:.3f} s "
        f"(ideal {len(unbalanced) * args.latency / args.concurrency:.3f} s)"
    )


if __name__ == "__main__":
    main()
