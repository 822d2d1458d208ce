"""Agent 6: sentiment within each topic, one task run per topic, in batches that fit."""

from collections import Counter
from statistics import fmean

from tasks.agent import agent
from tasks.llm import Batched, LLMRequest, LLMSettings, answer_chars, llm_client
from tasks.models import (
    Conversation,
    Sentiment,
    SentimentReading,
    SentimentScore,
    SentimentSummary,
    Topics,
    TopicSentiment,
)
from tasks.per_topic import for_each_topic
from tasks.percent import shares

INSTRUCTIONS = (
    "Rate the customer's sentiment in each support conversation about one topic: a label "
    "(positive, neutral, negative) and a score from -1 to 1; then summarise in one sentence "
    "what drives the sentiment."
)
SUMMARY_INSTRUCTIONS = (
    "These are summaries of the sentiment in batches of one topic's support conversations, "
    "and the sentiment counts over all of them. Summarise in one sentence what drives the "
    "customers' sentiment about the topic."
)
# The answer's fixed part: the one-sentence summary and the JSON around the scores.
SUMMARY_TOKENS = 120


def summarise(
    topic: str, readings: list[SentimentReading], scores: list[SentimentScore], llm: LLMSettings
) -> str:
    """One summary for the topic: the reading's own, or when the topic took several
    batches, one written from theirs and the counts over the whole topic."""
    if len(readings) < 2:
        return " ".join(reading.summary for reading in readings)
    counts = Counter(s.label for s in scores)
    payload = {
        "topic": topic,
        "counts": {label: counts[label] for label in ("positive", "neutral", "negative")},
        "summaries": [reading.summary for reading in readings],
    }
    request = LLMRequest(
        "summarise_sentiment",
        SUMMARY_INSTRUCTIONS,
        payload,
        SentimentSummary,
        max_output_tokens=SUMMARY_TOKENS,
    )
    return llm_client(llm).complete(request).summary


@agent("sentiment_for_topic", task_run_name="topic_sentiment[{topic}]")
def sentiment_for_topic(topic: str, conversations: list[dict], llm: LLMSettings) -> TopicSentiment:
    """Sentiment of each of one topic's conversations, read in batches sent at once.

    A large topic's batches would otherwise go one after the other and be the last
    thing the run waits for; the client's limit still bounds the requests in flight.
    """
    readings: list[SentimentReading] = []
    if conversations:
        request = LLMRequest(
            "read_sentiment",
            INSTRUCTIONS,
            {"topic": topic},
            SentimentReading,
            max_output_tokens=SUMMARY_TOKENS,
        )
        longest = answer_chars(conversations, label="negative", score=-0.999)
        readings = llm_client(llm).complete_batches(Batched(request, conversations, longest))
    scores = [score for reading in readings for score in reading.scores]
    return TopicSentiment(
        topic=topic,
        mix=shares(Counter(s.label for s in scores)),
        mean_score=round(fmean(s.score for s in scores), 3) if scores else 0.0,
        summary=summarise(topic, readings, scores, llm),
        labels={s.id: s.label for s in scores},
    )


@agent("topic_sentiment")
def topic_sentiment(
    topics: Topics, conversations: list[Conversation], llm: LLMSettings, concurrency: int = 5
) -> Sentiment:
    """Run `sentiment_for_topic` for every topic, `concurrency` at a time.

    Each conversation is read from the customer's first message: there they say how they
    feel about what they wrote in about; later messages mostly answer the agent (thanks).
    """
    found = for_each_topic(
        sentiment_for_topic, topics, conversations, concurrency, opening_only=True, llm=llm
    )
    return Sentiment(topics=found)
