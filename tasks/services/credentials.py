"""Keys and endpoints of outside services, from the environment or a saved Prefect block.

Each setting comes from the first place that has it: an explicit value (a CLI flag or
flow parameter; base URLs only), the environment variable, the service's block saved
under the name `voc`, the public default. A block is read only when the environment
leaves something unset. Keys stay `SecretStr` until a request header needs them.
"""

import os
from dataclasses import dataclass
from functools import cache
from importlib import import_module
from typing import Any

from pydantic import SecretStr

from tasks.services.urls import BaseURLError, CredentialsInURLError, check_base_url

BLOCK_NAME = "voc"


class MissingCredentialsError(ValueError):
    """No key for a service: neither its environment variable nor its block."""


@dataclass(frozen=True)
class Service:
    """Where one service's key and base URL are looked for."""

    name: str
    key_env: str
    url_env: str
    default_url: str
    block: str  # "module:Class" of its `ServiceCredentials` block, imported only when read
    auth_header: str = "authorization"  # the request header the key goes in
    auth_scheme: str = "Bearer "

    def hint(self) -> str:
        """Where the key is looked for, for error messages."""
        slug = block_class(self.block).get_block_type_slug()
        return f"{self.key_env} or the {slug}/{BLOCK_NAME} block"

    def auth(self, credentials: "Credentials") -> dict[str, str]:
        """The auth header carrying the key, or none without a key (a self-hosted server)."""
        if credentials.key is None:
            return {}
        return {self.auth_header: f"{self.auth_scheme}{credentials.secret()}"}


@dataclass(frozen=True)
class Credentials:
    """A service's resolved key (None if it has none) and base URL."""

    key: SecretStr | None
    base_url: str
    official: bool  # the service's own public endpoint, where a key is always needed

    def secret(self) -> str:
        """The key's value, for a request header only."""
        return self.key.get_secret_value() if self.key else ""


def block_class(path: str) -> Any:
    """The block class at `module:Class` (importing Prefect, so only when needed)."""
    module, name = path.split(":")
    return getattr(import_module(module), name)


@cache
def load_block(path: str) -> Any | None:
    """The block saved as `voc` of the class at `module:Class`, or None if there is none."""
    try:
        return block_class(path).load(BLOCK_NAME)
    except (ValueError, KeyError, RuntimeError, OSError):
        return None  # not saved, or no Prefect API to read it from: the block is not there


def resolve(service: Service, base_url: str | None = None) -> Credentials:
    """The service's credentials by the precedence above; the key may be missing (None).

    Raises a one-line `BaseURLError` for a base URL that holds credentials.
    """
    raw_key = os.environ.get(service.key_env) or None
    url, where = base_url, "the base URL"
    if not url and os.environ.get(service.url_env):
        url, where = os.environ[service.url_env], f"${service.url_env}"
    key: SecretStr | None = SecretStr(raw_key) if raw_key else None
    if key is None or url is None:
        block = load_block(service.block)  # read only when the environment leaves a gap
        if block is not None:
            key = key or block.key()
            if url is None and block.base_url:
                url, where = block.base_url, f"the {service.name} block's base_url"
    if url is None:
        url = service.default_url
    try:
        url = check_base_url(url, where)
    except CredentialsInURLError as exc:
        hint = service.hint()
        raise CredentialsInURLError(f"{service.name}: {exc}: put the key in {hint}") from None
    except BaseURLError as exc:
        raise BaseURLError(f"{service.name}: {exc}") from None
    return Credentials(key=key, base_url=url, official=url == service.default_url.rstrip("/"))


def require_key(service: Service, credentials: Credentials) -> Credentials:
    """The credentials, or a one-line `MissingCredentialsError` saying where to put the key."""
    if credentials.key is None:
        raise MissingCredentialsError(f"{service.name}: no key: set {service.hint()}")
    return credentials


OPENAI = Service(
    "openai",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "https://api.openai.com/v1",
    "blocks.credentials:OpenAICredentials",
)
ANTHROPIC = Service(
    "anthropic",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_BASE_URL",
    "https://api.anthropic.com",
    "blocks.credentials:AnthropicCredentials",
    auth_header="x-api-key",
    auth_scheme="",
)
INTERCOM = Service(
    "intercom",
    "INTERCOM_TOKEN",
    "INTERCOM_BASE_URL",
    "https://api.intercom.io",
    "blocks.credentials:IntercomCredentials",
)
GAMMA = Service(
    "gamma",
    "GAMMA_API_KEY",
    "GAMMA_BASE_URL",
    "https://public-api.gamma.app",
    "blocks.credentials:GammaCredentials",
    auth_header="x-api-key",
    auth_scheme="",
)
