"""Agent 16: the Gamma presentation of the report."""

from tasks.agent import agent
from tasks.models import OutputFiles, Presentation


@agent("gamma_presentation")
def gamma_presentation(output: OutputFiles) -> Presentation:
    """Not built yet: record the agent as skipped, saying why."""
    return Presentation(status="skipped", reason="Gamma presentations are not built yet")
