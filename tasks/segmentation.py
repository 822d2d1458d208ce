"""Agent 3: split the week by tier, by who handled it (Fin or people), channel, language and
the customer's country."""

from collections import Counter

from tasks.agent import agent
from tasks.models import Conversation, Segmentation
from tasks.percent import shares


@agent("segmentation")
def segmentation(conversations: list[Conversation]) -> Segmentation:
    """Count conversations per segment; every breakdown sums to 100%."""
    agents = Counter(name for c in conversations for name in c.admin_names)
    return Segmentation(
        total=len(conversations),
        tiers=shares(Counter(c.tier for c in conversations)),
        handling=shares(Counter(c.handling for c in conversations)),
        channels=shares(Counter(c.channel for c in conversations)),
        languages=shares(Counter(c.language for c in conversations)),
        countries=shares(Counter(c.country for c in conversations)),
        human_agents=shares(agents),
    )
