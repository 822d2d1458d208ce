"""Agent 5: the sub-topics within each topic, one task run per topic, in batches that fit."""

from collections import Counter

from tasks.agent import agent
from tasks.llm import Batched, LLMRequest, LLMSettings, answer_chars, llm_client
from tasks.models import Conversation, SubTopicLabels, SubTopics, Topics, TopicSubTopics
from tasks.per_topic import for_each_topic
from tasks.percent import shares
from tasks.taxonomy import Taxonomy

GENERAL = "General"
INSTRUCTIONS = (
    "You sort customer-support conversations about one topic into its sub-topics. For each "
    "conversation answer with one name from `sub_topics`, or 'General' if none fits."
)
# The answer's fixed part: `{"labels": []}`.
FRAME_TOKENS = 8


@agent("sub_topics_for_topic", task_run_name="sub_topic_detection[{topic}]")
def sub_topics_for_topic(
    topic: str, conversations: list[dict], sub_topics: list[dict], llm: LLMSettings
) -> TopicSubTopics:
    """Sub-topic of each of one topic's conversations, and their mix."""
    labels: dict[str, str] = {}
    if sub_topics and conversations:
        known = {s["name"] for s in sub_topics}
        request = LLMRequest(
            "classify_sub_topics",
            INSTRUCTIONS,
            {"topic": topic, "sub_topics": sub_topics},
            SubTopicLabels,
            max_output_tokens=FRAME_TOKENS,
        )
        longest = max([*known, GENERAL], key=len)
        job = Batched(request, conversations, answer_chars(conversations, sub_topic=longest))
        for reply in llm_client(llm).complete_batches(job):
            labels.update({lab.id: lab.sub_topic for lab in reply.labels if lab.sub_topic in known})
    every = {c["id"]: labels.get(c["id"], GENERAL) for c in conversations}
    return TopicSubTopics(topic=topic, mix=shares(Counter(every.values())), labels=every)


@agent("sub_topic_detection")
def sub_topic_detection(
    topics: Topics,
    conversations: list[Conversation],
    taxonomy: Taxonomy,
    llm: LLMSettings,
    concurrency: int = 5,
) -> SubTopics:
    """Run `sub_topics_for_topic` for every topic, `concurrency` at a time."""

    def sub_topics(name: str) -> dict:
        definition = taxonomy.topic(name)
        return {"sub_topics": [s.model_dump() for s in definition.sub_topics] if definition else []}

    found = for_each_topic(
        sub_topics_for_topic, topics, conversations, concurrency, of_topic=sub_topics, llm=llm
    )
    return SubTopics(topics=found)
