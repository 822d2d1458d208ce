"""Cache writes are priced at their own rate: OpenAI's `cache_write_tokens`, Anthropic's
five-minute and one-hour writes. Replies come over real HTTP from the loopback servers;
the expected price is worked out here from the model's rates as genai-prices publishes
them, not by our pricing code.
"""

import json
from decimal import Decimal

from genai_prices.data_snapshot import get_snapshot

from monitor.pricing import price
from tasks.llm import LLMRequest, LLMSettings, llm_client
from tasks.models import TopicLabels
from tests.servers.anthropic import FakeAnthropic
from tests.servers.base import Reply
from tests.servers.openai import FakeOpenAI

REQUEST = LLMRequest(
    "classify_topics",
    "Classify.",
    {"conversations": [{"id": "c1", "text": "I was charged twice"}]},
    TopicLabels,
)
ANSWER = {"labels": [{"id": "c1", "topic": "Billing"}]}
MTOK = Decimal(1_000_000)


def rates(provider: str, model: str):
    """The model's flat per-million-token prices as genai-prices publishes them."""
    _, found = get_snapshot().find_provider_model(model, None, provider, None)
    return found.prices


def test_openai_cache_writes_are_priced_at_the_cache_write_rate(monkeypatch, calls):
    model = "gpt-5.6-cyber"  # an OpenAI model whose cache writes cost more than input
    rate = rates("openai", model)
    assert rate.cache_write_mtok > rate.input_mtok
    usage = {
        "prompt_tokens": 10_000,
        "completion_tokens": 500,
        "total_tokens": 10_500,
        "prompt_tokens_details": {"cached_tokens": 2_000, "cache_write_tokens": 6_000},
        "completion_tokens_details": {"reasoning_tokens": 0},
    }
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1_763_337_600,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": json.dumps(ANSWER), "refusal": None},
                "finish_reason": "stop",
            }
        ],
        "usage": usage,
    }
    with FakeOpenAI() as server:
        monkeypatch.setenv("OPENAI_API_KEY", server.api_key)
        server.fail_next(Reply(200, body))
        settings = LLMSettings(provider="openai", model=model, base_url=server.base_url)
        llm_client(settings).complete(REQUEST)

    (call,) = calls
    assert (call.usage.input_tokens, call.usage.cached_tokens) == (10_000, 2_000)
    assert call.usage.cache_write_tokens == 6_000
    expected = (
        2_000 * rate.input_mtok  # neither read from nor written to the cache
        + 2_000 * rate.cache_read_mtok
        + 6_000 * rate.cache_write_mtok
        + 500 * rate.output_mtok
    ) / MTOK
    assert price(call.provider, model, call.usage) == expected
    as_plain_input = (8_000 * rate.input_mtok + 2_000 * rate.cache_read_mtok) / MTOK
    assert expected > as_plain_input + 500 * rate.output_mtok / MTOK


def test_anthropic_five_minute_and_one_hour_writes_each_at_their_rate(monkeypatch, calls):
    model = "claude-haiku-4-5"
    rate = rates("anthropic", model)
    assert rate.input_mtok < rate.cache_write_mtok < rate.cache_write_1h_mtok
    body = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "tool_use", "id": "toolu_1", "name": "TopicLabels", "input": ANSWER}],
        "stop_reason": "tool_use",
        "stop_sequence": None,
        "usage": {
            "input_tokens": 1_000,  # after the last cache breakpoint: neither read nor written
            "cache_read_input_tokens": 4_000,
            "cache_creation_input_tokens": 5_000,
            "cache_creation": {
                "ephemeral_5m_input_tokens": 2_000,
                "ephemeral_1h_input_tokens": 3_000,
            },
            "output_tokens": 300,
            "service_tier": "standard",
        },
    }
    with FakeAnthropic() as server:
        monkeypatch.setenv("ANTHROPIC_API_KEY", server.api_key)
        server.fail_next(Reply(200, body))
        settings = LLMSettings(provider="anthropic", model=model, base_url=server.url)
        llm_client(settings).complete(REQUEST)

    (call,) = calls
    usage = call.usage
    assert (usage.input_tokens, usage.cached_tokens) == (10_000, 4_000)
    assert (usage.cache_write_tokens, usage.cache_write_1h_tokens) == (5_000, 3_000)
    expected = (
        1_000 * rate.input_mtok
        + 4_000 * rate.cache_read_mtok
        + 2_000 * rate.cache_write_mtok  # five-minute writes
        + 3_000 * rate.cache_write_1h_mtok
        + 300 * rate.output_mtok
    ) / MTOK
    assert price("anthropic", model, usage) == expected
