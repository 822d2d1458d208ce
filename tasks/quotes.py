"""Agent 7: a few representative customer quotes per topic, one task run per topic."""

from tasks.agent import agent
from tasks.llm import LLMRequest, LLMSettings, llm_client
from tasks.models import Conversation, Quotes, QuoteSelection, TopicQuotes, Topics
from tasks.per_topic import run_per_topic, topic_texts
from tasks.taxonomy import Taxonomy

LIMIT = 3
INSTRUCTIONS = (
    "Pick up to `limit` short verbatim quotes from these customer messages that best show "
    "what customers say about the topic: sentences about it (`terms` are the words that name "
    "it), not greetings or thanks. Copy the words exactly; do not paraphrase."
)


@agent("quotes_for_topic", task_run_name="example_quotes[{topic}]")
def quotes_for_topic(
    topic: str, conversations: list[dict], terms: list[str], llm: LLMSettings
) -> TopicQuotes:
    """Quotes for one topic; any quote not found verbatim in its conversation is dropped."""
    payload = {"topic": topic, "terms": terms, "limit": LIMIT, "conversations": conversations}
    reply = llm_client(llm).complete(
        LLMRequest("select_quotes", INSTRUCTIONS, payload, QuoteSelection)
    )
    texts = {c["id"]: c["text"] for c in conversations}
    verbatim = [q for q in reply.quotes if q.text.rstrip("…") in texts.get(q.conversation_id, "")]
    return TopicQuotes(topic=topic, quotes=verbatim[:LIMIT])


@agent("example_quotes")
def example_quotes(
    topics: Topics,
    conversations: list[Conversation],
    taxonomy: Taxonomy,
    llm: LLMSettings,
    concurrency: int = 5,
) -> Quotes:
    """Run `quotes_for_topic` for every topic, `concurrency` at a time."""
    parameters = {}
    for name, texts in topic_texts(topics, conversations, opening_only=True).items():
        definition = taxonomy.topic(name)
        terms = definition.terms if definition else []
        parameters[name] = {"conversations": texts, "terms": terms, "llm": llm}
    return Quotes(topics=run_per_topic(quotes_for_topic, parameters, concurrency))
