"""The LLM client against loopback servers speaking OpenAI's and Anthropic's wire formats.

Every attempt is reported with its own number, tokens and error; transient failures are
retried (honouring Retry-After), refusals fail at once, bad output is corrected once.
"""

import time
from decimal import Decimal

import pytest
from genai_prices import Usage as PriceUsage
from genai_prices import calc_price

from monitor.pricing import price
from tasks.llm import LLMOutputError, LLMRequest, LLMSettings, llm_client
from tasks.models import SentimentReading, TopicLabels
from tasks.observe import observers
from tasks.services.errors import ServiceError
from tests.servers.anthropic import FakeAnthropic
from tests.servers.base import Reply
from tests.servers.openai import FakeOpenAI

PAYLOAD = {
    "topics": [{"name": "Billing", "description": "money"}],
    "conversations": [{"id": "c1", "text": "I was charged twice"}, {"id": "c2", "text": "Refund?"}],
}
REQUEST = LLMRequest("classify_topics", "Classify.", PAYLOAD, TopicLabels)


@pytest.fixture
def openai_server(monkeypatch):
    with FakeOpenAI() as server:
        monkeypatch.setenv("OPENAI_API_KEY", server.api_key)
        yield server


@pytest.fixture
def anthropic_server(monkeypatch):
    with FakeAnthropic(cache_read=1200, cache_write=300) as server:
        monkeypatch.setenv("ANTHROPIC_API_KEY", server.api_key)
        yield server


def openai_client(server: FakeOpenAI, **settings):
    options = {"backoff_s": 0.01, "timeout_s": 5.0, **settings}
    return llm_client(
        LLMSettings(provider="openai", model="gpt-4o-mini", base_url=server.base_url, **options)
    )


def test_openai_structured_output_and_usage(openai_server, calls):
    openai_server.reasoning_tokens = 7
    labels = openai_client(openai_server).complete(REQUEST)
    assert [(label.id, label.topic) for label in labels.labels] == [
        ("c1", "Billing"),
        ("c2", "Billing"),
    ]
    body = openai_server.requests[0].body
    assert body["model"] == "gpt-4o-mini" and body["max_tokens"] == 1024
    schema = body["response_format"]["json_schema"]
    assert (schema["name"], schema["strict"]) == ("TopicLabels", True)
    assert schema["schema"]["additionalProperties"] is False
    assert [m["role"] for m in body["messages"]] == ["system", "user"]

    (call,) = calls
    sent = openai_server.usages[0]
    assert (call.provider, call.attempt, call.error) == ("openai-compatible", 1, None)
    assert call.usage.input_tokens == sent["prompt_tokens"]
    assert call.usage.output_tokens == sent["completion_tokens"]
    assert call.usage.reasoning_tokens == 7 and not call.usage.estimated


def test_cached_prompt_tokens_are_priced_as_cached(openai_server, calls):
    big = LLMRequest("classify_topics", "Classify. " * 1000, PAYLOAD, TopicLabels)
    openai_client(openai_server).complete(big)
    (call,) = calls
    sent = openai_server.usages[0]
    assert call.usage.cached_tokens == sent["prompt_tokens_details"]["cached_tokens"] > 0
    expected = calc_price(
        PriceUsage(
            input_tokens=sent["prompt_tokens"],
            output_tokens=sent["completion_tokens"],
            cache_read_tokens=sent["prompt_tokens_details"]["cached_tokens"],
        ),
        model_ref="gpt-4o-mini",
        provider_id="openai",
    ).total_price
    assert price(call.provider, call.model, call.usage) == expected
    uncached = calc_price(
        PriceUsage(input_tokens=sent["prompt_tokens"], output_tokens=sent["completion_tokens"]),
        model_ref="gpt-4o-mini",
        provider_id="openai",
    ).total_price
    assert expected < uncached


