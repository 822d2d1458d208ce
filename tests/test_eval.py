"""`voc eval`: a labelled set analysed and scored, as a user runs it, and as a Prefect flow.

The CLI tests run `voc` as a real process (its own Prefect server, its own store); the
flow test runs the evaluation flow on the session's Prefect test API and reads its
child run, task runs and artifact back from Prefect.
"""

import asyncio
import contextlib
import json
import os
import pty
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterId,
    FlowRunFilterParentFlowRunId,
)
from prefect.flows import load_flow_from_entrypoint

from flows.evaluation import ARTIFACT_KEY, evaluation
from monitor.hooks import wait_for_publishing
from monitor.store import ResultsStore
from tests.conftest import VOC, intercom_conversation, voc_environment, write_export
from tests.polling import until
from tests.servers.openai import FakeOpenAI

METRICS = [
    "topic_accuracy",
    "topic_macro_f1",
    "sub_topic_accuracy",
    "sentiment_accuracy",
    "quote_relevance",
    "topic_mix_max_error",
]
MONDAY = 1_794_268_800  # 2026-11-09 00:00 UTC
TEXTS = {
    "Billing": ("I was charged twice for my invoice, please refund me", "negative"),
    "Login & Account Access": ("I cannot log in, the password reset never arrives", "negative"),
    "Shipping": ("Where is my parcel? Thanks a lot, great support!", "positive"),
}


def run_json(done: subprocess.CompletedProcess):
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("eval")


@pytest.fixture(scope="module")
def voc_module(home):
    """`voc ARGS` in one home for the whole module (its runs accumulate in one store)."""
    env = voc_environment(home, home / "prefect-home") | {"COLUMNS": "160"}

    def run(*args: str, **extra: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [VOC, *args], env=env | extra, cwd=home, capture_output=True, text=True, timeout=300
        )

    return run


@pytest.fixture(scope="module")
def sample_eval(voc_module) -> dict:
    """`voc eval --json` on the bundled sample with the local provider, once."""
    (evaluated,) = run_json(voc_module("eval", "--json"))
    return evaluated


def scores(evaluated: dict) -> dict[str, float | None]:
    return {s["metric"]: s["value"] for s in evaluated["scores"]}


def test_the_sample_is_scored_and_the_scores_are_kept_with_the_run(sample_eval, voc_module):
    assert (sample_eval["provider"], sample_eval["model"], sample_eval["error"]) == (
        "local",
        "voc-local-1",
        None,
    )
    assert list(scores(sample_eval)) == METRICS
    assert all(0 <= v <= 1 for m, v in scores(sample_eval).items() if m != METRICS[-1])
    shown = run_json(voc_module("show", sample_eval["run_id"], "--json"))
    assert shown["scores"] == sample_eval["scores"]
    assert shown["status"] == "completed"
    # The sample's last week, as `voc run` has it: 180 conversations after de-duplication.
    assert (shown["window_start"], shown["window_end"]) == ("2026-11-16", "2026-11-22")
    detail = {s["metric"]: s["detail"] for s in shown["scores"]}
    assert detail["topic_accuracy"] == {"conversations": 180, "unknown_topics": {}}
    matrix = detail["sentiment_accuracy"]["confusion"]
    assert sum(sum(row.values()) for row in matrix.values()) == 180
    (listed,) = [r for r in run_json(voc_module("runs", "--json")) if r["id"] == shown["id"]]
    assert listed["scores"] == scores(sample_eval)
    text = voc_module("show", shown["id"][:8])
    assert "topic_accuracy" in text.stdout and "quote_relevance" in text.stdout


