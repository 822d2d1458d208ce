"""PII redaction on pasted dumps: linear time on any input, long messages cut and counted."""

import time
from collections import Counter

import pytest

from tasks.preprocess import MAX_MESSAGE_CHARS, preprocess, redact
from tasks.text import html_to_text
from tests.conftest import write_export
from tests.test_agents import DAY, intercom_conversation, to_conversation

MEGABYTE = 1_000_000

# Inputs that made the earlier patterns backtrack: a run each pattern starts on
# again and again without ever completing a match.
ADVERSARIAL = {
    "email local part": "a" * MEGABYTE,
    "email domain": "a@" + "b" * MEGABYTE,
    "many at signs": "a@b" * (MEGABYTE // 3),
    "phone": "1 " * (MEGABYTE // 2),
    "phone brackets": "(1" * (MEGABYTE // 2),
    "card": "1-" * (MEGABYTE // 2),
}


def _seconds(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


@pytest.mark.parametrize("name", ADVERSARIAL)
def test_each_pii_pattern_takes_under_a_second_on_a_megabyte(name):
    text = ADVERSARIAL[name]
    assert _seconds(lambda: redact(text, Counter())) < 1.0


def test_html_stripping_takes_under_a_second_on_a_megabyte_of_open_tags():
    assert _seconds(lambda: html_to_text("<" * MEGABYTE)) < 1.0


def test_redaction_still_finds_what_it_found_before():
    counts = Counter()
    text = redact(
        "Reach me at a.b+c@mail.example.org, +44 (20) 7946-0958. or 415.555.0199; "
        "order 1234567890123456789 ok",
        counts,
    )
    assert text == "Reach me at [email], [phone]. or [phone]; order 1234567890123456789 ok"
    assert counts == {"email": 1, "phone": 2}


def test_a_pasted_dump_is_cut_before_any_model_and_counted():
    dump = "Error: " + "x" * (3 * MAX_MESSAGE_CHARS)
    conversations = [
        to_conversation(intercom_conversation("1", DAY, dump)),
        to_conversation(intercom_conversation("2", DAY + 3600, "short and fine")),
    ]
    cleaned = preprocess.fn(conversations)
    texts = {c.id: c.messages[0].text for c in cleaned.conversations}
    assert len(texts["1"]) == MAX_MESSAGE_CHARS + len(" [cut]")
    assert texts["1"].endswith(" [cut]")
    assert texts["2"] == "short and fine"
    assert cleaned.messages_truncated == 1


def test_the_report_says_how_many_messages_were_cut(tmp_path, voc):
    dump = "Traceback: " + "x" * 120_000
    raw = [intercom_conversation(str(i), DAY + i * 3600, dump) for i in range(3)]
    raw += [intercom_conversation(str(i), DAY + i * 3600, "refund please") for i in range(3, 9)]
    write_export(tmp_path / "week.json", raw)
    ran = voc("run", "--source", "week.json", "--start", "2025-11-17", "--end", "2025-11-23")
    assert ran.returncode == 0, ran.stderr
    (report,) = (tmp_path / "outputs").glob("*/report.md")
    assert "- 3 messages over 20,000 characters were cut before analysis" in report.read_text()