def test_429_waits_as_long_as_retry_after_asks(openai_server, calls):
    openai_server.fail_next(
        Reply(
            429,
            {"error": {"message": "Rate limit reached", "type": "requests"}},
            headers={"retry-after": "1"},
        )
    )
    began = time.monotonic()
    openai_client(openai_server).complete(REQUEST)
    assert time.monotonic() - began >= 1.0
    assert [(c.attempt, bool(c.error)) for c in calls] == [(1, True), (2, False)]
    assert "HTTP 429 Too Many Requests: Rate limit reached" in calls[0].error
    assert calls[0].usage.input_tokens == 0 and calls[1].usage.input_tokens > 0


def test_server_errors_and_garbage_are_retried_with_backoff(openai_server, calls):
    openai_server.fail_next(Reply(500, {"error": {"message": "boom"}}))
    openai_server.fail_next(
        Reply(503, b"<html>Service Unavailable</html>", headers={"content-type": "text/html"})
    )
    openai_server.fail_next(
        Reply(200, b"<html>proxy says hi</html>", headers={"content-type": "text/html"})
    )
    openai_client(openai_server).complete(REQUEST)
    assert [c.attempt for c in calls] == [1, 2, 3, 4]
    assert "HTTP 500" in calls[0].error and "HTTP 503" in calls[1].error
    assert "reply is not JSON (HTTP 200, text/html)" in calls[2].error
    assert calls[3].error is None


def test_a_slow_reply_times_out_and_is_retried(openai_server, calls):
    openai_server.fail_next(Reply(200, {}, delay_s=1.5))
    openai_client(openai_server, timeout_s=0.5).complete(REQUEST)
    assert [c.attempt for c in calls] == [1, 2]
    assert "no reply in time" in calls[0].error


def test_retries_stop_after_max_attempts(openai_server, calls):
    openai_server.fail_next(Reply(502, {"error": {"message": "bad gateway"}}), times=3)
    with pytest.raises(ServiceError, match="HTTP 502"):
        openai_client(openai_server, max_attempts=3).complete(REQUEST)
    assert [c.attempt for c in calls] == [1, 2, 3]


@pytest.mark.parametrize("status", [400, 403, 404])
def test_client_errors_fail_at_once(openai_server, calls, status):
    openai_server.fail_next(Reply(status, {"error": {"message": "nope"}}))
    with pytest.raises(ServiceError, match=f"openai-compatible: HTTP {status}"):
        openai_client(openai_server).complete(REQUEST)
    assert len(openai_server.requests) == 1 and len(calls) == 1


def test_a_refused_key_fails_at_once_without_showing_it(monkeypatch, openai_server, calls):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-wrong-key-0123456789abcdef")
    with pytest.raises(ServiceError) as raised:
        openai_client(openai_server).complete(REQUEST)
    message = str(raised.value)
    assert message.startswith("openai-compatible: HTTP 401 Unauthorized: the credentials were")
    assert "OPENAI_API_KEY" in message and "\n" not in message
    assert "sk-" not in message and "cdef" not in message  # not even the server's masked echo
    assert len(openai_server.requests) == 1 and calls[0].error == message
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_invalid_json_is_fed_back_once_then_fails_the_call(openai_server, calls):
    openai_server.contents.extend(["Sure! Here are the labels: Billing", '{"labels": "Billing"}'])
    with pytest.raises(LLMOutputError) as raised:
        openai_client(openai_server).complete(REQUEST)
    assert "classify_topics: reply does not match TopicLabels" in str(raised.value)
    assert "also after feeding the error back" in str(raised.value)
    assert [c.attempt for c in calls] == [1, 2]
    assert all(c.usage.input_tokens > 0 and c.error for c in calls)  # both were paid for
    retry = openai_server.requests[1].body["messages"]
    assert [m["role"] for m in retry] == ["system", "user", "assistant", "user"]
    assert retry[2]["content"] == "Sure! Here are the labels: Billing"
    assert "Invalid JSON" in retry[3]["content"]


