"""The dashboard's guard on writes: a CSRF token, and no writes beyond loopback without a token.

A page elsewhere can make a browser POST here (a form, a fetch without CORS): the
browser would even attach the dashboard's cookie. It cannot read this app's answers,
though, so it cannot learn the per-app random token that `GET /api/csrf` gives the
dashboard's own page, and every write must send back in `X-CSRF-Token`.
"""

import hmac
import secrets

from fastapi import HTTPException, Request

HEADER = "x-csrf-token"


class WriteGuard:
    """Checks one write request: allowed at all, same origin when told, the CSRF token."""

    def __init__(self, *, token: str | None, loopback_only: bool) -> None:
        self.csrf_token = secrets.token_urlsafe(32)
        # Beyond loopback without a dashboard token anyone who reaches the port could
        # start runs: `voc dashboard` refuses to start so, and the app refuses writes too.
        self.writes_allowed = loopback_only or token is not None

    def __call__(self, request: Request) -> None:
        if not self.writes_allowed:
            raise HTTPException(
                403, "starting or cancelling runs beyond loopback needs VOC_DASHBOARD_TOKEN"
            )
        origin = request.headers.get("origin")
        own = f"{request.url.scheme}://{request.headers.get('host')}"
        if origin is not None and origin != own:
            raise HTTPException(403, "cross-origin write refused")
        given = request.headers.get(HEADER, "")
        if not hmac.compare_digest(given.encode(), self.csrf_token.encode()):
            raise HTTPException(
                403, "missing or wrong X-CSRF-Token: reload the page (GET /api/csrf gives it)"
            )
