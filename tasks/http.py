"""JSON over HTTP for every outside service (LLM providers, Intercom, Gamma).

Each failure becomes a `ServiceError`: one line naming the service and the status,
saying whether another attempt may help and how long the server asked us to wait.
Keys travel only in request headers; any text that could echo one is scrubbed, and
no httpx object (whose request holds the headers) is kept on the error.
"""

import json
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

# Worth another attempt: rate limited, overloaded, or a server (or a proxy) failed.
RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504, 529})
# What a leaked key tends to look like in an error body, even partly masked.
KEY_LIKE = re.compile(r"\b(?:sk-[A-Za-z0-9_*.-]{6,}|dG9rOj[A-Za-z0-9+/=]{6,})")
MESSAGE_CHARS = 200


class ServiceError(RuntimeError):
    """A service could not be reached or refused the request; the message is one safe line."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after


def scrub(text: str, secrets: tuple[str, ...] = ()) -> str:
    """The text on one line, without the given secrets or anything shaped like a key."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return " ".join(KEY_LIKE.sub("***", text).split())


def parse_retry_after(headers: httpx.Headers) -> float | None:
    """Seconds to wait from `retry-after-ms`, `Retry-After` (seconds or a date) or
    Intercom's `X-RateLimit-Reset` (epoch seconds)."""
    if value := headers.get("retry-after-ms"):
        try:
            return max(0.0, float(value) / 1000)
        except ValueError:
            pass
    if value := headers.get("retry-after"):
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                when = parsedate_to_datetime(value)
                return max(0.0, (when - datetime.now(UTC)).total_seconds())
            except (TypeError, ValueError):
                pass
    if value := headers.get("x-ratelimit-reset"):
        try:
            return max(0.0, float(value) - datetime.now(UTC).timestamp())
        except ValueError:
            pass
    return None


def _server_message(response: httpx.Response) -> str:
    """The error message a JSON error body carries (OpenAI, Anthropic, Intercom, Gamma shapes)."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:MESSAGE_CHARS]
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("message", errors[0]))
        if body.get("message"):
            return str(body["message"])
    return json.dumps(body)[:MESSAGE_CHARS]


def status_error(
    service: str, response: httpx.Response, secrets: tuple[str, ...], key_hint: str
) -> ServiceError:
    """The `ServiceError` for a non-2xx response."""
    status = response.status_code
    reason = response.reason_phrase or ""
    if status in (401, 403):
        # The body may echo a masked key; say what to check instead.
        detail = f"the credentials were refused (check {key_hint})"
    else:
        detail = scrub(_server_message(response), secrets)[:MESSAGE_CHARS]
    return ServiceError(
        f"{service}: HTTP {' '.join(filter(None, (str(status), reason)))}: {detail}",
        status=status,
        retryable=status in RETRYABLE_STATUS,
        retry_after=parse_retry_after(response.headers),
    )


def request_json(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    service: str,
    headers: dict[str, str],
    body: dict[str, Any] | None = None,
    secrets: tuple[str, ...] = (),
    key_hint: str = "the key",
) -> dict[str, Any]:
    """Send one request and return its JSON object, or raise a `ServiceError`."""
    try:
        response = client.request(method, url, headers=headers, json=body)
    except httpx.TimeoutException:
        raise ServiceError(
            f"{service}: no reply in time ({method} {url})", retryable=True
        ) from None
    except httpx.TransportError as exc:
        message = scrub(str(exc) or type(exc).__name__, secrets)
        raise ServiceError(f"{service}: cannot reach {url}: {message}", retryable=True) from None
    if not response.is_success:
        raise status_error(service, response, secrets, key_hint) from None
    try:
        data = response.json()
    except ValueError:
        # Usually a proxy's HTML page in front of the API: another attempt may pass it.
        raise ServiceError(
            f"{service}: reply is not JSON (HTTP {response.status_code}, "
            f"{response.headers.get('content-type', 'no content type')})",
            status=response.status_code,
            retryable=True,
        ) from None
    if not isinstance(data, dict):
        raise ServiceError(f"{service}: reply is not a JSON object", status=response.status_code)
    return data


def http_client(timeout_s: float, connections: int) -> httpx.Client:
    """A pooled client, safe to share between threads, with room for `connections` at once."""
    return httpx.Client(
        timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 10.0)),
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        headers={"user-agent": "prefect-voc"},
    )
