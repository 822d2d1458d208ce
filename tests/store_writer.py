"""Write one run's worth of rows the way the monitor does, event by event.

Run as `python -m tests.store_writer URL RUN_ID` by the concurrency tests: several of
these at once against one store is several runs at once.
"""

import sys
from datetime import date
from decimal import Decimal

from monitor.store import ResultsStore
from tasks.llm.types import LLMCall, Usage

AGENTS = 16
TOPICS = 4
CALLS_PER_AGENT = 3


def write_run(store: ResultsStore, run_id: str) -> None:
    store.start_run(
        {
            "id": run_id,
            "command": "voice-of-customer",
            "window_start": date(2026, 11, 16),
            "window_end": date(2026, 11, 22),
            "agents_total": AGENTS,
            "resume_key": run_id,
        }
    )
    keys = [f"agent{i}" for i in range(AGENTS)]
    keys += [f"agent4[topic{t}]" for t in range(TOPICS)]
    for key in keys:
        store.agent_started(run_id, key, f"{run_id}-{key}")
        for attempt in range(CALLS_PER_AGENT):
            call = LLMCall("openai", "gpt-4o-mini", "test", Usage(1000, 100), 1.0, attempt + 1)
            store.record_llm_call(run_id, key, f"{run_id}-{key}", call, Decimal("0.000210"))
        store.agent_finished(run_id, key, "completed")
    store.record_file(run_id, "report.md", 10, "0" * 64)
    store.finish_run(run_id, "completed")


if __name__ == "__main__":
    write_run(ResultsStore(sys.argv[1]), sys.argv[2])
