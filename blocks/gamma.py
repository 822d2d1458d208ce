"""Gamma access as a Prefect block: the key the presentation agent uses."""

from prefect.blocks.core import Block
from pydantic import Field, SecretStr


class GammaCredentials(Block):
    """A Gamma API key, and a base URL if not the public API."""

    _block_type_name = "VoC Gamma Credentials"
    _block_type_slug = "voc-gamma-credentials"
    _description = "Gamma API key and base URL for prefect-voc."

    api_key: SecretStr | None = Field(default=None, description="the API key (sk-gamma-...)")
    base_url: str | None = Field(default=None, description="default https://public-api.gamma.app")
