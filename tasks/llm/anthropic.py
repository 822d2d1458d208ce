"""Anthropic Messages API with structured output through a forced tool call.

The tool's `input_schema` is the output model's JSON schema and `tool_choice` forces
the model to call it, so the tool call's input is the answer. Anthropic counts cache
reads and writes apart from `input_tokens`; `Usage.input_tokens` adds them back.
"""

import json
from typing import Any

from tasks.llm.errors import ContextExceeded, MalformedReply, ReplyCut
from tasks.llm.schema import output_schema
from tasks.llm.types import LLMRequest, LLMSettings, Reply, Usage
from tasks.services.credentials import ANTHROPIC, Credentials
from tasks.services.errors import ServiceError
from tasks.services.http import ServiceClient

API_VERSION = "2023-06-01"
# The reply stopped before it was done: at `max_tokens`, or at the context window's end.
CUT = ("max_tokens", "model_context_window_exceeded")


def too_long(error: ServiceError) -> bool:
    """Whether a 400 refused the prompt as past the context window ("prompt is too long:
    215000 tokens > 200000 maximum", or input plus `max_tokens` past it)."""
    message = str(error)
    return error.status == 400 and (
        "prompt is too long" in message or "exceed context limit" in message
    )


def request_body(request: LLMRequest, model: str) -> dict[str, Any]:
    """The Messages request whose only possible answer is a call of the output's tool."""
    tool = request.output.__name__
    return {
        "model": model,
        "max_tokens": request.max_output_tokens,
        "system": request.instructions,
        "messages": request.messages(),
        "tools": [
            {
                "name": tool,
                "description": f"Record the answer as {tool}.",
                "input_schema": output_schema(request.output),
            }
        ],
        "tool_choice": {"type": "tool", "name": tool},
    }


def usage_of(data: dict[str, Any]) -> Usage:
    """Usage with every input token in `input_tokens`, cache reads and writes included.

    `cache_creation` splits the writes by lifetime (5 minutes, 1 hour), priced apart.
    """
    usage = data.get("usage") or {}
    read = usage.get("cache_read_input_tokens") or 0
    by_lifetime = usage.get("cache_creation") or {}
    short = by_lifetime.get("ephemeral_5m_input_tokens") or 0
    long = by_lifetime.get("ephemeral_1h_input_tokens") or 0
    written = usage.get("cache_creation_input_tokens") or short + long
    return Usage(
        input_tokens=(usage.get("input_tokens") or 0) + read + written,
        output_tokens=usage.get("output_tokens") or 0,
        cached_tokens=read,
        cache_write_tokens=written,
        cache_write_1h_tokens=long,
    )


def parse_reply(data: dict[str, Any], tool: str) -> Reply:
    """The forced tool call's input as JSON text, or `MalformedReply` if there is none."""
    usage = usage_of(data)
    stop = data.get("stop_reason")
    if stop in CUT:
        raise ReplyCut(f"anthropic: reply cut (stop_reason {stop})", usage)
    content = data.get("content")
    if not isinstance(content, list):
        raise ServiceError("anthropic: reply has no content list")
    for block in content:
        if isinstance(block, dict) and block.get("type") == "tool_use" and block["name"] == tool:
            text = json.dumps(block.get("input"), ensure_ascii=False)
            return Reply(text=text, usage=usage, finish_reason=data.get("stop_reason"))
    text = " ".join(b.get("text", "") for b in content if isinstance(b, dict))
    raise MalformedReply(
        f"anthropic: no {tool} tool call in the reply (stop_reason {stop})", usage, text
    )


class AnthropicProvider:
    """The Messages API over httpx."""

    name = "anthropic"

    def __init__(self, credentials: Credentials, settings: LLMSettings) -> None:
        self.http = ServiceClient(
            ANTHROPIC,
            credentials,
            headers={"content-type": "application/json", "anthropic-version": API_VERSION},
            timeout_s=settings.timeout_s,
            connections=settings.concurrency,
        )

    def send(self, request: LLMRequest, model: str) -> Reply:
        """One Messages request (the LLM client retries it)."""
        body = request_body(request, model)
        try:
            data = self.http.attempt("POST", "/v1/messages", body)
        except ServiceError as error:
            if too_long(error):
                raise ContextExceeded(str(error)) from None
            raise
        return parse_reply(data, request.output.__name__)
