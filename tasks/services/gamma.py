"""Gamma's v1.0 Generate API client: start a generation from markdown, poll it to the end.

The presentation agent that uses it is `tasks.gamma`.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tasks.services.credentials import GAMMA, Credentials
from tasks.services.errors import ServiceError
from tasks.services.http import ServiceClient
from tasks.services.retry import Backoff

# Gamma asks for a poll every 5 s; the first comes sooner, since short decks are quick.
FIRST_POLL_S = 1.0
POLL_S = 5.0


@dataclass(frozen=True)
class Generation:
    """A finished generation: where to view it, and the export if one was asked for."""

    generation_id: str
    gamma_url: str
    export_url: str | None


def generation_body(
    markdown: str, theme_id: str | None = None, export_as: str | None = None
) -> dict[str, Any]:
    """Keep the report's words and its `---` card breaks as they are."""
    body: dict[str, Any] = {
        "inputText": markdown,
        "textMode": "preserve",
        "format": "presentation",
        "cardSplit": "inputTextBreaks",
    }
    if theme_id:
        body["themeId"] = theme_id
    if export_as:
        body["exportAs"] = export_as
    return body


class GammaClient:
    """Starts generations and waits for them, a bounded time."""

    def __init__(
        self,
        credentials: Credentials,
        backoff: Backoff | None = None,
        first_poll_s: float = FIRST_POLL_S,
        poll_s: float = POLL_S,
    ) -> None:
        self.first_poll_s = first_poll_s
        self.poll_s = poll_s
        self.http = ServiceClient(
            GAMMA,
            credentials,
            headers={"content-type": "application/json"},
            connections=2,
            backoff=backoff,
        )

    def _call(self, method: str, path: str, body: dict | None = None) -> dict[str, Any]:
        return self.http.request(method, f"/v1.0{path}", body)

    def start(self, body: dict[str, Any]) -> str:
        """Start a generation; its id. Not retried once Gamma may have accepted it."""
        reply = self.http.request("POST", "/v1.0/generations", body, idempotent=False)
        if not reply.get("generationId"):
            raise ServiceError("gamma: the generation reply has no generationId")
        return str(reply["generationId"])

    def wait(self, generation_id: str, max_wait_s: float) -> Generation:
        """Poll until the generation completes (its URLs) or fails, for at most `max_wait_s`."""
        deadline = time.monotonic() + max_wait_s
        pause = self.first_poll_s
        while True:
            time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
            status = self._call("GET", f"/generations/{generation_id}")
            state = status.get("status")
            if state == "completed":
                if not status.get("gammaUrl"):
                    raise ServiceError(f"gamma: generation {generation_id} completed without a URL")
                return Generation(generation_id, status["gammaUrl"], status.get("exportUrl"))
            if state == "failed":
                error = status.get("error") or {}
                reason = error.get("message", error) if isinstance(error, dict) else error
                raise ServiceError(f"gamma: generation {generation_id} failed: {reason}")
            if time.monotonic() >= deadline:
                raise ServiceError(
                    f"gamma: generation {generation_id} still {state} after {max_wait_s:g} s"
                )
            pause = self.poll_s

    def generate(
        self,
        body: dict[str, Any],
        max_wait_s: float,
        started: Callable[[str], None] = lambda generation_id: None,
    ) -> Generation:
        """Start a generation and wait for it; `started` is told its id as soon as it has one."""
        generation_id = self.start(body)
        started(generation_id)
        return self.wait(generation_id, max_wait_s)
