"""Text helpers shared by the agents and the offline provider: HTML to text, keyword matching."""

import html
import re
from collections.abc import Iterable
from functools import lru_cache

# `[^<>]`, not `[^>]`: a long run of "<" without ">" would otherwise be rescanned from each one.
_TAG = re.compile(r"<[^<>]+>")
_BREAK = re.compile(r"<\s*(br|/p|/div|/li)\s*/?>", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


def html_to_text(body: str | None) -> str:
    """Plain text of an HTML message body: tags dropped, entities decoded, whitespace folded."""
    if not body:
        return ""
    text = _BREAK.sub(" ", body)
    text = _TAG.sub(" ", text)
    return _SPACE.sub(" ", html.unescape(text)).strip()


@lru_cache(maxsize=4096)
def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + re.escape(phrase.lower()) + r"(?!\w)")


def keywords_found(text: str, keywords: Iterable[str]) -> list[str]:
    """The keywords (words or phrases) that occur as whole words in the text."""
    lowered = text.lower()
    # The substring test is cheap and rules out most keywords before the regex runs.
    return [
        keyword
        for keyword in keywords
        if keyword.lower() in lowered and _phrase_pattern(keyword).search(lowered)
    ]


def keyword_hits(text: str, keywords: Iterable[str]) -> int:
    """How many of the keywords (words or phrases) occur as whole words in the text."""
    return len(keywords_found(text, keywords))


def estimate_tokens(text: str) -> int:
    """A rough token count (about four characters a token), for providers that report none."""
    return max(1, round(len(text) / 4))


_GREETING = re.compile(
    r"^(hi|hello|hey|dear|good (morning|afternoon|evening)|hola|hallo|bonjour|buenos días)"
    r"\b[^,.!]{0,30}[,.!]\s*",
    re.IGNORECASE,
)


def sentences(text: str, limit: int = 220) -> list[str]:
    """The text's sentences without a leading greeting, each cut at `limit` characters."""
    found = []
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        sentence = _GREETING.sub("", sentence.strip())
        if len(sentence) > limit:
            sentence = sentence[:limit].rsplit(" ", 1)[0] + "…"
        if sentence:
            found.append(sentence)
    return found
