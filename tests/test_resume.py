"""Crash a real run with SIGKILL, find it marked crashed, and resume it."""

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from monitor.store import ResultsStore
from tests.conftest import VOC
from tests.polling import until
from tests.servers.base import Reply
from tests.servers.openai import FakeOpenAI


def topic_done_before_its_agent(agents: dict[str, str]) -> bool:
    """A per-topic run has completed while its agent is still running."""
    return any(
        status == "completed" and agents.get(key.split("[")[0]) == "running"
        for key, status in agents.items()
        if "[" in key
    )


def kill_when(process: subprocess.Popen, store_path: Path, ready: Callable) -> str:
    """SIGKILL the run once `ready(agent statuses)` holds; returns the run's id."""
    opened: list[ResultsStore] = []

    def ready_run() -> str | None:
        if not opened and store_path.exists():
            opened.append(ResultsStore(f"sqlite:///{store_path}"))
        runs = opened[0].runs(1) if opened else []
        if not runs:
            return None
        agents = {a["key"]: a["status"] for a in opened[0].run(runs[0]["id"])["agents"]}
        return runs[0]["id"] if ready(agents) else None

    try:
        run_id = until("the run to reach the point to kill it at", ready_run, 120)
    finally:
        # The whole process group, as a power cut would: the run and the temporary
        # Prefect server it started (which would otherwise outlive it).
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    return run_id


def about_billing(seen) -> bool:
    """A per-topic request for Billing (its sub-topics, sentiment or quotes)."""
    messages = seen.body.get("messages", []) if isinstance(seen.body, dict) else []
    return any('"topic":"Billing"' in str(m.get("content")) for m in messages)


