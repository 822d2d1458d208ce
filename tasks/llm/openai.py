"""OpenAI Chat Completions (and any OpenAI-compatible server) with structured outputs.

The output model's JSON schema goes in `response_format` (strict when the model can
be expressed strictly); usage comes from the reply's `usage`, with cached prompt
tokens and reasoning tokens where the server reports them.
"""

from typing import Any

from tasks.llm.errors import ContextExceeded, MalformedReply, ReplyCut
from tasks.llm.schema import output_schema, strict_schema
from tasks.llm.types import LLMRequest, LLMSettings, Reply, Usage
from tasks.services.credentials import OPENAI, Credentials
from tasks.services.errors import ServiceError
from tasks.services.http import ServiceClient


def request_body(request: LLMRequest, model: str, official: bool) -> dict[str, Any]:
    """The Chat Completions request for a structured-output request."""
    strict = strict_schema(request.output)
    schema = {
        "name": request.output.__name__,
        "schema": strict if strict is not None else output_schema(request.output),
        "strict": strict is not None,
    }
    # OpenAI's newer models take only `max_completion_tokens`; other servers know `max_tokens`.
    limit = "max_completion_tokens" if official else "max_tokens"
    return {
        "model": model,
        "messages": [{"role": "system", "content": request.instructions}, *request.messages()],
        "response_format": {"type": "json_schema", "json_schema": schema},
        limit: request.max_output_tokens,
    }


def usage_of(data: dict[str, Any]) -> Usage:
    """Usage from `usage`: prompt tokens include those read from and written to the cache."""
    usage = data.get("usage") or {}
    prompt_details = usage.get("prompt_tokens_details") or {}
    completion_details = usage.get("completion_tokens_details") or {}
    return Usage(
        input_tokens=usage.get("prompt_tokens") or 0,
        output_tokens=usage.get("completion_tokens") or 0,
        cached_tokens=prompt_details.get("cached_tokens") or 0,
        cache_write_tokens=prompt_details.get("cache_write_tokens") or 0,
        reasoning_tokens=completion_details.get("reasoning_tokens") or 0,
    )


def too_long(error: ServiceError) -> bool:
    """Whether a 400 refused the prompt as past the context window (OpenAI's code, or the
    message OpenAI-compatible servers such as vLLM copy without it)."""
    return error.status == 400 and (
        error.code == "context_length_exceeded" or "maximum context length" in str(error)
    )


def parse_reply(data: dict[str, Any], name: str) -> Reply:
    """The JSON text of the first choice, or `MalformedReply` for a refusal or no content."""
    usage = usage_of(data)
    try:
        choice = data["choices"][0]
        message = choice["message"]
    except (KeyError, IndexError, TypeError):
        raise ServiceError(f"{name}: reply has no choices[0].message") from None
    if choice.get("finish_reason") == "length":
        raise ReplyCut(f"{name}: reply cut at its output cap (finish_reason length)", usage)
    if message.get("refusal"):
        raise MalformedReply(f"{name}: the model refused: {message['refusal']}"[:300], usage)
    content = message.get("content")
    if not content:
        finish = choice.get("finish_reason")
        raise MalformedReply(f"{name}: empty reply (finish_reason {finish})", usage)
    return Reply(text=content, usage=usage, finish_reason=choice.get("finish_reason"))


class OpenAIProvider:
    """Chat Completions over httpx; `openai-compatible` when the base URL is not OpenAI's."""

    def __init__(self, credentials: Credentials, settings: LLMSettings) -> None:
        self.name = "openai" if credentials.official else "openai-compatible"
        self.official = credentials.official
        self.http = ServiceClient(
            OPENAI,
            credentials,
            name=self.name,
            headers={"content-type": "application/json"},
            timeout_s=settings.timeout_s,
            connections=settings.concurrency,
        )

    def send(self, request: LLMRequest, model: str) -> Reply:
        """One Chat Completions request (the LLM client retries it)."""
        body = request_body(request, model, self.official)
        try:
            data = self.http.attempt("POST", "/chat/completions", body)
        except ServiceError as error:
            if too_long(error):
                raise ContextExceeded(str(error)) from None
            raise
        return parse_reply(data, self.name)
