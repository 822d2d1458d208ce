"""Base URLs of outside services: never a place for credentials, and joined to paths correctly.

Gateways and proxies take credentials in a URL (`https://user:password@host/v1`, or
Azure's `?api-key=...`). A URL is recorded in many places (Prefect's flow-run
parameters, the results store, logs, error messages), so one holding a secret is
refused before anything records it; the key belongs in the service's key variable or
credentials block. Other query parameters (`api-version`) are kept and sent after the
path, where they belong.
"""

from urllib.parse import parse_qsl, urlsplit, urlunsplit

CREDENTIAL_PARAMETERS = frozenset(
    {"api-key", "api_key", "apikey", "key", "token", "access_token", "sig", "signature", "password"}
)


class BaseURLError(ValueError):
    """A base URL that is not an http(s) URL, or that carries credentials."""


class CredentialsInURLError(BaseURLError):
    """A base URL with user-info or a credential query parameter."""


def check_base_url(url: str, where: str) -> str:
    """`url` without a trailing slash, or a one-line `BaseURLError` that never repeats it.

    `where` names the setting it came from (`--base-url`, `$OPENAI_BASE_URL`); the
    message cannot show the URL, since the URL may hold the secret.
    """
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise BaseURLError(f"{where} is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BaseURLError(f"{where} must be an http:// or https:// URL with a host")
    if parts.username is not None or parts.password is not None:
        raise CredentialsInURLError(f"{where} holds credentials (user:password@)")
    names = {name.lower() for name, _ in parse_qsl(parts.query, keep_blank_values=True)}
    found = sorted(names & CREDENTIAL_PARAMETERS)
    if found:
        raise CredentialsInURLError(f"{where} holds a credential in its query ({', '.join(found)})")
    if parts.fragment:
        raise BaseURLError(f"{where} must not have a #fragment")
    return urlunsplit(parts._replace(path=parts.path.rstrip("/")))


def join(base_url: str, path: str) -> str:
    """`path` appended to the base URL's path, its query string kept after both."""
    parts = urlsplit(base_url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + path))
