"""The loopback OpenAI and Anthropic servers behave as the real ones do where volume matters.

Each behaviour alone, over raw HTTP: the context limit with the provider's own 400 body,
the output cap (a reply cut there, or a cap above the model's refused), one answer per
conversation id, schemas with `$defs`/`$ref`, latency and requests in flight.
"""

import json
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from tasks.models import QuoteSelection, SubTopicLabels
from tests.polling import until
from tests.servers.anthropic import FakeAnthropic
from tests.servers.openai import FakeOpenAI

CONVERSATIONS = [{"id": f"id-{i}", "text": f"I want a refund for order {i}"} for i in range(30)]
PROMPT = {"sub_topics": [{"name": "Refund request"}], "conversations": CONVERSATIONS}


def chat(server: FakeOpenAI, prompt: dict, schema: dict, max_tokens: int = 1_000) -> httpx.Response:
    body = {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "Label each."},
            {"role": "user", "content": json.dumps(prompt)},
        ],
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "Labels", "schema": schema, "strict": False},
        },
        "max_completion_tokens": max_tokens,
    }
    headers = {"authorization": f"Bearer {server.api_key}"}
    return httpx.post(f"{server.base_url}/chat/completions", json=body, headers=headers)


def message(server: FakeAnthropic, prompt: dict, max_tokens: int = 1_000) -> httpx.Response:
    body = {
        "model": "claude-haiku-4-5",
        "max_tokens": max_tokens,
        "system": "Label each.",
        "messages": [{"role": "user", "content": json.dumps(prompt)}],
        "tools": [{"name": "Labels", "input_schema": SubTopicLabels.model_json_schema()}],
        "tool_choice": {"type": "tool", "name": "Labels"},
    }
    headers = {"x-api-key": server.api_key, "anthropic-version": "2023-06-01"}
    return httpx.post(f"{server.url}/v1/messages", json=body, headers=headers)


def test_openai_answers_a_defs_and_ref_schema_with_one_label_per_conversation():
    schema = SubTopicLabels.model_json_schema()
    assert "$defs" in schema  # as pydantic writes it, not inlined
    with FakeOpenAI() as server:
        reply = chat(server, PROMPT, schema).json()
    labels = SubTopicLabels.model_validate_json(reply["choices"][0]["message"]["content"])
    assert [label.id for label in labels.labels] == [c["id"] for c in CONVERSATIONS]
    assert {label.sub_topic for label in labels.labels} == {"Refund request"}
    assert reply["choices"][0]["finish_reason"] == "stop"


def test_openai_picks_no_more_quotes_than_the_prompt_allows():
    with FakeOpenAI() as server:
        reply = chat(server, {**PROMPT, "limit": 3}, QuoteSelection.model_json_schema()).json()
    quotes = QuoteSelection.model_validate_json(reply["choices"][0]["message"]["content"])
    assert [q.conversation_id for q in quotes.quotes] == ["id-0", "id-1", "id-2"]


def test_openai_refuses_a_prompt_past_the_context_with_its_real_error_body():
    with FakeOpenAI(context=500) as server:
        refused = chat(server, PROMPT, SubTopicLabels.model_json_schema(), max_tokens=200)
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert (error["type"], error["param"], error["code"]) == (
        "invalid_request_error",
        "messages",
        "context_length_exceeded",
    )
    assert error["message"].startswith("This model's maximum context length is 500 tokens. ")
    assert "in the messages, 200 in the completion). Please reduce the length" in error["message"]


def test_openai_refuses_an_output_cap_above_the_models():
    with FakeOpenAI(output_cap=16_384) as server:
        refused = chat(server, PROMPT, SubTopicLabels.model_json_schema(), max_tokens=20_000)
    assert refused.status_code == 400
    assert refused.json()["error"]["param"] == "max_tokens"
    assert "supports at most 16384 completion tokens" in refused.json()["error"]["message"]


def test_openai_cuts_a_reply_at_its_cap():
    schema = SubTopicLabels.model_json_schema()
    with FakeOpenAI() as server:
        whole = chat(server, PROMPT, schema).json()["choices"][0]["message"]["content"]
        cut = chat(server, PROMPT, schema, max_tokens=50).json()
    choice = cut["choices"][0]
    assert choice["finish_reason"] == "length" and cut["usage"]["completion_tokens"] == 50
    assert whole.startswith(choice["message"]["content"]) and len(
        choice["message"]["content"]
    ) < len(whole)
    assert server.cut == 1


def test_openai_keeps_its_latency():
    with FakeOpenAI() as server:
        server.delay_s = 0.2
        began = time.monotonic()
        assert chat(server, PROMPT, SubTopicLabels.model_json_schema()).status_code == 200
    assert time.monotonic() - began >= 0.2


def test_openai_answers_eight_requests_side_by_side():
    schema = SubTopicLabels.model_json_schema()
    with FakeOpenAI() as server, ThreadPoolExecutor(8) as pool:
        server.gate.clear()  # hold every reply until all eight are in
        replies = [pool.submit(chat, server, PROMPT, schema) for _ in range(8)]
        until("eight requests in flight", lambda: server.in_flight >= 8, 30)
        server.gate.set()
        assert all(r.result().status_code == 200 for r in replies)
    assert server.max_in_flight == 8


def test_anthropic_refuses_a_prompt_too_long_with_its_real_error_body():
    with FakeAnthropic(context=300) as server:
        refused = message(server, PROMPT, max_tokens=100)
    assert refused.status_code == 400
    body = refused.json()
    assert (body["type"], body["error"]["type"]) == ("error", "invalid_request_error")
    assert body["error"]["message"].startswith("prompt is too long: ")
    assert body["error"]["message"].endswith(" tokens > 300 maximum")


def test_anthropic_refuses_input_plus_max_tokens_past_the_context():
    with FakeAnthropic(context=1_500) as server:
        refused = message(server, PROMPT, max_tokens=1_000)
    message_text = refused.json()["error"]["message"]
    assert refused.status_code == 400
    assert message_text.startswith("input length and `max_tokens` exceed context limit: ")


def test_anthropic_refuses_max_tokens_above_the_models_cap():
    with FakeAnthropic(output_cap=64_000) as server:
        refused = message(server, PROMPT, max_tokens=70_000)
    assert refused.status_code == 400
    assert refused.json()["error"]["message"] == (
        "max_tokens: 70000 > 64000, which is the maximum allowed number of output tokens "
        "for claude-haiku-4-5"
    )


def test_anthropic_stops_at_max_tokens_with_the_tool_input_unfinished():
    with FakeAnthropic() as server:
        whole = message(server, PROMPT).json()
        cut = message(server, PROMPT, max_tokens=40).json()
    assert whole["stop_reason"] == "tool_use"
    labels = SubTopicLabels.model_validate(whole["content"][0]["input"])
    assert [label.id for label in labels.labels] == [c["id"] for c in CONVERSATIONS]
    assert cut["stop_reason"] == "max_tokens" and cut["usage"]["output_tokens"] == 40
