"""Dollar cost of LLM usage, from genai-prices; the offline provider costs nothing.

A call to an OpenAI-compatible server (a base URL that is not OpenAI's) is recorded
as provider `openai-compatible`: priced as OpenAI's model of that name when
genai-prices knows it (a gateway or proxy in front of OpenAI), otherwise $0, since
a self-hosted model (vLLM, Ollama, LM Studio) has no per-token price.
"""

from decimal import Decimal

from genai_prices import Usage as PriceUsage
from genai_prices import calc_price

from tasks.llm.types import Usage

FREE_PROVIDERS = ("local",)
COMPATIBLE = {"openai-compatible": "openai"}  # recorded provider -> whose prices apply
WHAT_IF_MODELS = (("openai", "gpt-4o-mini"), ("anthropic", "claude-haiku-4-5"))


class UnknownModelError(ValueError):
    """genai-prices has no price for the model."""


def price_usage(usage: Usage) -> PriceUsage:
    """genai-prices' usage: input counts every input token, cache reads and writes priced apart.

    genai-prices takes the one-hour writes as a part of all writes, at their own rate.
    """
    return PriceUsage(
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cache_read_tokens=usage.cached_tokens or None,
        cache_write_tokens=usage.cache_write_tokens or None,
        cache_write_1h_tokens=usage.cache_write_1h_tokens or None,
    )


def price(provider: str, model: str, usage: Usage) -> Decimal:
    """What the usage costs in USD; cached input tokens at the cached price."""
    if provider in FREE_PROVIDERS:
        return Decimal(0)
    try:
        result = calc_price(
            price_usage(usage), model_ref=model, provider_id=COMPATIBLE.get(provider, provider)
        )
    except LookupError as exc:
        if provider in COMPATIBLE:
            return Decimal(0)
        raise UnknownModelError(
            f"no price known for model {model!r} of {provider} in genai-prices"
            " (a self-hosted model needs --base-url)"
        ) from exc
    return result.total_price


def check_priced(provider: str, model: str) -> None:
    """Raise `UnknownModelError` now if calls to this model could not be priced later."""
    price(provider, model, Usage(0, 0))


def what_if(input_tokens: int, output_tokens: int, cached_tokens: int = 0) -> dict[str, Decimal]:
    """The same token totals priced on each of `WHAT_IF_MODELS`."""
    usage = Usage(input_tokens, output_tokens, cached_tokens)
    return {model: price(provider, model, usage) for provider, model in WHAT_IF_MODELS}
