"""Agent 6: sentiment within each topic, one task run per topic."""

from collections import Counter
from statistics import fmean

from tasks.agent import agent
from tasks.llm import LLMRequest, LLMSettings, llm_client
from tasks.models import Conversation, Sentiment, SentimentReading, Topics, TopicSentiment
from tasks.per_topic import run_per_topic, topic_texts
from tasks.percent import shares

BATCH = 40
INSTRUCTIONS = (
    "Rate the customer's sentiment in each support conversation about one topic: a label "
    "(positive, neutral, negative) and a score from -1 to 1; then summarise in one sentence "
    "what drives the sentiment."
)


@agent("sentiment_for_topic", task_run_name="topic_sentiment[{topic}]")
def sentiment_for_topic(topic: str, conversations: list[dict], llm: LLMSettings) -> TopicSentiment:
    """Sentiment mix of one topic's conversations, read in batches sent at once.

    A large topic's batches would otherwise go one after the other and be the last
    thing the run waits for; the client's limit still bounds the requests in flight.
    """
    requests = [
        LLMRequest(
            "read_sentiment",
            INSTRUCTIONS,
            {"topic": topic, "conversations": conversations[i : i + BATCH]},
            SentimentReading,
        )
        for i in range(0, len(conversations), BATCH)
    ]
    readings = llm_client(llm).complete_many(requests)
    scores = [score for reading in readings for score in reading.scores]
    return TopicSentiment(
        topic=topic,
        mix=shares(Counter(s.label for s in scores)),
        mean_score=round(fmean(s.score for s in scores), 3) if scores else 0.0,
        summary=" ".join(reading.summary for reading in readings[:1]),
        labels={s.id: s.label for s in scores},
    )


@agent("topic_sentiment")
def topic_sentiment(
    topics: Topics, conversations: list[Conversation], llm: LLMSettings, concurrency: int = 5
) -> Sentiment:
    """Run `sentiment_for_topic` for every topic, `concurrency` at a time."""
    parameters = {
        name: {"conversations": texts, "llm": llm}
        for name, texts in topic_texts(topics, conversations).items()
    }
    return Sentiment(topics=run_per_topic(sentiment_for_topic, parameters, concurrency))
