"""Token counts guessed before a request is sent, and learned from what the provider counted.

The guess starts at about four characters a token (three for a JSON answer, whose
ids and punctuation tokenize densely) and is corrected from the tokens the provider
reports for the replies it has already sent: the ratio of characters sent to prompt
tokens counted, over every call the client has made.
"""

import json
import threading
from functools import lru_cache
from json.encoder import encode_basestring
from math import ceil

from pydantic import BaseModel

from tasks.llm.schema import output_schema
from tasks.llm.types import LLMRequest

PROMPT_CHARS_PER_TOKEN = 4.0
ANSWER_CHARS_PER_TOKEN = 3.0
# What a provider adds around the messages (roles, separators), in characters.
FRAMING_CHARS = 64


@lru_cache(maxsize=64)
def schema_chars(output: type[BaseModel]) -> int:
    """Characters of the output's JSON schema, which providers count as prompt."""
    return len(json.dumps(output_schema(output)))


_encode = json.JSONEncoder(ensure_ascii=False).encode


def json_chars(item: dict) -> int:
    """Characters of `json.dumps(item, ensure_ascii=False)`, worked out without writing it
    for the usual item, strings by strings (`{id, text}`): a batch's items are measured by
    the ten thousand, and `json.dumps` builds an encoder for every call."""
    if not all(type(k) is str and type(v) is str for k, v in item.items()):
        return len(_encode(item))
    # `{"k": "v", "k2": "v2"}`: braces, each pair's `: ` and the `, ` between pairs.
    pairs = sum(len(encode_basestring(k)) + len(encode_basestring(v)) for k, v in item.items())
    return 2 + pairs + 4 * len(item) - 2 * bool(item)


def request_chars(request: LLMRequest) -> int:
    """Every character the provider reads for this request: instructions, messages, schema."""
    sent = sum(len(message["content"]) for message in request.messages())
    return len(request.instructions) + sent + schema_chars(request.output) + FRAMING_CHARS


class TokenRatio:
    """Characters a token, as first assumed and then as the provider's counts show it."""

    def __init__(self, assumed: float) -> None:
        self.assumed = assumed
        self._chars = 0
        self._tokens = 0
        self._lock = threading.Lock()

    @property
    def learned(self) -> bool:
        """Whether any reported count has corrected the assumption yet."""
        return self._tokens > 0

    def chars_per_token(self) -> float:
        with self._lock:
            return self._chars / self._tokens if self._tokens else self.assumed

    def tokens(self, chars: int) -> int:
        """The estimated tokens of `chars` characters."""
        return ceil(chars / self.chars_per_token())

    def learn(self, chars: int, tokens: int) -> None:
        """The provider counted `tokens` tokens for `chars` characters."""
        if chars <= 0 or tokens <= 0:
            return
        with self._lock:
            self._chars += chars
            self._tokens += tokens
