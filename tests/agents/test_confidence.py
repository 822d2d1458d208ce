"""Agent 12, confidence: sample size, keyword coverage, ratings, language and duplicates."""

from tasks.confidence import confidence
from tests.agents.builders import conversation, topics_of

FOUR = [
    conversation("1", rating=5),
    conversation("2", rating=2),
    conversation("3"),
    conversation("4", language="fr"),
]


def test_the_score_weighs_each_factor():
    found = confidence.fn(FOUR, 1, topics_of({c.id: "Billing" for c in FOUR}, by_llm=1))
    assert found.factors == {
        "volume": 0.02,  # 4 of the 200 that are enough
        "keyword_coverage": 0.75,
        "rated": 0.5,
        "english": 0.75,
        "unique": 0.8,  # 4 kept of 5 read
    }
    # 100 * (0.3*0.02 + 0.3*0.75 + 0.2*0.5 + 0.1*0.75 + 0.1*0.8) = 48.6
    assert found.score == 49
    assert found.notes == [
        "1 conversations classified by the model, not by keywords",
        "only 4 conversations (fewer than 200)",
    ]


def test_enough_clean_english_rated_conversations_score_100():
    week = [conversation(str(i), rating=4) for i in range(200)]
    found = confidence.fn(week, 0, topics_of({c.id: "Billing" for c in week}))
    assert found.score == 100
    assert set(found.factors.values()) == {1.0}
    assert found.notes == ["0 conversations classified by the model, not by keywords"]


def test_no_conversations_score_zero():
    found = confidence.fn([], 0, topics_of({}))
    assert (found.score, set(found.factors.values())) == (0, {0.0})
