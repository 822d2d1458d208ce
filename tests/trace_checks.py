"""What a run's exported trace must show, checked against the run as the store recorded it.

Spans are dicts shaped as Phoenix's REST API returns them (`name`, `context.trace_id`,
`context.span_id`, `parent_id`, `span_kind`, flat `attributes`); `tests.servers.otlp`
gives the same shape.
"""

import math
from collections import Counter
from decimal import Decimal
from typing import Any

AGENTS = 16


def llm_spans(spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [s for s in spans if s["span_kind"] == "LLM"]


def check_run_trace(
    spans: list[dict[str, Any]], run: dict[str, Any], calls: list[dict[str, Any]]
) -> dict[str, Any]:
    """One trace: the flow span, its 16 agents (per-topic runs under theirs), one LLM span
    per stored call under the task run that made it, with the store's tokens and cost.

    `run` is `voc show --json`, `calls` the run's rows of `voc export --format json`.
    Returns the flow span.
    """
    assert len({s["context"]["trace_id"] for s in spans}) == 1, "not one trace"
    by_id = {s["context"]["span_id"]: s for s in spans}
    (root,) = [s for s in spans if s["parent_id"] is None]
    assert root["attributes"]["prefect.run.type"] == "flow"
    assert root["attributes"]["voc.run.id"] == run["id"]

    agents = [s for s in spans if s["parent_id"] == root["context"]["span_id"]]
    assert len(agents) == AGENTS
    assert {s["name"] for s in agents} == {a["key"] for a in run["agents"] if "[" not in a["key"]}
    agent_span = {s["name"]: s["context"]["span_id"] for s in agents}
    per_topic = [s for s in spans if "[" in s["name"] and s["span_kind"] != "LLM"]
    assert {s["name"] for s in per_topic} == {a["key"] for a in run["agents"] if "[" in a["key"]}
    for span in per_topic:  # under their agent's span
        assert span["parent_id"] == agent_span[span["name"].split("[")[0]], span["name"]

    # One LLM span per stored call, under the span of the task run that made it.
    llm = llm_spans(spans)
    assert len(llm) == len(calls) == run["calls"], (len(llm), len(calls), run["calls"])

    def call_of(span: dict[str, Any]) -> tuple:
        a = span["attributes"]
        parent = by_id[span["parent_id"]]["attributes"]
        assert a["gen_ai.usage.input_tokens"] == a["llm.token_count.prompt"]
        assert a["gen_ai.usage.output_tokens"] == a["llm.token_count.completion"]
        return (
            parent["prefect.run.name"],
            a["voc.purpose"],
            a["voc.attempt"],
            a["gen_ai.usage.input_tokens"],
            a["gen_ai.usage.output_tokens"],
            a["gen_ai.usage.cache_read.input_tokens"],
            a["voc.cost_usd"],
        )

    stored = Counter(
        (
            c["agent_key"],
            c["purpose"],
            c["attempt"],
            c["input_tokens"],
            c["output_tokens"],
            c["cached_tokens"],
            float(Decimal(c["cost"])),
        )
        for c in calls
    )
    assert Counter(call_of(s) for s in llm) == stored

    cost = Decimal(run["cost"])
    traced = sum(s["attributes"]["voc.cost_usd"] for s in llm)
    assert math.isclose(traced, float(cost), rel_tol=1e-12, abs_tol=1e-15), (traced, cost)
    assert root["attributes"]["voc.run.cost_usd"] == float(cost)
    assert root["attributes"]["voc.run.agents_done"] == run["agents_done"]
    assert root["attributes"]["voc.run.calls"] == run["calls"]
    return root
