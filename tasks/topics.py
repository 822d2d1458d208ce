"""Agent 4: a topic for every conversation, keywords first and the model for the rest."""

from collections import Counter

from tasks.agent import agent
from tasks.llm import Batched, LLMRequest, LLMSettings, answer_chars, llm_client
from tasks.models import Conversation, TopicLabels, Topics
from tasks.percent import shares
from tasks.taxonomy import Taxonomy
from tasks.text import keyword_hits

OTHER = "Other"
# The answer's fixed part: `{"labels": []}`.
FRAME_TOKENS = 8
INSTRUCTIONS = (
    "You classify customer-support conversations. For each conversation, answer with the "
    "name of the one topic from `topics` it is mostly about, or 'Other' if none fits."
)


def keyword_topic(text: str, taxonomy: Taxonomy) -> str | None:
    """The topic with the most keyword hits; None when no keyword occurs."""
    hits = [(keyword_hits(text, t.keywords), t.name) for t in taxonomy.topics]
    best = max(hits, key=lambda pair: pair[0], default=(0, None))
    return best[1] if best[0] else None


def classify_with_llm(
    conversations: list[Conversation], taxonomy: Taxonomy, llm: LLMSettings
) -> dict[str, str]:
    """Ask the model about conversations the keywords left unclassified, batches at once."""
    known = {t.name for t in taxonomy.topics}
    topics = [t.model_dump(exclude={"sub_topics"}) for t in taxonomy.topics]
    # The taxonomy comes first in every request: the same prefix each time, so cacheable.
    request = LLMRequest(
        "classify_topics", INSTRUCTIONS, {"topics": topics}, TopicLabels, FRAME_TOKENS
    )
    items = [{"id": c.id, "text": c.customer_text[:1500]} for c in conversations]
    longest = max([*known, OTHER], key=len)
    job = Batched(request, items, answer_chars(items, topic=longest))
    answers: dict[str, str] = {}
    for reply in llm_client(llm).complete_batches(job):
        answers.update({label.id: label.topic for label in reply.labels if label.topic in known})
    return {c.id: answers.get(c.id, OTHER) for c in conversations}


@agent("topic_detection")
def topic_detection(
    conversations: list[Conversation], taxonomy: Taxonomy, llm: LLMSettings
) -> Topics:
    """Assign topics and report the mix."""
    assignments: dict[str, str] = {}
    leftovers: list[Conversation] = []
    for conversation in conversations:
        topic = keyword_topic(conversation.customer_text, taxonomy)
        if topic:
            assignments[conversation.id] = topic
        else:
            leftovers.append(conversation)
    if leftovers:
        assignments.update(classify_with_llm(leftovers, taxonomy, llm))
    return Topics(
        assignments=assignments,
        mix=shares(Counter(assignments.values())),
        by_keyword=len(conversations) - len(leftovers),
        by_llm=len(leftovers),
    )
