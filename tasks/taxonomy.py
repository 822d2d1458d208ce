"""The keyword taxonomy of topics and sub-topics, a JSON file users can edit."""

import json
from pathlib import Path

from pydantic import BaseModel, ValidationError

DEFAULT_TAXONOMY = Path(__file__).parent / "data" / "taxonomy.json"


class SubTopicDefinition(BaseModel):
    name: str
    keywords: list[str]


class TopicDefinition(BaseModel):
    name: str
    description: str = ""
    keywords: list[str]
    sub_topics: list[SubTopicDefinition] = []

    @property
    def terms(self) -> list[str]:
        """The topic's keywords and its sub-topics', each once: what its conversations name."""
        words = self.keywords + [k for sub in self.sub_topics for k in sub.keywords]
        return list(dict.fromkeys(words))


class Taxonomy(BaseModel):
    """Topics with the keywords that identify them."""

    topics: list[TopicDefinition]

    def topic(self, name: str) -> TopicDefinition | None:
        return next((t for t in self.topics if t.name == name), None)

    def terms_of(self, name: str) -> list[str]:
        """A topic's terms; none for a topic the taxonomy lacks (Other)."""
        definition = self.topic(name)
        return definition.terms if definition else []


def load_taxonomy(path: Path = DEFAULT_TAXONOMY) -> Taxonomy:
    """Read and check the taxonomy file."""
    try:
        return Taxonomy.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValidationError, json.JSONDecodeError) as exc:
        raise ValueError(f"taxonomy {path}: {str(exc).splitlines()[0]}") from exc
