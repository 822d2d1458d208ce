"""Agent 16: the Gamma presentation of the report."""

from urllib.parse import urlsplit

from tasks.agent import agent
from tasks.models import OutputFiles, Presentation
from tasks.services.credentials import GAMMA, resolve
from tasks.services.errors import ServiceError

MAX_WAIT_S = 600.0
REPORT = "report.md"
GAMMA_HOST = "gamma.app"


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
    generation = GammaClient(credentials).generate(
        generation_body(report, theme_id, export_as), max_wait_s
    )
    return Presentation(
        status="created",
        url=checked_url(generation.gamma_url, credentials.base_url),
        export_url=checked_url(generation.export_url, credentials.base_url),
        generation_id=generation.generation_id,
    )
