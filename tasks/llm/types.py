"""Requests, replies and usage records exchanged between agents, the client and providers."""

import json
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

Output = TypeVar("Output", bound=BaseModel)
#: The offline provider's one model (tasks.llm.local), the default everywhere.
LOCAL_MODEL = "voc-local-1"


class LLMSettings(BaseModel):
    """Which provider and model the agents use, and how hard to push it.

    A task parameter, so it is frozen and hashable and holds no secret: keys come
    from environment variables or blocks when the client is built.
    """

    model_config = ConfigDict(frozen=True)

    provider: str = "local"
    model: str = LOCAL_MODEL
    # None: $OPENAI_BASE_URL / $ANTHROPIC_BASE_URL, else the provider's block, else the public API.
    base_url: str | None = None
    concurrency: int = Field(default=8, ge=1, description="requests in flight per provider")
    requests_per_minute: int | None = Field(default=None, ge=1, description="None: per provider")
    timeout_s: float = Field(default=120.0, gt=0, description="one HTTP request")
    max_attempts: int = Field(default=5, ge=1, description="per call, on 429, 5xx and timeouts")
    backoff_s: float = Field(default=1.0, ge=0, description="first retry delay; doubles each time")
    # None: the model's published limits (tasks.llm.limits), or a small default if unknown.
    context_window: int | None = Field(default=None, ge=256, description="tokens in + out")
    max_output_tokens: int | None = Field(default=None, ge=16, description="tokens one reply")


def _by_id(value: Any) -> Any:
    """`[{id, text}, ...]` with distinct ids as `{id: text, ...}`; anything else as it is."""
    if not isinstance(value, list) or not value:
        return value
    if not all(isinstance(item, dict) and item.keys() == {"id", "text"} for item in value):
        return value
    texts = {str(item["id"]): item["text"] for item in value}
    return texts if len(texts) == len(value) else value


@dataclass(frozen=True)
class LLMRequest(Generic[Output]):
    """One structured-output request: `purpose` names the job, `payload` is its data.

    `feedback`, when set, is the previous reply and why it was rejected: the model
    sees both and answers again.
    """

    purpose: str
    instructions: str
    payload: dict[str, Any]
    output: type[Output]
    max_output_tokens: int = 1024
    feedback: tuple[str, str] | None = None

    def prompt(self) -> str:
        """The user message a chat model receives: the payload as compact JSON.

        A list of `{id, text}` items (conversations) is written as one object from id to
        text: the same, without the field names repeated for each item, which for short
        conversations cost a quarter of their own tokens again.
        """
        return self._prompt

    @cached_property
    def _prompt(self) -> str:
        # Read for the request body, the budget and the token estimate: written once.
        payload = {key: _by_id(value) for key, value in self.payload.items()}
        return json.dumps(payload, ensure_ascii=False, default=str, separators=(",", ":"))

    def messages(self) -> list[dict[str, str]]:
        """The conversation to send: the prompt, then any rejected reply and the correction."""
        messages = [{"role": "user", "content": self.prompt()}]
        if self.feedback:
            reply, error = self.feedback
            correction = (
                f"That reply was rejected: {error}\n"
                f"Answer again with only JSON that matches the {self.output.__name__} schema."
            )
            messages += [
                {"role": "assistant", "content": reply or "(empty reply)"},
                {"role": "user", "content": correction},
            ]
        return messages

    def retry_with(self, reply: str, error: str) -> "LLMRequest[Output]":
        """The same request, with the rejected reply and the validation error fed back."""
        return replace(self, feedback=(reply, error))


@dataclass(frozen=True)
class Usage:
    """Token counts as the provider reported them (or as estimated, for the local provider).

    `input_tokens` counts every input token, cached ones included (as genai-prices
    expects); `cached_tokens` were read from the provider's prompt cache and
    `cache_write_tokens` written to it, of which `cache_write_1h_tokens` with a one-hour
    lifetime (Anthropic's dearer write; the rest live five minutes). `reasoning_tokens`
    are part of `output_tokens`.
    """

    input_tokens: int
    output_tokens: int
    cached_tokens: int = 0
    estimated: bool = False
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0
    cache_write_1h_tokens: int = 0


NO_USAGE = Usage(0, 0)


@dataclass(frozen=True)
class Reply:
    """A provider's raw answer: the JSON text of the structured output, its usage, and why
    the model stopped (`stop`, `length`, `tool_use`, ... as the provider says; None if unsaid)."""

    text: str
    usage: Usage
    finish_reason: str | None = None


@dataclass(frozen=True)
class LLMCall:
    """One finished attempt at a call, as the client reports it to the observers.

    `request` and `reply` are the request sent and the reply's text, for an observer that
    was asked to keep them (traces with content); nobody else reads them.
    """

    provider: str
    model: str
    purpose: str
    usage: Usage
    latency_ms: float
    attempt: int = 1
    error: str | None = None
    finish_reason: str | None = None
    request: "LLMRequest | None" = field(default=None, repr=False, compare=False)
    reply: str = field(default="", repr=False, compare=False)
