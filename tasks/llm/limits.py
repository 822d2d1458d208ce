"""How much a model takes in and gives back: its context window and its output cap.

The table holds the published limits of the models prefect-voc supports (OpenAI's
model pages, Anthropic's models overview, December 2026); dated snapshots
(`gpt-4o-mini-2024-07-18`, `claude-haiku-4-5-20251001`) match their family by
prefix. A model the table does not know (a self-hosted one behind an
OpenAI-compatible URL, say) gets a small, safe default, and the log says so once.
`LLMSettings.context_window` and `LLMSettings.max_output_tokens` override either.
"""

import logging
import threading
from dataclasses import dataclass, replace

from tasks.llm.types import LOCAL_MODEL, LLMSettings

log = logging.getLogger("voc.llm")


@dataclass(frozen=True)
class ModelLimits:
    """Tokens a request may hold in all (prompt plus output), and tokens one reply may have.

    A reasoning model's hidden reasoning counts against its output cap.
    """

    context: int
    output: int
    reasoning: bool = False
    assumed: bool = False  # not the model's own: the default for a model the table lacks


# Longest prefix wins, so "gpt-4o-mini" before "gpt-4o" makes no difference here but
# "o4-mini" is not taken for "o4".
MODEL_LIMITS: dict[str, ModelLimits] = {
    "gpt-4o": ModelLimits(128_000, 16_384),
    "gpt-4o-mini": ModelLimits(128_000, 16_384),
    "gpt-4.1": ModelLimits(1_047_576, 32_768),
    "gpt-5": ModelLimits(400_000, 128_000, reasoning=True),
    "o1": ModelLimits(200_000, 100_000, reasoning=True),
    "o3": ModelLimits(200_000, 100_000, reasoning=True),
    "o4-mini": ModelLimits(200_000, 100_000, reasoning=True),
    "claude-haiku-4": ModelLimits(200_000, 64_000),
    "claude-sonnet-4": ModelLimits(200_000, 64_000),
    "claude-opus-4": ModelLimits(200_000, 32_000),
    "claude-opus-4-5": ModelLimits(200_000, 64_000),
    LOCAL_MODEL: ModelLimits(128_000, 16_384),
}
# Small enough for most self-hosted servers (Ollama, vLLM with a short context).
DEFAULT_LIMITS = ModelLimits(8_192, 2_048, assumed=True)

_warned: set[str] = set()
_warned_lock = threading.Lock()


def known_limits(model: str) -> ModelLimits | None:
    """The table's entry for `model` or its family, if any."""
    matches = [prefix for prefix in MODEL_LIMITS if model.startswith(prefix)]
    return MODEL_LIMITS[max(matches, key=len)] if matches else None


def model_limits(settings: LLMSettings) -> ModelLimits:
    """The limits of the settings' model, with the settings' overrides applied."""
    limits = known_limits(settings.model) or DEFAULT_LIMITS
    if settings.context_window:
        limits = replace(limits, context=settings.context_window)
    if settings.max_output_tokens:
        limits = replace(limits, output=settings.max_output_tokens)
    if settings.context_window and settings.max_output_tokens:
        limits = replace(limits, assumed=False)
    return limits


def warn_if_assumed(model: str, limits: ModelLimits) -> None:
    """Say once per model, when it is first used, that its limits are the default."""
    if not limits.assumed:
        return
    with _warned_lock:
        if model in _warned:
            return
        _warned.add(model)
    log.warning(
        "voc: no known limits for model %r: assuming a %s-token context and %s-token "
        "replies (set LLMSettings.context_window and max_output_tokens to change them)",
        model,
        f"{DEFAULT_LIMITS.context:,}",
        f"{DEFAULT_LIMITS.output:,}",
    )
