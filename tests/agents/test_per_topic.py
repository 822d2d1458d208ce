"""Agents 5, 6 and 7 as a whole: one task run per topic, results in the topic mix's order.

The per-topic runs are Prefect task runs, so these need the test Prefect API.
"""

import pytest

from tasks.quotes import example_quotes
from tasks.sentiment import topic_sentiment
from tasks.sub_topics import sub_topic_detection
from tasks.taxonomy import load_taxonomy
from tests.agents.builders import LOCAL, conversation, percents, topics_of

pytestmark = pytest.mark.usefixtures("prefect_harness")

WEEK = [
    conversation("1", "Please refund me, the refund is late and I am very upset."),
    conversation("2", "I was charged twice this month and that is unacceptable."),
    conversation("3", "The password reset link never arrives in my inbox."),
    conversation("4", "What a lovely day it is today, nothing to ask."),
]
# Three topics; Other has no entry in the taxonomy and so no sub-topics.
TOPICS = topics_of({"1": "Billing", "2": "Billing", "3": "Login & Account Access", "4": "Other"})


def test_sub_topics_of_every_topic_from_the_taxonomy():
    found = sub_topic_detection.fn(TOPICS, WEEK, load_taxonomy(), LOCAL, concurrency=2)
    assert [(t.topic, percents(t.mix)) for t in found.topics] == [
        ("Billing", [("Double charge", 1, 50.0), ("Refund request", 1, 50.0)]),
        ("Login & Account Access", [("Password reset", 1, 100.0)]),
        ("Other", [("General", 1, 100.0)]),
    ]


def test_sentiment_and_quotes_for_every_topic_in_mix_order():
    sentiment = topic_sentiment.fn(TOPICS, WEEK, LOCAL, concurrency=2)
    quotes = example_quotes.fn(TOPICS, WEEK, load_taxonomy(), LOCAL, concurrency=2)
    topics = ["Billing", "Login & Account Access", "Other"]
    assert [t.topic for t in sentiment.topics] == [t.topic for t in quotes.topics] == topics
    assert [sum(s.count for s in t.mix) for t in sentiment.topics] == [2, 1, 1]
    # Each topic's quotes name its terms; Other has none, so no quote can be about it.
    assert {q.conversation_id: q.text for t in quotes.topics for q in t.quotes} == {
        "1": "Please refund me, the refund is late and I am very upset.",
        "2": "I was charged twice this month and that is unacceptable.",
        "3": "The password reset link never arrives in my inbox.",
    }
