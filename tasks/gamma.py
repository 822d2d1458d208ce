"""Agent 16: the Gamma presentation of the report."""

from tasks.agent import agent
from tasks.credentials import GAMMA, resolve
from tasks.models import OutputFiles, Presentation

MAX_WAIT_S = 600.0
REPORT = "report.md"


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
    from tasks.gamma_api import GammaClient, generation_body  # httpx only when used

    report = next(p for p in output.files if p.name == REPORT).read_text(encoding="utf-8")
    generation = GammaClient(credentials).generate(
        generation_body(report, theme_id, export_as), max_wait_s
    )
    return Presentation(
        status="created",
        url=generation.gamma_url,
        export_url=generation.export_url,
        generation_id=generation.generation_id,
    )
