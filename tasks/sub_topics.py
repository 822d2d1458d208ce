"""Agent 5: the sub-topics within each topic, one task run per topic."""

from collections import Counter

from tasks.agent import agent
from tasks.llm import LLMRequest, LLMSettings, llm_client
from tasks.models import Conversation, SubTopicLabels, SubTopics, Topics, TopicSubTopics
from tasks.per_topic import run_per_topic, topic_texts
from tasks.percent import shares
from tasks.taxonomy import Taxonomy

GENERAL = "General"
INSTRUCTIONS = (
    "You sort customer-support conversations about one topic into its sub-topics. For each "
    "conversation answer with one name from `sub_topics`, or 'General' if none fits."
)


@agent("sub_topics_for_topic", task_run_name="sub_topic_detection[{topic}]")
def sub_topics_for_topic(
    topic: str, conversations: list[dict], sub_topics: list[dict], llm: LLMSettings
) -> TopicSubTopics:
    """Sub-topic mix of one topic's conversations."""
    labels: dict[str, str] = {}
    if sub_topics:
        payload = {"topic": topic, "sub_topics": sub_topics, "conversations": conversations}
        reply = llm_client(llm).complete(
            LLMRequest("classify_sub_topics", INSTRUCTIONS, payload, SubTopicLabels)
        )
        known = {s["name"] for s in sub_topics}
        labels = {lab.id: lab.sub_topic for lab in reply.labels if lab.sub_topic in known}
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
    parameters = {}
    for name, texts in topic_texts(topics, conversations).items():
        definition = taxonomy.topic(name)
        sub_topics = [s.model_dump() for s in definition.sub_topics] if definition else []
        parameters[name] = {"conversations": texts, "sub_topics": sub_topics, "llm": llm}
    return SubTopics(topics=run_per_topic(sub_topics_for_topic, parameters, concurrency))
