"""The LLM client the agents call, over pluggable providers."""

from tasks.llm.client import LLMClient, llm_client
from tasks.llm.types import LLMCall, LLMRequest, LLMSettings, Usage

__all__ = ["LLMCall", "LLMClient", "LLMRequest", "LLMSettings", "Usage", "llm_client"]