def test_a_killed_run_is_marked_crashed_and_resumes_without_rerunning(voc, tmp_path, prefect_home):
    env = {"PREFECT_HOME": str(prefect_home), "VOC_HOME": str(tmp_path)}
    with FakeOpenAI() as llm:
        # Billing's per-topic requests wait at the gate; every other topic's are answered.
        # The run then stays where it is to be killed: per-topic runs done, their agents
        # still running on Billing.
        llm.held = about_billing
        llm.gate.clear()
        keys = {"OPENAI_API_KEY": llm.api_key}
        process = subprocess.Popen(
            [VOC, "run", "--provider", "openai", "--base-url", llm.base_url],
            env={**os.environ, **env, **keys},
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            crashed_id = kill_when(process, tmp_path / "voc.db", topic_done_before_its_agent)
        finally:
            llm.gate.set()
        check_crashed_then_resume(voc, crashed_id, keys)


def check_crashed_then_resume(voc, crashed_id: str, keys: dict[str, str]) -> None:
    (crashed,) = json.loads(voc("runs", "--json").stdout)
    assert crashed["status"] == "crashed" and crashed["ended_at"]
    assert "the run's process stopped" in crashed["error"]
    before = json.loads(voc("show", crashed_id, "--json").stdout)
    completed = {a["key"] for a in before["agents"] if a["status"] == "completed"}
    assert {"load_conversations", "preprocess", "topic_detection"} <= completed
    # Some per-topic runs finished while their agent did not: they are reused too.
    assert any("[" in key for key in completed)
    assert not [a for a in before["agents"] if a["status"] == "running"]

    resumed = voc("resume", crashed_id[:8], **keys)
    assert resumed.returncode == 0, resumed.stderr
    newest = json.loads(voc("runs", "--json").stdout)[0]
    after = json.loads(voc("show", newest["id"], "--json").stdout)
    assert after["status"] == "completed" and after["resumed_from"] == crashed_id
    assert after["agents_done"] == 16
    by_key = {a["key"]: a for a in after["agents"]}
    for key in completed:
        assert by_key[key]["status"] == "cached", key
        assert by_key[key]["cached_from"] == crashed_id
        assert by_key[key]["calls"] == 0
    # What the crashed run paid for stays with it; the resumed run paid only for the rest.
    crashed_calls = {
        c["agent_key"]
        for c in json.loads(voc("export", "--format", "json", "--run", crashed_id).stdout)
    }
    resumed_calls = {
        c["agent_key"]
        for c in json.loads(voc("export", "--format", "json", "--run", newest["id"]).stdout)
    }
    assert "topic_detection" in crashed_calls
    assert resumed_calls and not resumed_calls & completed


def test_resume_refuses_what_cannot_be_resumed(voc, tmp_path):
    from tests.conftest import intercom_conversation, write_export

    assert voc("resume", "nope").stderr == "voc: no run with id 'nope'\n"
    write_export(tmp_path / "export.json", [intercom_conversation("1", 1_763_337_600, "invoice")])
    broken = tmp_path / "broken.json"
    broken.write_text("[{}]")
    failed = voc("run", "--source", "broken.json", "--start", "2025-11-17", "--end", "2025-11-23")
    assert failed.returncode == 1
    (run,) = json.loads(voc("runs", "--json").stdout)
    broken.unlink()
    gone = voc("resume", run["id"])
    assert gone.returncode == 2
    assert gone.stderr == f"voc: cannot resume run {run['id']}: its source file {broken} is gone\n"

    ok = voc("run", "--source", "export.json", "--start", "2025-11-17", "--end", "2025-11-23")
    assert ok.returncode == 0, ok.stderr
    done = json.loads(voc("runs", "--json").stdout)[0]
    refused = voc("resume", done["id"])
    assert (refused.returncode, refused.stderr) == (
        2,
        f"voc: run {done['id']} is completed: there is nothing to resume\n",
    )
    assert len(json.loads(voc("runs", "--json").stdout)) == 2  # nothing new was started


def test_a_prefect_retry_of_the_flow_run_reuses_the_completed_agents(tmp_path, prefect_home):
    """`prefect flow-run retry` is a resume too: same flow run, completed agents cached."""
    store_url = f"sqlite:///{tmp_path / 'voc.db'}"
    code = (
        "from datetime import date\n"
        "from flows.voice_of_customer import voice_of_customer\n"
        f"voice_of_customer(start=date(2026, 11, 16), end=date(2026, 11, 22), "
        f"provider='openai', model='gpt-4o-mini', store={store_url!r}, return_state=True)\n"
    )
    root = Path(__file__).resolve().parents[1]
    prefect = str(Path(sys.executable).with_name("prefect"))
    entrypoint = "flows/voice_of_customer.py:voice_of_customer"
    with FakeOpenAI() as llm:
        env = {
            **os.environ,
            "PREFECT_HOME": str(prefect_home),
            "PREFECT_LOGGING_LEVEL": "ERROR",
            "VOC_HOME": str(tmp_path),
            "OPENAI_API_KEY": llm.api_key,
            "OPENAI_BASE_URL": llm.base_url,
        }
        # The report's summary is refused (a 400, never retried): output formatting fails.
        refused = Reply(400, {"error": {"message": "refused", "type": "invalid_request_error"}})
        llm.refuse = lambda seen: refused if "one-line headline" in json.dumps(seen.body) else None
        subprocess.run([sys.executable, "-c", code], env=env, cwd=root, check=True, timeout=300)
        (failed,) = ResultsStore(store_url).runs()
        assert failed["status"] == "failed"
        agents = {a["key"]: a for a in ResultsStore(store_url).run(failed["id"])["agents"]}
        assert agents["output_formatting"]["status"] == "failed"
        calls_before = failed["calls"]

        llm.refuse = lambda seen: None
        retried = subprocess.run(
            [prefect, "flow-run", "retry", failed["id"], "--entrypoint", entrypoint],
            env=env,
            cwd=root,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert retried.returncode == 0, retried.stdout + retried.stderr
    run = ResultsStore(store_url).run(failed["id"])
    assert run["status"] == "completed" and run["agents_done"] == 16
    statuses = {a["key"]: a["status"] for a in run["agents"]}
    assert statuses["topic_detection"] == statuses["sub_topic_detection"] == "cached"
    assert statuses["output_formatting"] == "completed"
    # Only output formatting called the model again; what the first attempt paid stays.
    assert run["calls"] == calls_before + 1
