"""Anthropic Messages API with structured output through a forced tool call.

The tool's `input_schema` is the output model's JSON schema and `tool_choice` forces
the model to call it, so the tool call's input is the answer. Anthropic counts cache
reads and writes apart from `input_tokens`; `Usage.input_tokens` adds them back.
"""

import json
from typing import Any

from tasks.llm.errors import MalformedReply
from tasks.llm.schema import output_schema
from tasks.llm.types import LLMRequest, LLMSettings, Reply, Usage
from tasks.services.credentials import ANTHROPIC, Credentials
from tasks.services.errors import ServiceError
from tasks.services.http import ServiceClient

API_VERSION = "2023-06-01"


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
    """Usage with every input token in `input_tokens`, cache reads and writes included."""
    usage = data.get("usage") or {}
    read = usage.get("cache_read_input_tokens") or 0
    written = usage.get("cache_creation_input_tokens") or 0
    return Usage(
        input_tokens=(usage.get("input_tokens") or 0) + read + written,
        output_tokens=usage.get("output_tokens") or 0,
        cached_tokens=read,
        cache_write_tokens=written,
    )


def parse_reply(data: dict[str, Any], tool: str) -> Reply:
    """The forced tool call's input as JSON text, or `MalformedReply` if there is none."""
    usage = usage_of(data)
    content = data.get("content")
    if not isinstance(content, list):
        raise ServiceError("anthropic: reply has no content list")
    for block in content:
        if isinstance(block, dict) and block.get("type") == "tool_use" and block["name"] == tool:
            text = json.dumps(block.get("input"), ensure_ascii=False)
            return Reply(text=text, usage=usage, finish_reason=data.get("stop_reason"))
    text = " ".join(b.get("text", "") for b in content if isinstance(b, dict))
    stop = data.get("stop_reason")
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
        return parse_reply(self.http.attempt("POST", "/v1/messages", body), request.output.__name__)
