"""The report's numbers do not depend on how many conversations go in one request.

The bundled week through the agents that send conversations, with the offline
provider, once in the large batches its model's limits allow and once in batches of a
handful (a small `context_window`): the same topics, sub-topics and sentiment, every
conversation labelled, each quote still verbatim.
"""

from datetime import date

from tasks.llm import LLMSettings
from tasks.load import load_conversations
from tasks.observe import observers
from tasks.per_topic import topic_texts
from tasks.preprocess import preprocess
from tasks.quotes import LIMIT, quotes_for_topic
from tasks.sentiment import sentiment_for_topic
from tasks.sub_topics import sub_topics_for_topic
from tasks.taxonomy import load_taxonomy
from tasks.topics import topic_detection

LARGE = LLMSettings()
SMALL = LLMSettings(context_window=1_200)  # a few conversations a request


def analyse(llm: LLMSettings) -> tuple[dict, int]:
    """Every agent's findings over the sample's last week, and the calls they took."""
    calls: list = []
    observers.llm_call.append(calls.append)
    try:
        week = load_conversations.fn("sample", date(2026, 11, 16), date(2026, 11, 22))
        conversations = preprocess.fn(week.conversations).conversations
        taxonomy = load_taxonomy()
        topics = topic_detection.fn(conversations, taxonomy, llm)
        texts = topic_texts(topics, conversations)
        openings = topic_texts(topics, conversations, opening_only=True)
        found = {"topics": topics.model_dump(), "sub_topics": {}, "sentiment": {}, "quotes": {}}
        for name, group in texts.items():
            definition = taxonomy.topic(name)
            subs = [s.model_dump() for s in definition.sub_topics] if definition else []
            found["sub_topics"][name] = sub_topics_for_topic.fn(name, group, subs, llm)
            found["sentiment"][name] = sentiment_for_topic.fn(name, openings[name], llm)
            terms = taxonomy.terms_of(name)
            found["quotes"][name] = quotes_for_topic.fn(name, openings[name], terms, llm)
    finally:
        observers.llm_call.remove(calls.append)
    return found, len(calls)


def test_small_and_large_batches_give_the_same_numbers():
    large, large_calls = analyse(LARGE)
    small, small_calls = analyse(SMALL)
    assert small_calls > 4 * large_calls  # the small run really did take many more requests

    assert small["topics"] == large["topics"]
    assert small["sub_topics"] == large["sub_topics"]
    assert small["sentiment"] == large["sentiment"]
    every = set(large["topics"]["assignments"])
    assert {cid for t in small["sub_topics"].values() for cid in t.labels} == every
    assert {cid for t in small["sentiment"].values() for cid in t.labels} == every

    openings = {}
    week = load_conversations.fn("sample", date(2026, 11, 16), date(2026, 11, 22))
    for conversation in preprocess.fn(week.conversations).conversations:
        openings[conversation.id] = conversation.opening_text
    for quotes in small["quotes"].values():
        assert len(quotes.quotes) <= LIMIT
        assert all(q.text.rstrip("…") in openings[q.conversation_id] for q in quotes.quotes)
