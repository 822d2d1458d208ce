"""Credentials of the outside services as Prefect blocks, for workers without env vars.

Save one under the name `voc`; each service's environment variables, when set, win
over it (see `tasks.services.credentials`). Every block is a `ServiceCredentials`: a
secret key and an optional base URL, its type named `VoC <service> Credentials` and
so slugged `voc-<service>-credentials` (Prefect's slug of the name), here only.
"""

from abc import ABC
from typing import Any, ClassVar

from prefect.blocks.core import Block
from pydantic import Field, SecretStr


class ServiceCredentials(Block, ABC):
    """A service's key and, when it is not the public API, its base URL."""

    _service: ClassVar[str]  # as people write it: "OpenAI"
    _key_field: ClassVar[str] = "api_key"

    base_url: str | None = Field(default=None, description="default: the service's public API")

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        # Saved blocks are found by this name's slug: it must never change.
        cls._block_type_name = f"VoC {cls._service} Credentials"
        cls._description = f"{cls._service} key and base URL for prefect-voc."

    def key(self) -> SecretStr | None:
        """The key, whatever the service calls it."""
        return getattr(self, self._key_field)


class OpenAICredentials(ServiceCredentials):
    """An OpenAI key, and the base URL of any OpenAI-compatible server (vLLM, Ollama, LM Studio)."""

    _service = "OpenAI"
    api_key: SecretStr | None = Field(default=None, description="the API key (sk-...)")


class AnthropicCredentials(ServiceCredentials):
    """An Anthropic key, and a base URL if not the public API."""

    _service = "Anthropic"
    api_key: SecretStr | None = Field(default=None, description="the API key (sk-ant-...)")


class IntercomCredentials(ServiceCredentials):
    """An Intercom access token, and a base URL if not the US API (EU: api.eu.intercom.io)."""

    _service = "Intercom"
    _key_field = "token"
    token: SecretStr | None = Field(default=None, description="the access token")
    tier_attribute: str | None = Field(
        default=None, description="the custom attribute holding the plan (none: tier unknown)"
    )
    language_attribute: str | None = Field(
        default=None, description="the custom attribute holding the language (none: the contact's)"
    )


class GammaCredentials(ServiceCredentials):
    """A Gamma API key, and a base URL if not the public API."""

    _service = "Gamma"
    api_key: SecretStr | None = Field(default=None, description="the API key (sk-gamma-...)")