def test_a_schema_mismatch_corrected_on_the_second_attempt(openai_server, calls):
    openai_server.contents.append('{"labels": [{"id": "c1"}]}')
    labels = openai_client(openai_server).complete(REQUEST)
    assert len(labels.labels) == 2
    assert "labels.0.topic: Field required" in calls[0].error
    assert [c.error is None for c in calls] == [False, True]


def test_the_monitor_can_refuse_every_attempt(openai_server, calls):
    attempts = []

    def budget(provider, model, request):
        attempts.append(request.purpose)
        if len(attempts) > 1:
            raise RuntimeError("budget spent")

    observers.before_llm_call.append(budget)
    try:
        openai_server.fail_next(Reply(500, {"error": {"message": "boom"}}))
        with pytest.raises(RuntimeError, match="budget spent"):
            openai_client(openai_server).complete(REQUEST)
    finally:
        observers.before_llm_call.remove(budget)
    assert len(openai_server.requests) == 1 and len(calls) == 1


def test_concurrent_requests_stay_within_the_limit(openai_server, calls):
    openai_server.delay_s = 0.2
    client = openai_client(openai_server, concurrency=3)
    began = time.monotonic()
    replies = client.complete_many([REQUEST] * 9)
    elapsed = time.monotonic() - began
    assert len(replies) == 9 and openai_server.max_in_flight == 3
    assert 0.6 <= elapsed < 1.2  # three rounds of 0.2 s


def test_anthropic_forced_tool_call_and_cache_usage(anthropic_server, calls):
    client = llm_client(
        LLMSettings(provider="anthropic", model="claude-haiku-4-5", base_url=anthropic_server.url)
    )
    request = LLMRequest(
        "read_sentiment", "Rate.", {"topic": "Billing", **PAYLOAD}, SentimentReading
    )
    reading = client.complete(request)
    assert [s.id for s in reading.scores] == ["c1", "c2"]
    seen = anthropic_server.requests[0]
    assert seen.headers["x-api-key"] == anthropic_server.api_key
    assert seen.headers["anthropic-version"] == "2023-06-01"
    assert seen.body["tool_choice"] == {"type": "tool", "name": "SentimentReading"}
    assert seen.body["tools"][0]["input_schema"]["properties"]["scores"]["type"] == "array"
    assert seen.body["system"] == "Rate." and seen.body["max_tokens"] == 1024

    (call,) = calls
    usage = call.usage
    assert (usage.cached_tokens, usage.cache_write_tokens) == (1200, 300)
    assert usage.input_tokens > 1500  # uncached + cache reads + cache writes
    expected = calc_price(
        PriceUsage(
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cache_read_tokens=1200,
            cache_write_tokens=300,
        ),
        model_ref="claude-haiku-4-5",
        provider_id="anthropic",
    ).total_price
    assert price("anthropic", "claude-haiku-4-5", usage) == expected > Decimal(0)


def test_anthropic_reply_without_the_tool_call_is_corrected_once(anthropic_server, calls):
    anthropic_server.text_only = True
    client = llm_client(
        LLMSettings(provider="anthropic", model="claude-haiku-4-5", base_url=anthropic_server.url)
    )
    with pytest.raises(LLMOutputError, match="no TopicLabels tool call"):
        client.complete(REQUEST)
    assert [c.attempt for c in calls] == [1, 2] and all(c.usage.output_tokens for c in calls)
    assert anthropic_server.requests[1].body["messages"][1]["role"] == "assistant"


def test_anthropic_401_names_the_provider_and_status_only(anthropic_server, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-wrong-0123456789")
    client = llm_client(
        LLMSettings(provider="anthropic", model="claude-haiku-4-5", base_url=anthropic_server.url)
    )
    with pytest.raises(ServiceError) as raised:
        client.complete(REQUEST)
    assert str(raised.value).startswith("anthropic: HTTP 401 Unauthorized")
    assert "sk-ant" not in str(raised.value)


def test_unknown_provider_is_one_line():
    with pytest.raises(ValueError, match="unknown LLM provider 'mistral'"):
        llm_client(LLMSettings(provider="mistral", model="x"))