def test_the_local_provider_reaches_the_issues_figures_on_the_sample(sample_eval, voc_module):
    got = scores(sample_eval)
    shown = run_json(voc_module("show", sample_eval["run_id"], "--json"))
    points = {s["metric"]: s["detail"] for s in shown["scores"]}["topic_mix_max_error"]["points"]
    floors = {"topic_accuracy": 0.90, "sentiment_accuracy": 0.75, "quote_relevance": 0.9}
    # Every shortfall at once: each metric under its floor, each topic more than 2 points off.
    short = {m: round(got[m], 3) for m, floor in floors.items() if got[m] < floor}
    short |= {f"mix {topic}": p for topic, p in points.items() if p > 2}
    assert short == {}


def test_a_source_without_labels_is_one_line_naming_the_file(voc_module, home):
    source = write_export(home / "unlabelled.json", [intercom_conversation("1", MONDAY, "Hi")])
    done = voc_module("eval", "--source", str(source))
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"voc: no labels: {home / 'unlabelled.labels.json'} not found "
        "(pass --labels PATH if they are elsewhere)"
    )
    labels = home / "partial.json"
    labels.write_text(json.dumps({"labels": {}}))
    done = voc_module("eval", "--source", str(source), "--labels", str(labels))
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"voc: {labels} has no labels for 1 of the 1 conversations in {source}: 1"
    )


def labelled_export(home: Path) -> Path:
    """Six conversations, two of a topic the taxonomy lacks (Shipping)."""
    conversations, labels = [], {}
    for n, (topic, (text, sentiment)) in enumerate(list(TEXTS.items()) * 2):
        at = MONDAY + n * 3600
        conversations.append(intercom_conversation(f"c{n}", at, text, customer=f"u{n}"))
        labels[f"c{n}"] = {"topic": topic, "sub_topic": None, "sentiment": sentiment, "fin": None}
    source = write_export(home / "shipping.json", conversations)
    (home / "shipping.labels.json").write_text(json.dumps({"labels": labels}))
    return source


def test_a_label_the_taxonomy_lacks_is_a_miss_and_is_reported(voc_module, home):
    source = labelled_export(home)
    done = voc_module("eval", "--source", str(source))
    assert done.returncode == 0, done.stderr
    assert "labels name topics the taxonomy lacks, counted as misses: Shipping (2)" in done.stdout
    (evaluated,) = run_json(voc_module("eval", "--source", str(source), "--json"))
    topic = {s["metric"]: s for s in evaluated["scores"]}["topic_accuracy"]
    assert topic["detail"] == {"conversations": 6, "unknown_topics": {"Shipping": 2}}
    assert topic["value"] <= 4 / 6


def test_store_names_where_the_run_and_its_scores_go(voc_module, home, tmp_path):
    elsewhere = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    source = labelled_export(home)
    (evaluated,) = run_json(
        voc_module("eval", "--source", str(source), "--store", elsewhere, "--json")
    )
    kept = ResultsStore(elsewhere).run(evaluated["run_id"])
    assert kept["status"] == "completed" and kept["scores"] == evaluated["scores"]
    assert evaluated["run_id"] not in {r["id"] for r in run_json(voc_module("runs", "--json"))}


def test_in_a_terminal_it_shows_the_agents_finishing_then_the_table(home):
    env = voc_environment(home, home / "prefect-home") | {"COLUMNS": "160", "TERM": "xterm"}
    terminal, its_end = pty.openpty()
    process = subprocess.Popen(
        [VOC, "eval"], env=env, cwd=home, stdout=its_end, stderr=subprocess.PIPE
    )
    os.close(its_end)
    shown = b""
    with contextlib.suppress(OSError):  # EIO once voc has exited and closed its end
        while chunk := os.read(terminal, 65536):
            shown += chunk
    os.close(terminal)
    assert process.wait(300) == 0, process.stderr.read()
    text = shown.decode(errors="replace")
    assert re.search(r"agents .*\d+/16", text), text[-2000:]
    assert "voc-local-1" in text and "Sentiment" in text


