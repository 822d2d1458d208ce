"""The spans the monitor adds to Prefect's: one per LLM call, and a run's figures on its flow span.

An LLM call's span is a child of the span current where the call was made: Prefect's
span of the agent's task run (Prefect makes it current around the task's body, and
the LLM client's threads run in a copy of that context). Its numbers are read from
`llm_call_row`, the row the store keeps for the call, so a trace and the store never
disagree. Attributes follow the OpenTelemetry GenAI conventions and the OpenInference
ones Phoenix reads; prompt and reply text only with `capture_content`.
"""

import json
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from monitor.store.writes import llm_call_row
from tasks.llm.types import LLMCall

# A proxy until the SDK's provider is set, then that provider's tracer: one lookup, not
# one per call.
TRACER = trace.get_tracer("prefect-voc")


def tracing() -> bool:
    """Is the code running here inside a span that is recorded (an exporting task run)?"""
    return trace.get_current_span().is_recording()


def record_llm_call(
    run_id: str, agent_key: str, task_run_id: str, call: LLMCall, cost: Decimal, content: bool
) -> None:
    """The call's span, ended now, as long as the call took, under the current span."""
    ended = time.time_ns()
    row = llm_call_row(run_id, agent_key, task_run_id, call, cost, datetime.now(UTC))
    span = TRACER.start_span(
        f"chat {row['model']}",
        kind=SpanKind.CLIENT,
        start_time=ended - int(row["latency_ms"] * 1_000_000),
        attributes=llm_call_attributes(row, call),
    )
    if content:
        span.set_attributes(content_attributes(call))
    if row["error"]:
        span.set_status(Status(StatusCode.ERROR, row["error"]))
    span.end(ended)


def llm_call_attributes(row: dict[str, Any], call: LLMCall) -> dict[str, Any]:
    """The GenAI, OpenInference and voc attributes of a stored call's row."""
    cost = float(row["cost"])
    total = row["input_tokens"] + row["output_tokens"]
    attributes = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": row["provider"],
        "gen_ai.request.model": row["model"],
        "gen_ai.response.model": row["model"],
        "gen_ai.usage.input_tokens": row["input_tokens"],
        "gen_ai.usage.output_tokens": row["output_tokens"],
        "gen_ai.usage.cache_read.input_tokens": row["cached_tokens"],
        "gen_ai.usage.cache_creation.input_tokens": row["cache_write_tokens"],
        "gen_ai.usage.reasoning.output_tokens": call.usage.reasoning_tokens,
        "openinference.span.kind": "LLM",
        "llm.model_name": row["model"],
        "llm.provider": row["provider"],
        "llm.token_count.prompt": row["input_tokens"],
        "llm.token_count.completion": row["output_tokens"],
        "llm.token_count.total": total,
        "llm.token_count.prompt_details.cache_read": row["cached_tokens"],
        "llm.token_count.prompt_details.cache_write": row["cache_write_tokens"],
        "llm.token_count.completion_details.reasoning": call.usage.reasoning_tokens,
        "llm.cost.total": cost,
        "voc.cost_usd": cost,
        "voc.attempt": row["attempt"],
        "voc.purpose": row["purpose"],
        "voc.agent_key": row["agent_key"],
        "voc.run_id": row["run_id"],
        "voc.tokens_estimated": row["estimated"],
    }
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


def run_result_attributes(run: dict[str, Any]) -> dict[str, Any]:
    """What a flow run's span says about the run as it ends: its row in the store."""
    return {
        "voc.run.status": run["status"],
        "voc.run.cost_usd": float(run["cost"] or 0),
        "voc.run.calls": run["calls"],
        "voc.run.input_tokens": run["input_tokens"],
        "voc.run.output_tokens": run["output_tokens"],
        "voc.run.agents_done": run["agents_done"],
    }
