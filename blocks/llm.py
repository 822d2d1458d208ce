"""LLM provider credentials as Prefect blocks, for deployments whose workers have no env vars.

Save one under the name `voc`; `OPENAI_API_KEY` / `ANTHROPIC_API_KEY` (and the base-URL
variables), when set, win over it (see `tasks.credentials`).
"""

from prefect.blocks.core import Block
from pydantic import Field, SecretStr


class OpenAICredentials(Block):
    """An OpenAI key, and the base URL of any OpenAI-compatible server (vLLM, Ollama, LM Studio)."""

    _block_type_name = "VoC OpenAI Credentials"
    _block_type_slug = "voc-openai-credentials"
    _description = "OpenAI API key and base URL for prefect-voc."

    api_key: SecretStr | None = Field(default=None, description="the API key (sk-...)")
    base_url: str | None = Field(
        default=None, description="default https://api.openai.com/v1; any OpenAI-compatible URL"
    )


class AnthropicCredentials(Block):
    """An Anthropic key, and a base URL if not the public API."""

    _block_type_name = "VoC Anthropic Credentials"
    _block_type_slug = "voc-anthropic-credentials"
    _description = "Anthropic API key and base URL for prefect-voc."

    api_key: SecretStr | None = Field(default=None, description="the API key (sk-ant-...)")
    base_url: str | None = Field(default=None, description="default https://api.anthropic.com")
