"""`ServiceClient`: JSON over HTTP to one outside service (an LLM provider, Intercom, Gamma).

A small class over an `httpx.Client` (its pooled transport), as httpx's own clients
are: it holds the service's base URL and auth header, the secrets to keep out of
errors, the timeout and the retry policy. Each failure becomes a `ServiceError`: one
line naming the service and the status, saying whether another attempt may help and
how long the server asked us to wait.
"""

import json
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from tasks.services.credentials import Credentials, Service
from tasks.services.errors import ServiceError, scrub
from tasks.services.retry import Backoff
from tasks.services.urls import join

# Worth another attempt: rate limited, overloaded, or a server (or a proxy) failed.
RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504, 529})
MESSAGE_CHARS = 200


# Intercom's limits run over windows of at most a minute: a reset further away than this
# says that our clock is behind, and waiting for it could stall a run for nothing.
RESET_WAIT_CAP_S = 60.0


def parse_retry_after(headers: httpx.Headers) -> float | None:
    """Seconds to wait from `retry-after-ms`, `Retry-After` (seconds or a date) or
    Intercom's `X-RateLimit-Reset`.

    The reset is a UNIX time in whole seconds: when it lies ahead, the wait until then
    (at most `RESET_WAIT_CAP_S`); when it has passed, None, so the backoff applies.
    """
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
            ahead = float(value) - datetime.now(UTC).timestamp()
        except ValueError:
            return None
        return min(ahead, RESET_WAIT_CAP_S) if ahead > 0 else None
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


def _server_code(response: httpx.Response) -> str | None:
    """The error body's `error.code` (OpenAI: `context_length_exceeded`, ...), if any."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return None
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, str) else None


def status_error(
    name: str, response: httpx.Response, secrets: tuple[str, ...], key_hint: str
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
        f"{name}: HTTP {' '.join(filter(None, (str(status), reason)))}: {detail}",
        status=status,
        retryable=status in RETRYABLE_STATUS,
        retry_after=parse_retry_after(response.headers),
        code=_server_code(response),
    )


def _json_object(name: str, response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        # Usually a proxy's HTML page in front of the API: another attempt may pass it.
        raise ServiceError(
            f"{name}: reply is not JSON (HTTP {response.status_code}, "
            f"{response.headers.get('content-type', 'no content type')})",
            status=response.status_code,
            retryable=True,
        ) from None
    if not isinstance(data, dict):
        raise ServiceError(f"{name}: reply is not a JSON object", status=response.status_code)
    return data


class ServiceClient:
    """JSON requests to one service with its credentials; safe to share between threads.

    `attempt` sends once; `request` retries as `backoff` allows. The key goes in the
    service's auth header when there is one; `headers` are sent with every request.
    """

    def __init__(
        self,
        service: Service,
        credentials: Credentials,
        *,
        name: str | None = None,
        headers: dict[str, str] | None = None,
        timeout_s: float = 60.0,
        connections: int = 8,
        backoff: Backoff | None = None,
    ) -> None:
        self.service = service
        self.name = name or service.name
        self.base_url = credentials.base_url
        self.secrets = (credentials.secret(),)
        self.backoff = backoff or Backoff()
        self.http = httpx.Client(
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 10.0)),
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
            headers={"user-agent": "prefect-voc", **service.auth(credentials), **(headers or {})},
        )

    def request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        idempotent: bool = True,
    ) -> dict[str, Any]:
        """`attempt`, retried on 429, 5xx and timeouts, waiting at least what Retry-After asks.

        A request that is not `idempotent` (a POST that creates something, and costs) is
        retried only when the service surely did not act on it: a connection that never
        opened, or a 429. A timeout after sending, or a 5xx, may follow an accepted
        request, and sending it again could create (and bill) a second one.
        """

        def once() -> dict[str, Any]:
            try:
                return self.attempt(method, path, body)
            except ServiceError as error:
                if not idempotent and not error.unprocessed:
                    error.retryable = False
                raise

        return self.backoff.run(once)

    def attempt(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send one request to `base_url + path`; its JSON object, or a `ServiceError`."""
        url = join(self.base_url, path)
        try:
            response = self.http.request(method, url, json=body)
        except httpx.TimeoutException as exc:
            # Waiting for a connection is before sending; any later timeout may be after.
            sent = not isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout)
            raise ServiceError(
                f"{self.name}: no reply in time ({method} {url})", retryable=True, sent=sent
            ) from None
        except httpx.TransportError as exc:
            message = scrub(str(exc) or type(exc).__name__, self.secrets)
            sent = not isinstance(exc, httpx.ConnectError)
            raise ServiceError(
                f"{self.name}: cannot reach {url}: {message}", retryable=True, sent=sent
            ) from None
        if not response.is_success:
            raise status_error(self.name, response, self.secrets, self.service.hint()) from None
        return _json_object(self.name, response)
