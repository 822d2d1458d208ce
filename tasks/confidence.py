"""Agent 12: a 0-100 score for how far this week's findings can be trusted."""

from tasks.agent import agent
from tasks.models import Confidence, Conversation, Topics
from tasks.preprocess import MAX_MESSAGE_CHARS

ENOUGH_CONVERSATIONS = 200
WEIGHTS = {"volume": 0.3, "keyword_coverage": 0.3, "rated": 0.2, "english": 0.1, "unique": 0.1}


@agent("confidence")
def confidence(
    conversations: list[Conversation],
    duplicates_removed: int,
    topics: Topics,
    messages_truncated: int = 0,
) -> Confidence:
    """Weigh sample size, keyword coverage, ratings, language and duplicates into one score.

    The notes also say how many messages were cut before analysis (pasted dumps).
    """
    n = len(conversations)
    factors = {
        "volume": min(1.0, n / ENOUGH_CONVERSATIONS),
        "keyword_coverage": topics.by_keyword / n if n else 0.0,
        "rated": sum(c.rating is not None for c in conversations) / n if n else 0.0,
        "english": sum(c.language == "en" for c in conversations) / n if n else 0.0,
        "unique": n / (n + duplicates_removed) if n else 0.0,
    }
    notes = [f"{topics.by_llm} conversations classified by the model, not by keywords"]
    if n < ENOUGH_CONVERSATIONS:
        notes.append(f"only {n} conversations (fewer than {ENOUGH_CONVERSATIONS})")
    if messages_truncated:
        notes.append(
            f"{messages_truncated} messages over {MAX_MESSAGE_CHARS:,} characters were cut "
            "before analysis (pasted logs or dumps)"
        )
    score = round(100 * sum(WEIGHTS[k] * v for k, v in factors.items()))
    return Confidence(
        score=score, factors={k: round(v, 3) for k, v in factors.items()}, notes=notes
    )
