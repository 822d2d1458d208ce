"""The agents as plain functions (`task.fn`): no Prefect engine, no monitor."""

import json
import random
import re
from datetime import date

import pytest

from tasks.agent import StreamedInputs
from tasks.llm import LLMSettings
from tasks.load import SourceError, load_conversations, to_conversation
from tasks.models import Share, Topics
from tasks.percent import shares, tenths_total
from tasks.preprocess import deduplicate, preprocess
from tasks.sentiment import sentiment_for_topic
from tasks.validation import ValidationFailed, validation
from tests.conftest import intercom_conversation, write_export
from tests.servers.openai import FakeOpenAI

DAY = 1_763_337_600  # 2025-11-17 00:00 UTC


def test_shares_always_sum_to_exactly_100():
    rng = random.Random(7)
    for _ in range(2000):
        counts = {f"k{i}": rng.randint(0, 50) for i in range(rng.randint(1, 12))}
        if not sum(counts.values()):
            continue
        assert tenths_total([s.percent for s in shares(counts)]) == 1000, counts


def test_shares_round_thirds_by_largest_remainder():
    assert [s.percent for s in shares({"a": 1, "b": 1, "c": 1})] == [33.4, 33.3, 33.3]


def test_preprocess_redacts_pii_and_strips_html():
    raw = intercom_conversation(
        "1",
        DAY,
        "Mail me at jo.doe+x@example.com or call +1 415-555-0132 or (415) 555 0199. "
        "Card 4111 1111 1111 1111, order 1234 5678 9012 3456 &amp; <b>thanks</b>",
    )
    cleaned = preprocess.fn([to_conversation(raw)])
    text = cleaned.conversations[0].messages[0].text
    assert "example.com" not in text and "555" not in text and "4111" not in text
    assert text.count("[phone]") == 2 and "[email]" in text and "[card]" in text
    # Not a valid card number (Luhn), so not redacted as one.
    assert "1234 5678 9012 3456" in text
    assert "<b>" not in text and "& thanks" in text
    assert cleaned.redactions == {"email": 1, "phone": 2, "card": 1}
    assert cleaned.conversations[0].customer_email is None


def test_deduplicate_drops_repeated_ids_and_quick_resends():
    first = to_conversation(intercom_conversation("1", DAY, "Help with invoice", customer="c1"))
    again = to_conversation(intercom_conversation("1", DAY, "Help with invoice", customer="c1"))
    resend = to_conversation(
        intercom_conversation("2", DAY + 60, "Help with invoice", customer="c1")
    )
    later = to_conversation(
        intercom_conversation("3", DAY + 7200, "Help with invoice", customer="c1")
    )
    assert [c.id for c in deduplicate([first, again, resend, later])] == ["1", "3"]


def test_load_keeps_only_the_window(tmp_path):
    path = write_export(
        tmp_path / "export.json",
        [intercom_conversation(str(i), DAY + i * 86_400, "invoice question") for i in range(10)],
    )
    loaded = load_conversations.fn(str(path), date(2025, 11, 18), date(2025, 11, 20))
    assert [c.id for c in loaded.conversations] == ["1", "2", "3"]
    assert (loaded.read, loaded.outside_window) == (10, 7)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "export.json: not valid JSON (line 1"),
        ('{"type": "conversation.list"}', "expected a list of conversations"),
        ('[{"id": "9", "created_at": 1}]', "export.json: conversation #1 (id 9): source: missing"),
    ],
)
def test_load_names_what_is_wrong_with_a_bad_export(tmp_path, content, message):
    path = tmp_path / "export.json"
    path.write_text(content)
    with pytest.raises(SourceError, match=re.escape(message)):
        load_conversations.fn(str(path), date(2025, 11, 17), date(2025, 11, 23))


def test_a_jsonl_export_loads_like_the_same_json_export(tmp_path):
    raw = [intercom_conversation(str(i), DAY + i * 86_400, "invoice question") for i in range(10)]
    jsonl = tmp_path / "export.jsonl"
    jsonl.write_text("".join(json.dumps(c) + "\n\n" for c in raw))
    window = (date(2025, 11, 18), date(2025, 11, 20))
    from_json = load_conversations.fn(str(write_export(tmp_path / "export.json", raw)), *window)
    from_jsonl = load_conversations.fn(str(jsonl), *window)
    assert from_jsonl.conversations == from_json.conversations
    assert (from_jsonl.read, from_jsonl.outside_window) == (10, 7)


