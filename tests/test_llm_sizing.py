"""Requests sized to the model, against loopback servers that hold to a model's limits.

Batches fit the context and the output cap; a reply cut at its cap or a prompt refused
as too long splits the batch in two, each half a recorded call; one conversation too
large for any request is cut short with a warning, never failing the agent.
"""

import json
import logging

import pytest

from tasks.llm import Batched, LLMRequest, LLMSettings, answer_chars, llm_client
from tasks.llm.estimate import json_chars
from tasks.llm.limits import DEFAULT_LIMITS, MODEL_LIMITS, model_limits
from tasks.models import Insights, SubTopicLabels
from tests.servers.anthropic import FakeAnthropic
from tests.servers.openai import FakeOpenAI

SUB_TOPICS = [{"name": "Refund request", "keywords": ["refund"]}]


def conversations(count: int, words: int = 40) -> list[dict]:
    return [
        {"id": f"c{i:04d}", "text": " ".join(f"refund{i} please" for _ in range(words // 2))}
        for i in range(count)
    ]


def labelling(items: list[dict], answer: int | None = None) -> Batched:
    """Sub-topic labelling of `items`; `answer` overrides the per-item answer estimate."""
    request = LLMRequest(
        "classify_sub_topics", "Label each.", {"sub_topics": SUB_TOPICS}, SubTopicLabels, 8
    )
    per_item = answer_chars(items, sub_topic="Refund request") if answer is None else answer
    return Batched(request, items, per_item)


def openai(server: FakeOpenAI, monkeypatch, model: str = "gpt-4o-mini", **settings):
    monkeypatch.setenv("OPENAI_API_KEY", server.api_key)
    options = {"backoff_s": 0.01, "timeout_s": 10.0, **settings}
    return llm_client(
        LLMSettings(provider="openai", model=model, base_url=server.base_url, **options)
    )


def labelled(replies: list[SubTopicLabels]) -> list[str]:
    return [label.id for reply in replies for label in reply.labels]


def sent_ids(server, items: list[dict]) -> list[list[str]]:
    """The ids of the conversations in each request the server answered or refused, in
    order (the requests number them; their texts tell them apart)."""
    by_text = {c["text"]: c["id"] for c in items}
    batches = []
    for seen in server.requests:
        messages = seen.body["messages"]
        prompt = next(m["content"] for m in messages if m["role"] == "user")
        texts = json.loads(prompt).get("conversations", {}).values()
        batches.append([by_text.get(text, text) for text in texts])
    return batches


# -- the limits table ---------------------------------------------------------------------


def test_dated_snapshots_take_their_familys_limits():
    assert model_limits(LLMSettings(model="gpt-4o-mini-2024-07-18")) == MODEL_LIMITS["gpt-4o-mini"]
    assert model_limits(LLMSettings(model="claude-haiku-4-5-20251001")).context == 200_000
    assert model_limits(LLMSettings(model="o4-mini")).reasoning
    assert model_limits(LLMSettings(model="gpt-5-mini")).output == 128_000


def test_an_unknown_model_gets_the_default_and_the_log_says_so_once(monkeypatch, caplog):
    assert model_limits(LLMSettings(model="my-own-llama")) == DEFAULT_LIMITS
    with FakeOpenAI() as server, caplog.at_level(logging.WARNING, logger="voc.llm"):
        client = openai(server, monkeypatch, model="my-own-llama")
        client.complete_batches(labelling(conversations(5)))
        client.complete_batches(labelling(conversations(5)))
    assert len(server.requests) == 2
    (record,) = [r for r in caplog.records if "my-own-llama" in r.getMessage()]
    assert "assuming a 8,192-token context and 2,048-token replies" in record.getMessage()


def test_settings_override_the_table():
    limits = model_limits(
        LLMSettings(model="gpt-4o-mini", context_window=32_000, max_output_tokens=4_000)
    )
    assert (limits.context, limits.output) == (32_000, 4_000)


# -- batches that fit ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "item",
    [
        {},
        {"id": "1", "text": "plain"},
        {"id": "7", "text": 'a "quote", a \\ backslash, a\nnew line, a \x01 and \t'},
        {"id": "x", "text": "é, ü, 日本語 and 😀 stay as they are"},
        {"id": "1", "text": "two", "extra": ""},
        {"id": 3, "text": "a number"},  # not all strings: measured by the encoder
        {"id": "1", "labels": ["a", "b"]},
    ],
)
def test_an_items_json_length_is_what_json_dumps_writes(item):
    assert json_chars(item) == len(json.dumps(item, ensure_ascii=False))


def test_batches_fit_the_context_and_each_conversation_goes_once(monkeypatch, calls):
    items = conversations(300)
    with FakeOpenAI(context=6_000, output_cap=16_384) as server:
        client = openai(server, monkeypatch, context_window=6_000, concurrency=4)
        replies = client.complete_batches(labelling(items))
    assert sorted(labelled(replies)) == [c["id"] for c in items]
    batches = sent_ids(server, items)
    assert sorted(i for b in batches for i in b) == [c["id"] for c in items]
    assert len(batches) > 4 and server.refused_for_context == server.cut == 0
    for seen, usage in zip(server.requests, server.usages, strict=True):
        assert usage["prompt_tokens"] + seen.body["max_tokens"] <= 6_000


def test_the_output_cap_is_set_from_the_batch(monkeypatch):
    with FakeOpenAI() as server:
        client = openai(server, monkeypatch)
        client.complete_batches(labelling(conversations(10)))
        client.complete_batches(labelling(conversations(400, words=4)))
    small, large = (seen.body["max_tokens"] for seen in server.requests)
    assert 64 < small < 400 < 2_000 < large <= 16_384


def test_the_estimate_is_corrected_from_the_reported_prompt_tokens(monkeypatch):
    with FakeOpenAI() as server:
        client = openai(server, monkeypatch, model="gpt-4o-mini-2024-07-18")
        assert client.sizer.prompt.chars_per_token() == 4.0
        client.complete_batches(labelling(conversations(50)))
        sent = len(json.dumps(server.requests[0].body["messages"]))
        reported = server.usages[0]["prompt_tokens"]
    assert client.sizer.prompt.chars_per_token() != 4.0
    assert client.sizer.prompt.chars_per_token() == pytest.approx(sent / reported, rel=0.15)


def test_a_reasoning_model_gets_room_to_reason(monkeypatch):
    with FakeOpenAI(reasoning_tokens=3_000, output_cap=128_000, context=400_000) as server:
        client = openai(server, monkeypatch, model="gpt-5-mini")
        replies = client.complete_batches(labelling(conversations(20)))
    assert len(labelled(replies)) == 20 and server.cut == 0
    (seen,) = server.requests
    assert seen.body["max_tokens"] >= 4_096 + 20 * 10


# -- cut replies and refused prompts -------------------------------------------------------


def test_a_cut_reply_splits_the_batch_and_each_half_is_a_call(monkeypatch, calls):
    items = conversations(40, words=4)
    with FakeOpenAI() as server:
        client = openai(server, monkeypatch)
        # An estimate of 5 characters an answer: the first reply cannot fit its cap.
        replies = client.complete_batches(labelling(items, answer=5))
        finishes = [u["completion_tokens"] for u in server.usages]
    assert sorted(labelled(replies)) == [c["id"] for c in items]
    assert server.cut >= 1 and len(server.requests) >= 3
    assert "reply cut at its output cap (finish_reason length)" in calls[0].error
    assert calls[0].usage.output_tokens == finishes[0] > 0  # the cut reply's tokens are kept
    first, *halves = sent_ids(server, items)
    assert first == [c["id"] for c in items]
    assert halves[0] == first[:20]  # split in two (and again, while still cut)
    assert len([c for c in calls if not c.error]) == len(replies)
    assert len([c for c in calls if c.error]) == server.cut


def test_a_prompt_refused_for_context_splits_the_batch(monkeypatch, calls):
    items = conversations(60)
    # The server's context is smaller than the settings claim: it refuses the first request.
    with FakeOpenAI(context=5_000) as server:
        client = openai(server, monkeypatch, context_window=40_000)
        replies = client.complete_batches(labelling(items))
    assert sorted(labelled(replies)) == [c["id"] for c in items]
    assert server.refused_for_context >= 1
    refused = [c for c in calls if c.error]
    assert len(refused) == server.refused_for_context
    assert "HTTP 400 Bad Request: This model's maximum context length is 5000 tokens" in (
        refused[0].error
    )
    assert all(c.attempt == 1 for c in calls)  # a split is new calls, not retries
    assert len([c for c in calls if not c.error]) == len(replies) >= 2


def test_one_conversation_over_the_context_is_cut_with_a_warning(monkeypatch, calls, caplog):
    huge = {"id": "big", "text": "refund please " * 3_000}
    with FakeOpenAI(context=3_000) as server, caplog.at_level(logging.WARNING, "voc.llm"):
        client = openai(server, monkeypatch, context_window=3_000)
        replies = client.complete_batches(labelling([huge]))
    assert labelled(replies) == ["big"]
    sent = json.loads(server.requests[-1].body["messages"][1]["content"])["conversations"]
    assert list(sent) == ["1"]  # numbered in the request, "big" again in the answer
    assert len(sent["1"]) < len(huge["text"]) and huge["text"].startswith(sent["1"])
    (warning,) = [r.getMessage() for r in caplog.records if "too large" in r.getMessage()]
    assert "item big is too large for one request" in warning and "42,000" in warning


def test_a_server_refusing_a_single_conversation_gets_it_cut(monkeypatch, calls, caplog):
    text = "refund please " * 1_000
    with FakeOpenAI(context=1_200) as server, caplog.at_level(logging.WARNING, "voc.llm"):
        client = openai(server, monkeypatch, context_window=20_000)
        replies = client.complete_batches(labelling([{"id": "one", "text": text}]))
    assert labelled(replies) == ["one"] and server.refused_for_context >= 1
    assert any("item one is too large" in r.getMessage() for r in caplog.records)


def test_a_single_request_cut_is_asked_again_with_the_whole_cap(monkeypatch, calls):
    with FakeOpenAI() as server:
        client = openai(server, monkeypatch)
        request = LLMRequest("write_insights", "Write.", {"facts": ["a"]}, Insights, 16)
        server.contents.append(json.dumps({"insights": ["word " * 40]}))
        client.complete(request)
    assert [seen.body["max_tokens"] for seen in server.requests] == [16, 16_384]
    assert "reply cut" in calls[0].error and calls[1].error is None


def test_anthropic_cut_and_prompt_too_long_split_the_batch(monkeypatch, calls):
    items = conversations(80)
    with FakeAnthropic(context=4_000) as server:
        monkeypatch.setenv("ANTHROPIC_API_KEY", server.api_key)
        client = llm_client(
            LLMSettings(
                provider="anthropic",
                model="claude-haiku-4-5",
                base_url=server.url,
                context_window=60_000,
                backoff_s=0.01,
                requests_per_minute=10_000,  # not Anthropic's entry tier of 50
            )
        )
        replies = client.complete_batches(labelling(items, answer=5))
    assert sorted(labelled(replies)) == [c["id"] for c in items]
    errors = [c.error for c in calls if c.error]
    assert any("prompt is too long" in e or "exceed context limit" in e for e in errors)
    assert any("reply cut (stop_reason max_tokens)" in e for e in errors)


def test_restore_puts_the_ids_back_in_nested_answers_as_validation_would():
    from tasks.llm.batched import restore
    from tasks.models import QuoteSelection

    ids = {"1": "c0001", "2": "c0002"}
    labels = SubTopicLabels.model_validate(
        {"labels": [{"id": "2", "sub_topic": "Refund request"}, {"id": "9", "sub_topic": "x"}]}
    )
    quotes = QuoteSelection.model_validate(
        {"quotes": [{"conversation_id": "1", "text": "2", "sentiment": "negative"}]}
    )
    back = restore(labels, ids)
    assert [(lab.id, lab.sub_topic) for lab in back.labels] == [
        ("c0002", "Refund request"),
        ("9", "x"),  # a number the batch did not have stays as it came
    ]
    quoted = restore(quotes, ids)
    assert quoted.quotes[0].conversation_id == "c0001" and quoted.quotes[0].text == "2"
    assert quoted == QuoteSelection.model_validate(quoted.model_dump())
