"""Agent 16: the Gamma presentation of the report."""

import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tasks.agent import agent
from tasks.models import OutputFiles, Presentation
from tasks.services.credentials import GAMMA, resolve
from tasks.services.errors import ServiceError

MAX_WAIT_S = 600.0
REPORT = "report.md"
STARTED = ".gamma-generation.json"
GAMMA_HOST = "gamma.app"


class StartedGeneration:
    """The generation started for a report, kept beside it so no run pays for it twice.

    Gamma bills each generation, and its POST is not idempotent. A run that started one
    and then failed (a poll timed out, the process was killed) is resumed with the same
    report: this finds the id it has, and the resumed run polls it instead of starting
    another. A different request (another report, theme or export) starts anew.
    """

    def __init__(self, path: Path, body: dict[str, Any]) -> None:
        self.path = path
        self.digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()

    def generation_id(self) -> str | None:
        """The id started for this very request, if one was."""
        try:
            kept = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(kept, dict) or kept.get("request_sha256") != self.digest:
            return None
        return str(kept["generation_id"]) if kept.get("generation_id") else None

    def remember(self, generation_id: str) -> None:
        """Keep the id Gamma gave this request."""
        record = {"request_sha256": self.digest, "generation_id": generation_id}
        self.path.write_text(json.dumps(record), encoding="utf-8")


def checked_url(url: str | None, api_base_url: str) -> str | None:
    """`url` if it is an https link on Gamma's host (or the configured API's host), else raise.

    The URL comes from a service's reply and becomes a link in artifacts, the store and
    the dashboard: a `javascript:` or foreign URL there would be one click from harm.
    """
    if url is None:
        return None
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    on_gamma = host == GAMMA_HOST or host.endswith("." + GAMMA_HOST)
    if parts.scheme == "https" and (on_gamma or host == urlsplit(api_base_url).hostname):
        return url
    raise ServiceError(f"gamma: the reply's URL is not an https link on {GAMMA_HOST}: {url!r}")


@agent("gamma_presentation")
def gamma_presentation(
    output: OutputFiles,
    theme_id: str | None = None,
    export_as: str | None = None,
    max_wait_s: float = MAX_WAIT_S,
) -> Presentation:
    """Turn report.md into a Gamma deck, one card per `---`; skipped, saying why, without a key.

    `export_as` ("pdf" or "pptx") asks Gamma for a download as well.
    """
    credentials = resolve(GAMMA)
    if credentials.key is None:
        return Presentation(status="skipped", reason=f"no Gamma key: set {GAMMA.hint()}")
    from tasks.services.gamma import GammaClient, generation_body  # httpx only when used

    report = next(p for p in output.files if p.name == REPORT).read_text(encoding="utf-8")
    body = generation_body(report, theme_id, export_as)
    client = GammaClient(credentials)
    started = StartedGeneration(output.directory / STARTED, body)
    if (known := started.generation_id()) is not None:
        generation = client.wait(known, max_wait_s)  # a resumed run: Gamma has this deck
    else:
        generation = client.generate(body, max_wait_s, started.remember)
    return Presentation(
        status="created",
        url=checked_url(generation.gamma_url, credentials.base_url),
        export_url=checked_url(generation.export_url, credentials.base_url),
        generation_id=generation.generation_id,
    )