def test_a_bad_line_of_a_jsonl_export_is_named(tmp_path):
    path = tmp_path / "export.jsonl"
    path.write_text(json.dumps(intercom_conversation("1", DAY, "hi")) + "\n{oops\n")
    with pytest.raises(SourceError, match=re.escape("export.jsonl: not valid JSON (line 2")):
        load_conversations.fn(str(path), date(2025, 11, 17), date(2025, 11, 23))


def test_load_of_a_missing_file_says_so(tmp_path):
    with pytest.raises(SourceError, match="source file not found"):
        load_conversations.fn(str(tmp_path / "gone.json"), date(2025, 11, 17), date(2025, 11, 23))


def test_validation_fails_with_the_wrong_sums():
    topics = Topics(
        assignments={},
        mix=[Share(name="a", count=1, percent=50.0), Share(name="b", count=1, percent=49.9)],
        by_keyword=2,
        by_llm=0,
    )
    with pytest.raises(ValidationFailed, match=r"topic_detection.mix sums to 99.9"):
        validation.fn({"topic_detection": topics})


def test_validation_passes_correct_breakdowns():
    topics = Topics(assignments={}, mix=shares({"a": 2, "b": 1}), by_keyword=3, by_llm=0)
    result = validation.fn({"topic_detection": topics})
    assert [(c.name, c.total, c.ok) for c in result.checks] == [
        ("topic_detection.mix", 100.0, True)
    ]


def test_a_topics_sentiment_batches_go_out_together_within_the_limit(monkeypatch):
    texts = [{"id": f"c{i}", "text": f"The invoice {i} is wrong"} for i in range(130)]
    with FakeOpenAI() as server:
        monkeypatch.setenv("OPENAI_API_KEY", server.api_key)
        server.delay_s = 0.2
        # A small context: the topic takes several requests.
        llm = LLMSettings(
            provider="openai",
            model="gpt-4o-mini",
            base_url=server.base_url,
            concurrency=3,
            context_window=2000,
        )
        reading = sentiment_for_topic.fn("Billing", texts, llm)
        batches = [json.loads(seen.body["messages"][-1]["content"]) for seen in server.requests]
    sent = [text for b in batches if "conversations" in b for text in b["conversations"].values()]
    assert sorted(sent) == sorted(t["text"] for t in texts)  # each conversation once
    assert len(batches) > 3 and server.max_in_flight == 3
    assert sum(share.count for share in reading.mix) == 130 and len(reading.labels) == 130
    # The fake reads every one as its first label; the summary is written from all of them.
    assert batches[-1]["counts"] == {"positive": 130, "neutral": 0, "negative": 0}


def test_a_list_of_records_hashes_once_and_as_its_content():
    def conversation_of(cid: str):
        return to_conversation(intercom_conversation(cid, DAY, f"Invoice question {cid}"))

    week = [conversation_of(str(i)) for i in range(50)]
    policy = StreamedInputs()
    key = policy.compute_key(None, {"conversations": week}, {})
    assert policy.compute_key(None, {"conversations": week}, {}) == key  # kept
    assert policy.compute_key(None, {"conversations": list(week)}, {}) == key  # same content
    week.append(conversation_of("50"))
    assert policy.compute_key(None, {"conversations": week}, {}) != key  # grown: hashed anew
    assert policy.compute_key(None, {"conversations": week[1:]}, {}) != key


def test_a_record_digest_is_its_content_and_a_changed_conversation_changes_the_key():
    def conversation_of(cid: str, text: str):
        return to_conversation(intercom_conversation(cid, DAY, text))

    week = [conversation_of(str(i), f"Invoice question {i}") for i in range(20)]
    again = [conversation_of(str(i), f"Invoice question {i}") for i in range(20)]  # equal, new
    assert week[3] is not again[3] and week[3].digest == again[3].digest
    policy = StreamedInputs()
    key = policy.compute_key(None, {"conversations": week}, {})
    assert policy.compute_key(None, {"conversations": again}, {}) == key
    changed = [*again[:7], conversation_of("7", "Invoice question 7, and a refund"), *again[8:]]
    assert changed[7].digest != week[7].digest
    assert policy.compute_key(None, {"conversations": changed}, {}) != key
    assert policy.compute_key(None, {"conversations": week[::-1]}, {}) != key  # order counts
