"""Agent 7: a few representative customer quotes per topic, one task run per topic.

A topic too large for one request is read map-reduce: candidates are picked from each
batch of its conversations, then the final quotes from among the candidates. Every
quote is checked against the conversation it came from: one not found there verbatim
is dropped.
"""

from tasks.agent import agent
from tasks.llm import Batched, LLMRequest, LLMSettings, llm_client
from tasks.models import Conversation, Quote, Quotes, QuoteSelection, TopicQuotes, Topics
from tasks.per_topic import for_each_topic
from tasks.taxonomy import Taxonomy

LIMIT = 3
INSTRUCTIONS = (
    "Pick up to `limit` short verbatim quotes from these customer messages that best show "
    "what customers say about the topic: sentences about it (`terms` are the words that name "
    "it), not greetings or thanks. Copy the words exactly; do not paraphrase."
)
# One quote, at most a long sentence, with its conversation id and sentiment.
QUOTE_TOKENS = 100


def verbatim(selections: list[QuoteSelection], texts: dict[str, str]) -> list[Quote]:
    """The selections' quotes that occur word for word in the conversation they name."""
    return [
        quote
        for selection in selections
        for quote in selection.quotes
        if quote.text.rstrip("…") in texts.get(quote.conversation_id, "")
    ]


@agent("quotes_for_topic", task_run_name="example_quotes[{topic}]")
def quotes_for_topic(
    topic: str, conversations: list[dict], terms: list[str], llm: LLMSettings
) -> TopicQuotes:
    """Quotes for one topic, picked from candidates when its conversations took several batches."""
    if not conversations:
        return TopicQuotes(topic=topic, quotes=[])
    client = llm_client(llm)
    request = LLMRequest(
        "select_quotes",
        INSTRUCTIONS,
        {"topic": topic, "terms": terms, "limit": LIMIT},
        QuoteSelection,
        max_output_tokens=QUOTE_TOKENS * LIMIT,
    )
    texts = {c["id"]: c["text"] for c in conversations}
    selections = client.complete_batches(Batched(request, conversations))
    quotes = verbatim(selections, texts)
    if len(selections) > 1 and len(quotes) > LIMIT:
        candidates = [{"id": q.conversation_id, "text": q.text} for q in quotes]
        quotes = verbatim(client.complete_batches(Batched(request, candidates)), texts)
    return TopicQuotes(topic=topic, quotes=quotes[:LIMIT])


@agent("example_quotes")
def example_quotes(
    topics: Topics,
    conversations: list[Conversation],
    taxonomy: Taxonomy,
    llm: LLMSettings,
    concurrency: int = 5,
) -> Quotes:
    """Run `quotes_for_topic` for every topic, `concurrency` at a time, on the customers'
    first messages, where the complaint is (later messages are mostly thanks)."""
    found = for_each_topic(
        quotes_for_topic,
        topics,
        conversations,
        concurrency,
        opening_only=True,
        of_topic=lambda name: {"terms": taxonomy.terms_of(name)},
        llm=llm,
    )
    return Quotes(topics=found)
