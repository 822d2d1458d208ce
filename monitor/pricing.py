"""Dollar cost of LLM usage, from genai-prices; the offline provider costs nothing."""

from decimal import Decimal

from genai_prices import Usage as PriceUsage
from genai_prices import calc_price

from tasks.llm.types import Usage

FREE_PROVIDERS = ("local",)
WHAT_IF_MODELS = (("openai", "gpt-4o-mini"), ("anthropic", "claude-haiku-4-5"))


class UnknownModelError(ValueError):
    """genai-prices has no price for the model."""


def price(provider: str, model: str, usage: Usage) -> Decimal:
    """What the usage costs in USD; cached input tokens at the cached price."""
    if provider in FREE_PROVIDERS:
        return Decimal(0)
    try:
        result = calc_price(
            PriceUsage(
                input_tokens=usage.input_tokens,
                output_tokens=usage.output_tokens,
                cache_read_tokens=usage.cached_tokens or None,
            ),
            model_ref=model,
            provider_id=provider,
        )
    except LookupError as exc:
        raise UnknownModelError(f"no price known for model {model!r} of {provider}") from exc
    return result.total_price


def what_if(input_tokens: int, output_tokens: int, cached_tokens: int = 0) -> dict[str, Decimal]:
    """The same token totals priced on each of `WHAT_IF_MODELS`."""
    usage = Usage(input_tokens, output_tokens, cached_tokens)
    return {model: price(provider, model, usage) for provider, model in WHAT_IF_MODELS}
