"""Agent 6, sentiment of one topic with the offline model (VADER's labels)."""

from tasks.sentiment import sentiment_for_topic
from tests.agents.builders import LOCAL, percents

TEXTS = [
    {"id": "1", "text": "I hate this, the invoice is terrible and wrong"},
    {"id": "2", "text": "My invoice is attached"},
    {"id": "3", "text": "Great support, I love the new billing page"},
    {"id": "4", "text": "Awful. I am angry about the double charge"},
]


def test_labels_counted_and_summarised():
    found = sentiment_for_topic.fn("Billing", TEXTS, LOCAL)
    assert found.topic == "Billing"
    assert percents(found.mix) == [
        ("negative", 2, 50.0),
        ("neutral", 1, 25.0),
        ("positive", 1, 25.0),
    ]
    # Two of four is no majority; the rest lean negative.
    summary = "Billing: mixed, leaning negative (1 positive, 1 neutral, 2 negative of 4)."
    assert found.summary == summary
    assert found.mean_score < 0  # two strongly negative, one zero, one positive


def test_an_empty_topic_scores_zero():
    found = sentiment_for_topic.fn("Billing", [], LOCAL)
    assert (found.mix, found.mean_score, found.summary) == ([], 0.0, "")
