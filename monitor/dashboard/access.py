"""Who may use the dashboard: a Host check on loopback, and the token beyond it.

Bound to loopback, the dashboard answers only requests addressed to a loopback
name, so a web page elsewhere cannot reach it by rebinding its own DNS name to
127.0.0.1. With `VOC_DASHBOARD_TOKEN` set (required beyond loopback), every
request needs the token: as `Authorization: Bearer TOKEN`, or as the cookie that
opening `/login?token=TOKEN` once sets (then the page's own requests carry it).
"""

import hashlib
import hmac
import json
import re
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Receive, Scope, Send

LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1"}
COOKIE = "voc_dashboard"


# A Host header is a name or a bracketed IPv6 literal, then at most a port: nothing else
# may follow, or `[::1]evil.example` would pass for loopback.
_HOST = re.compile(r"(?:\[(?P<ipv6>[0-9A-Fa-f:.]+)\]|(?P<name>[^\[\]:/@\s]+))(?::\d{1,5})?")


def host_name(host_header: str) -> str:
    """The name in a Host header, without its port; "" when the header is not a host."""
    match = _HOST.fullmatch(host_header)
    if match is None:
        return ""
    return (match.group("ipv6") or match.group("name")).lower()


def cookie_value(token: str) -> str:
    """What the cookie holds: derived from the token, so the token itself is not stored."""
    return hmac.new(token.encode(), b"voc-dashboard-session", hashlib.sha256).hexdigest()


class Access:
    """ASGI middleware: refuse foreign Host names (loopback) and requests without the token."""

    def __init__(self, app: ASGIApp, *, token: str | None, loopback_only: bool) -> None:
        self.app = app
        self.token = token
        self.loopback_only = loopback_only

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        if self.loopback_only and host_name(headers.get("host", "")) not in LOOPBACK_NAMES:
            await _answer(send, 400, {"detail": "this dashboard answers on loopback names only"})
            return
        if self.token is None:
            await self.app(scope, receive, send)
        elif scope["path"] == "/login":
            await self._login(scope, send)
        elif self._authorised(headers):
            await self.app(scope, receive, send)
        else:
            detail = "token required: send Authorization: Bearer, or open /login?token=… once"
            await _answer(send, 401, {"detail": detail}, [(b"www-authenticate", b"Bearer")])

    def _authorised(self, headers: dict[str, str]) -> bool:
        scheme, _, given = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and _same(given.strip(), self.token):
            return True
        cookies = SimpleCookie()
        try:
            cookies.load(headers.get("cookie", ""))
        except Exception:  # a malformed Cookie header is no cookie
            return False
        morsel = cookies.get(COOKIE)
        return morsel is not None and _same(morsel.value, cookie_value(self.token))

    async def _login(self, scope: Scope, send: Send) -> None:
        """`/login?token=T`: set the cookie and go to the page, so the token leaves the URL."""
        given = parse_qs(scope["query_string"].decode("latin-1")).get("token", [""])[0]
        if not _same(given, self.token):
            await _answer(send, 401, {"detail": "wrong token"})
            return
        cookie = f"{COOKIE}={cookie_value(self.token)}; Path=/; HttpOnly; SameSite=Strict"
        await send(
            {
                "type": "http.response.start",
                "status": 303,
                "headers": [
                    (b"location", b"/"),
                    (b"set-cookie", cookie.encode()),
                    (b"cache-control", b"no-store"),
                    (b"content-length", b"0"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b""})


def _same(given: str, expected: str | None) -> bool:
    return expected is not None and hmac.compare_digest(given.encode(), expected.encode())


async def _answer(
    send: Send, status: int, body: dict, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    data = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    await send(
        {"type": "http.response.start", "status": status, "headers": headers + (extra or [])}
    )
    await send({"type": "http.response.body", "body": data})
