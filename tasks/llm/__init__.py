"""The LLM client the agents call, over pluggable providers."""

from tasks.llm.batched import Batched, answer_chars
from tasks.llm.client import DEFAULT_MODELS, PROVIDERS, LLMClient, llm_client
from tasks.llm.errors import LLMOutputError
from tasks.llm.types import LOCAL_MODEL, LLMCall, LLMRequest, LLMSettings, Usage

__all__ = [
    "Batched",
    "DEFAULT_MODELS",
    "LOCAL_MODEL",
    "PROVIDERS",
    "LLMCall",
    "LLMClient",
    "LLMOutputError",
    "LLMRequest",
    "LLMSettings",
    "Usage",
    "answer_chars",
    "llm_client",
]
