"""Credentials of the outside services as Prefect blocks, for workers without env vars.

Save one under the name `voc`; each service's environment variables, when set, win
over it (see `tasks.services.credentials`). Every block is a `ServiceCredentials`:
a secret key and an optional base URL. Its type slug is Prefect's slug of its type
name (`VoC OpenAI Credentials` -> `voc-openai-credentials`), so the name is the one
place it is defined.
"""

from abc import ABC
from typing import ClassVar

from prefect.blocks.core import Block
from pydantic import Field, SecretStr


class ServiceCredentials(Block, ABC):
    """A service's key and, when it is not the public API, its base URL."""

    _key_field: ClassVar[str] = "api_key"

    base_url: str | None = Field(default=None, description="default: the service's public API")

    def key(self) -> SecretStr | None:
        """The key, whatever the service calls it."""
        return getattr(self, self._key_field)


class OpenAICredentials(ServiceCredentials):
    """An OpenAI key, and the base URL of any OpenAI-compatible server (vLLM, Ollama, LM Studio)."""

    _block_type_name = "VoC OpenAI Credentials"
    _description = "OpenAI API key and base URL (any OpenAI-compatible URL) for prefect-voc."

    api_key: SecretStr | None = Field(default=None, description="the API key (sk-...)")


class AnthropicCredentials(ServiceCredentials):
    """An Anthropic key, and a base URL if not the public API."""

    _block_type_name = "VoC Anthropic Credentials"
    _description = "Anthropic API key and base URL for prefect-voc."

    api_key: SecretStr | None = Field(default=None, description="the API key (sk-ant-...)")


class IntercomCredentials(ServiceCredentials):
    """An Intercom access token, and a base URL if not the public US API."""

    _block_type_name = "VoC Intercom Credentials"
    _description = "Intercom access token and base URL (EU: https://api.eu.intercom.io)."
    _key_field = "token"

    token: SecretStr | None = Field(default=None, description="the access token")


class GammaCredentials(ServiceCredentials):
    """A Gamma API key, and a base URL if not the public API."""

    _block_type_name = "VoC Gamma Credentials"
    _description = "Gamma API key and base URL for prefect-voc."

    api_key: SecretStr | None = Field(default=None, description="the API key (sk-gamma-...)")
