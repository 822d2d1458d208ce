"""The spans the monitor adds to Prefect's: one per LLM call, and a run's figures on its flow span.

An LLM call's span is a child of the span of the agent's task run that made it
(Prefect's, current around the task's body; the LLM client's threads run in a copy of
that context). The agent's thread only notes that span and the time; the span itself
is made later, on the run's writer thread, with those as its parent and end time, so
the agents never wait for the SDK. Its numbers are read from `llm_call_row`, the row
the store keeps for the call, so a trace and the store never disagree. Attributes
follow the OpenTelemetry GenAI conventions and the OpenInference ones Phoenix reads;
prompt and reply text only with `capture_content`.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from monitor.store.writes import llm_call_row
from tasks.llm.types import LLMCall

# A proxy until the SDK's provider is set, then that provider's tracer: one lookup, not
# one per call.
TRACER = trace.get_tracer("prefect-voc")


@dataclass(frozen=True)
class CallOf:
    """Where and when an LLM call was made: noted in the agent's thread as the call ends."""

    parent: Span  # the span of the task run that made it
    ended_ns: int  # nanoseconds since the epoch
    run_id: str
    agent_key: str
    task_run_id: str


def record_llm_call(where: CallOf, call: LLMCall, cost: Decimal, content: bool) -> dict[str, Any]:
    """The call's span, under its task run's span, ended when the call ended and as long as
    it took, with its attributes given once as it starts. Returns the call's row."""
    row = llm_call_row(
        where.run_id, where.agent_key, where.task_run_id, call, cost, datetime.now(UTC)
    )
    attributes = llm_call_attributes(row, call)
    if content:
        attributes |= content_attributes(call)
    span = TRACER.start_span(
        f"chat {row['model']}",
        context=trace.set_span_in_context(where.parent),
        kind=SpanKind.CLIENT,
        attributes=attributes,
        start_time=where.ended_ns - int(row["latency_ms"] * 1_000_000),
    )
    if row["error"]:
        span.set_status(Status(StatusCode.ERROR, row["error"]))
    span.end(where.ended_ns)
    return row


def llm_call_attributes(row: dict[str, Any], call: LLMCall) -> dict[str, Any]:
    """The GenAI, OpenInference and voc attributes of a stored call's row.

    Each attribute costs the SDK a check as the span starts and the exporter an encoding:
    counts that only some providers and models have (prompt-cache writes, OpenInference's
    reasoning detail) and the local provider's estimate flag are left out when they are
    zero or false, as the conventions allow for what did not happen.
    """
    cost = float(row["cost"])
    reasoning = call.usage.reasoning_tokens
    attributes = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": row["provider"],
        "gen_ai.request.model": row["model"],
        "gen_ai.response.model": row["model"],
        "gen_ai.usage.input_tokens": row["input_tokens"],
        "gen_ai.usage.output_tokens": row["output_tokens"],
        "gen_ai.usage.cache_read.input_tokens": row["cached_tokens"],
        "gen_ai.usage.reasoning.output_tokens": reasoning,
        "openinference.span.kind": "LLM",
        "llm.model_name": row["model"],
        "llm.provider": row["provider"],
        "llm.token_count.prompt": row["input_tokens"],
        "llm.token_count.completion": row["output_tokens"],
        "llm.token_count.total": row["input_tokens"] + row["output_tokens"],
        "llm.token_count.prompt_details.cache_read": row["cached_tokens"],
        "llm.cost.total": cost,
        "voc.cost_usd": cost,
        "voc.attempt": row["attempt"],
        "voc.purpose": row["purpose"],
        "voc.agent_key": row["agent_key"],
        "voc.run_id": row["run_id"],
    }
    if row["cache_write_tokens"]:
        attributes["gen_ai.usage.cache_creation.input_tokens"] = row["cache_write_tokens"]
        attributes["llm.token_count.prompt_details.cache_write"] = row["cache_write_tokens"]
    if reasoning:
        attributes["llm.token_count.completion_details.reasoning"] = reasoning
    if row["estimated"]:
        attributes["voc.tokens_estimated"] = True
    if call.finish_reason:
        attributes["gen_ai.response.finish_reasons"] = (call.finish_reason,)
    if row["error"]:
        attributes["error.type"] = "voc.llm_attempt_failed"
    return attributes


def content_attributes(call: LLMCall) -> dict[str, Any]:
    """The prompt and the reply, as the GenAI conventions and OpenInference spell them.

    Agents send the preprocessed conversations, whose PII is already redacted; keys
    never reach a request's text.
    """
    request = call.request
    if request is None:
        return {}
    messages = request.messages()
    attributes: dict[str, Any] = {
        "gen_ai.system_instructions": json.dumps(
            [{"type": "text", "content": request.instructions}]
        ),
        "gen_ai.input.messages": json.dumps(
            [
                {"role": m["role"], "parts": [{"type": "text", "content": m["content"]}]}
                for m in messages
            ],
            ensure_ascii=False,
        ),
        "input.value": json.dumps(
            [{"role": "system", "content": request.instructions}, *messages], ensure_ascii=False
        ),
        "input.mime_type": "application/json",
    }
    for index, message in enumerate(
        [{"role": "system", "content": request.instructions}, *messages]
    ):
        attributes[f"llm.input_messages.{index}.message.role"] = message["role"]
        attributes[f"llm.input_messages.{index}.message.content"] = message["content"]
    if call.reply:
        output = {"role": "assistant", "parts": [{"type": "text", "content": call.reply}]}
        attributes |= {
            "gen_ai.output.messages": json.dumps(
                [output | {"finish_reason": call.finish_reason or "error"}], ensure_ascii=False
            ),
            "output.value": call.reply,
            "output.mime_type": "application/json",
            "llm.output_messages.0.message.role": "assistant",
            "llm.output_messages.0.message.content": call.reply,
        }
    return attributes


def run_attributes(spec: Any, run_id: str) -> dict[str, Any]:
    """What a flow run's span says about the run as it opens (a `RunSpec`)."""
    attributes = {
        "openinference.span.kind": "CHAIN",
        "voc.run.id": run_id,
        "voc.run.command": spec.command,
        "voc.run.source": spec.source,
        "voc.run.agents_total": spec.agents_total,
        "voc.run.window_start": spec.window_start.isoformat() if spec.window_start else None,
        "voc.run.window_end": spec.window_end.isoformat() if spec.window_end else None,
        "voc.run.provider": spec.provider,
        "voc.run.model": spec.model,
    }
    return {name: value for name, value in attributes.items() if value is not None}


@dataclass
class RunTotals:
    """A traced run's LLM calls added up as their spans are made: the figures the store
    adds up from the same rows, kept here so the run's span needs no read of the store."""

    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost: Decimal = Decimal(0)

    def add(self, row: dict[str, Any]) -> None:
        self.calls += 1
        self.input_tokens += row["input_tokens"]
        self.output_tokens += row["output_tokens"]
        self.cost += row["cost"]


def run_result_attributes(status: str, totals: RunTotals, agents_done: int) -> dict[str, Any]:
    """What a flow run's span says about the run as it ends."""
    return {
        "voc.run.status": status,
        "voc.run.cost_usd": float(totals.cost),
        "voc.run.calls": totals.calls,
        "voc.run.input_tokens": totals.input_tokens,
        "voc.run.output_tokens": totals.output_tokens,
        "voc.run.agents_done": agents_done,
    }
