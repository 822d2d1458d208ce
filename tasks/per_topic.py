"""Run one task per topic, a bounded number at a time, from inside an agent."""

from collections.abc import Callable
from typing import Any

from prefect import Task
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.transactions import CommitMode, transaction
from prefect.utilities.annotations import opaque

from tasks.models import Conversation, Topics


def topic_texts(
    topics: Topics, conversations: list[Conversation], opening_only: bool = False
) -> dict[str, list[dict]]:
    """Each topic's conversations as the `{id, text}` items sent to a model.

    The text is everything the customer wrote, or with `opening_only` just their first
    message, where the complaint is (later messages are mostly thanks).
    """
    texts = {
        c.id: (c.opening_text if opening_only else c.customer_text)[:1500] for c in conversations
    }
    grouped: dict[str, list[dict]] = {share.name: [] for share in topics.mix}
    for conversation_id, topic in topics.assignments.items():
        grouped[topic].append({"id": conversation_id, "text": texts[conversation_id]})
    return grouped


def _opaque(parameters: dict[str, Any]) -> dict[str, Any]:
    return {name: opaque(value) for name, value in parameters.items()}


def run_per_topic(child: Task, parameters: dict[str, dict[str, Any]], limit: int) -> list[Any]:
    """Submit `child(topic=name, **parameters[name])` per topic; results in the same order."""
    # Task runs started inside a task join its transaction and would persist their
    # results only when it commits; an eager transaction of their own persists each
    # topic's result as it finishes, so a resume after a crash mid-way reuses them.
    with (
        transaction(commit_mode=CommitMode.EAGER),
        ThreadPoolTaskRunner(max_workers=limit) as runner,
    ):
        # `opaque`: the parameters are plain data, which Prefect need not walk through
        # item by item looking for futures (twice per task run).
        futures = [
            runner.submit(child, parameters={"topic": topic, **_opaque(params)})
            for topic, params in parameters.items()
        ]
        return [future.result() for future in futures]


def for_each_topic(
    child: Task,
    topics: Topics,
    conversations: list[Conversation],
    limit: int,
    *,
    opening_only: bool = False,
    of_topic: Callable[[str], dict[str, Any]] = lambda name: {},
    **shared: Any,
) -> list[Any]:
    """`child(topic=name, conversations=its texts, **of_topic(name), **shared)` for every
    topic of the mix, `limit` at a time; the results in the mix's order."""
    parameters = {
        name: {"conversations": texts, **of_topic(name), **shared}
        for name, texts in topic_texts(topics, conversations, opening_only).items()
    }
    return run_per_topic(child, parameters, limit)
