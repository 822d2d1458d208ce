"""Requests, replies and usage records exchanged between agents, the client and providers."""

import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

Output = TypeVar("Output", bound=BaseModel)


class LLMSettings(BaseModel):
    """Which provider and model the agents use; hashable so it can be a task parameter."""

    model_config = ConfigDict(frozen=True)

    provider: str = "local"
    model: str = "voc-local-1"


@dataclass(frozen=True)
class LLMRequest(Generic[Output]):
    """One structured-output request: `purpose` names the job, `payload` is its data."""

    purpose: str
    instructions: str
    payload: dict[str, Any]
    output: type[Output]
    max_output_tokens: int = 1024

    def prompt(self) -> str:
        """The user message a chat model receives: the payload as JSON."""
        return json.dumps(self.payload, ensure_ascii=False, default=str)


@dataclass(frozen=True)
class Usage:
    """Token counts as the provider reported them (or as estimated, for the local provider)."""

    input_tokens: int
    output_tokens: int
    cached_tokens: int = 0
    estimated: bool = False


@dataclass(frozen=True)
class Reply:
    """A provider's raw answer: the JSON text of the structured output, and its usage."""

    text: str
    usage: Usage


@dataclass(frozen=True)
class LLMCall:
    """One finished call, as the client reports it to the observers."""

    provider: str
    model: str
    purpose: str
    usage: Usage
    latency_ms: float
    attempt: int = 1
    error: str | None = None
