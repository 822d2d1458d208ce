"""Intercom access as a Prefect block: the token `--source intercom` reads conversations with."""

from prefect.blocks.core import Block
from pydantic import Field, SecretStr


class IntercomCredentials(Block):
    """An Intercom access token, and a base URL if not the public (US) API."""

    _block_type_name = "VoC Intercom Credentials"
    _block_type_slug = "voc-intercom-credentials"
    _description = "Intercom access token and base URL for prefect-voc."

    token: SecretStr | None = Field(default=None, description="the access token")
    base_url: str | None = Field(
        default=None,
        description="default https://api.intercom.io (EU: https://api.eu.intercom.io)",
    )
