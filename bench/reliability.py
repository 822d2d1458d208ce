"""Kill -9 runs at random points and resume them: how many end crashed, lose rows, or re-run work.

    .venv/bin/python -m bench.reliability [--runs 20] [--seed 1] [--latency 0.5]

Each round starts `voc run --provider openai` on the sample against a loopback
OpenAI-shaped server that answers after `--latency` seconds, in a fresh output
directory; waits until topic detection has completed, then SIGKILLs the process at a
random moment of the concurrent phase (agents 5-12, their per-topic runs calling the
model). It then checks that:

- the run is marked `crashed` (found dead by the next `voc` command);
- every row seen just before the kill is still there (agents, LLM calls);
- `voc resume` completes the run; every agent the crashed run completed is `cached`
  in the resumed run and none of their LLM calls is made again; and the requests the
  server received during the resume are exactly the resumed run's recorded calls.
"""

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from monitor.store import ResultsStore
from tests.servers.openai import FakeOpenAI

VOC = str(Path(sys.executable).with_name("voc"))


def voc(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([VOC, *args], env=env, capture_output=True, text=True, timeout=600)


def snapshot(store: ResultsStore, run_id: str) -> tuple[dict[str, str], int]:
    run = store.run(run_id)
    return {a["key"]: a["status"] for a in run["agents"]}, run["calls"]


def one_round(rng: random.Random, workdir: Path, prefect_home: Path, server: FakeOpenAI) -> dict:
    env = {
        **os.environ,
        "VOC_HOME": str(workdir),
        "PREFECT_HOME": str(prefect_home),
        "OPENAI_BASE_URL": server.base_url,
        "OPENAI_API_KEY": server.api_key,
    }
    process = subprocess.Popen(
        [VOC, "run", "--provider", "openai", "--model", "gpt-4o-mini"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    database = workdir / "voc.db"
    store, run_id, delay, killed_at = None, None, rng.uniform(0.1, 2.0), None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.01)
        if store is None and database.exists():
            store = ResultsStore(f"sqlite:///{database}")
        if store is None or not (runs := store.runs(1)):
            continue
        run_id = runs[0]["id"]
        agents, _ = snapshot(store, run_id)
        if killed_at is None and agents.get("topic_detection") == "completed":
            killed_at = time.monotonic() + delay
        if killed_at and time.monotonic() >= killed_at:
            seen = snapshot(store, run_id)
            # The whole process group, as a power cut would: the run and the temporary
            # Prefect server it started (which would otherwise outlive it).
            os.killpg(process.pid, signal.SIGKILL)
            break
    process.wait()
    if killed_at is None or process.returncode != -signal.SIGKILL:
        return {"killed": False}
    crashed = json.loads(voc(env, "show", run_id, "--json").stdout)
    after = {a["key"]: a["status"] for a in crashed["agents"]}
    lost = [k for k in seen[0] if k not in after] + (
        ["calls"] if crashed["calls"] < seen[1] else []
    )
    completed = {k for k, s in after.items() if s == "completed"}
    requests_before = len(server.requests)
    resumed = voc(env, "resume", run_id)
    resume_requests = len(server.requests) - requests_before
    newest = json.loads(voc(env, "runs", "--json").stdout)[0]
    detail = json.loads(voc(env, "show", newest["id"], "--json").stdout)
    statuses = {a["key"]: a["status"] for a in detail["agents"]}
    calls = json.loads(voc(env, "export", "--format", "json", "--run", newest["id"]).stdout)
    return {
        "killed": True,
        "delay_s": round(delay, 3),
        "running_at_kill": sorted(k for k, s in seen[0].items() if s == "running"),
        "crashed": crashed["status"] == "crashed",
        "rows_lost": lost,
        "resumed_ok": resumed.returncode == 0 and detail["status"] == "completed",
        "resume_requests": resume_requests,
        "resume_calls_recorded": detail["calls"],
        "rerun": sorted(k for k in completed if statuses.get(k) != "cached")
        + sorted({c["agent_key"] for c in calls} & completed),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--latency", type=float, default=0.5)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    results = []
    with tempfile.TemporaryDirectory() as tmp, FakeOpenAI() as server:
        server.delay_s = args.latency
        for i in range(args.runs):
            result = one_round(rng, Path(tmp, f"round{i}"), Path(tmp, "prefect"), server)
            print(json.dumps(result), flush=True)
            results.append(result)
    killed = [r for r in results if r["killed"]]
    print(
        f"\nkilled {len(killed)} of {len(results)}; crashed {sum(r['crashed'] for r in killed)}; "
        f"rows lost in {sum(bool(r['rows_lost']) for r in killed)}; "
        f"resumed to completion {sum(r['resumed_ok'] for r in killed)}; "
        f"completed agents run again {sum(len(r['rerun']) for r in killed)}; "
        f"killed inside an agent {sum(bool(r['running_at_kill']) for r in killed)}; "
        f"resume requests = recorded calls in "
        f"{sum(r['resume_requests'] == r['resume_calls_recorded'] for r in killed)}"
    )


if __name__ == "__main__":
    main()