def test_several_models_against_the_loopback_openai_server(voc_module):
    with FakeOpenAI() as llm:
        done = voc_module(
            "eval", "--models", "voc-local-1,gpt-4o-mini",
            OPENAI_BASE_URL=llm.base_url, OPENAI_API_KEY=llm.api_key,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert llm.requests
    lines = done.stdout.splitlines()
    local, hosted = (
        next(line for line in lines if f" {model} " in line)
        for model in ("voc-local-1", "gpt-4o-mini")
    )
    assert "$0.000000" in local and "$0.000000" not in hosted
    runs = run_json(voc_module("runs", "--json", "--limit", "2"))
    assert [(r["provider"], r["model"]) for r in runs] == [
        ("openai", "gpt-4o-mini"),
        ("local", "voc-local-1"),
    ]
    assert all(list(r["scores"]) == METRICS for r in runs)
    assert float(runs[0]["cost"]) > 0


def task_names(tasks: list) -> set[str]:
    """Task runs' names without the suffix Prefect adds (`score_quote_relevance-ada`)."""
    return {t.name.rsplit("-", 1)[0] for t in tasks}


def test_an_evaluation_is_a_flow_run_with_a_child_run_a_task_per_metric_and_an_artifact(
    prefect_harness, tmp_path, store_url, output_dir
):
    source = labelled_export(tmp_path)
    state = evaluation(
        source=str(source), output_dir=str(output_dir), store=store_url, return_state=True
    )
    assert state.is_completed(), state.message
    result = state.result()
    assert wait_for_publishing()
    run = ResultsStore(store_url).run(result.run_id)
    assert [s["metric"] for s in run["scores"]] == METRICS == [s.metric for s in result.scores]
    assert {s["evaluation_id"] for s in run["scores"]} == {str(state.state_details.flow_run_id)}

    parent = str(state.state_details.flow_run_id)
    expected = {"load_labels"} | {f"score_{m}" for m in METRICS}

    async def read() -> tuple:
        """Its child run, task runs and artifacts."""
        own = FlowRunFilter(id=FlowRunFilterId(any_=[parent]))
        below = FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[parent]))
        async with get_client() as client:
            tasks = await client.read_task_runs(flow_run_filter=own)
            children = await client.read_flow_runs(flow_run_filter=below)
            return children, tasks, await client.read_artifacts(flow_run_filter=own)

    def complete() -> tuple | None:
        found = asyncio.run(read())
        return found if expected <= task_names(found[1]) else None

    children, tasks, artifacts = until("the server to hold every task run", complete, 10)
    assert [str(c.id) for c in children] == [result.run_id]
    # The child flow run shows among them as the task run that waited for it.
    assert task_names(tasks) == expected | {"voice-of-customer"}
    (table,) = [a for a in artifacts if a.key == ARTIFACT_KEY]
    assert table.type == "table"
    assert [row["metric"] for row in json.loads(table.data)] == METRICS


def test_prefect_yaml_deploys_the_evaluation_weekly_on_the_labelled_sample():
    root = Path(__file__).resolve().parent.parent
    config = yaml.safe_load((root / "prefect.yaml").read_text())
    (deployment,) = [d for d in config["deployments"] if d["name"] == "labelled-sample"]
    flow = load_flow_from_entrypoint(str(root / deployment["entrypoint"]))
    assert flow.name == "voc-evaluation"
    assert flow.validate_parameters(deployment["parameters"])["source"] == "sample"
    assert [s["cron"] for s in deployment["schedules"]] == ["0 7 * * 1"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--models", "llama-local-7b"],
            "cannot tell which provider serves model 'llama-local-7b': pass --provider",
        ),
        (
            ["--model", "gpt-4o-mini", "--models", "voc-local-1"],
            "give --model or --models, not both",
        ),
        (["--models", " , "], "--models names no model"),
        (["--model", "gpt-4o-mini"], "openai: no key: set OPENAI_API_KEY"),
    ],
)
def test_bad_usage_is_one_line_before_anything_runs(voc_module, args, message):
    done = voc_module("eval", *args)
    assert done.returncode == 2
    assert done.stderr.startswith(f"voc: {message}") and done.stderr.count("\n") == 1
