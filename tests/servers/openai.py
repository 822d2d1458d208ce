"""A fake OpenAI Chat Completions server (`/v1/chat/completions`), real-shaped replies and usage.

It holds to a model's limits as OpenAI does (`context` and `output_cap`, gpt-4o-mini's
by default): a `max_completion_tokens` (or `max_tokens`) above the output cap is a
400; a prompt that with it passes the context window is the 400 OpenAI sends,
`code: context_length_exceeded`; an answer longer than its cap is cut there, with
`finish_reason: "length"`. Error bodies follow OpenAI's `{"error": {message, type,
param, code}}`.
"""

import json
from collections import deque
from itertools import count
from typing import Any
from urllib.parse import urlsplit

from tests.servers import tokens as tokenizer
from tests.servers.answers import answer
from tests.servers.base import FakeServer, Reply, Seen

# Tokens OpenAI adds per message (role and separators) and to prime the reply.
PER_MESSAGE = 3
REPLY_PRIMING = 3


def tokens(text: str) -> int:
    """The fake providers' token count of `text`."""
    return tokenizer.count(text)


def prompt_tokens(body: dict[str, Any]) -> int:
    """The request's prompt tokens: every message, and the response format's schema."""
    messages = body.get("messages", [])
    counted = sum(tokens(str(m.get("content", ""))) + PER_MESSAGE for m in messages)
    schema = body.get("response_format", {}).get("json_schema")
    return counted + REPLY_PRIMING + (tokens(json.dumps(schema)) if schema else 0)


def invalid_request(message: str, param: str | None, code: str | None) -> Reply:
    error = {"message": message, "type": "invalid_request_error", "param": param, "code": code}
    return Reply(400, {"error": error})


class FakeOpenAI(FakeServer):
    """Answers structured-output requests from their `response_format` schema.

    Prompts of 1024 tokens or more report half their tokens (in 128s) as cached, the
    way OpenAI's automatic prompt caching does; `reasoning_tokens` are added to the
    completion tokens of every reply (and count against its cap).
    """

    def __init__(
        self,
        api_key: str | None = "sk-test-0123456789abcdef",
        reasoning_tokens: int = 0,
        context: int = 128_000,
        output_cap: int = 16_384,
    ):
        super().__init__()
        self.api_key = api_key
        self.reasoning_tokens = reasoning_tokens
        self.context = context
        self.output_cap = output_cap
        self.contents: deque[str] = deque()  # reply texts to send before schema instances
        self.usages: list[dict] = []  # the usage of every reply, as sent
        self.refused_for_context = 0
        self.cut = 0
        self._ids = count(1)

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def route(self, seen: Seen) -> Reply:
        if seen.method != "POST" or not urlsplit(seen.path).path.endswith("/v1/chat/completions"):
            return super().route(seen)
        if self.api_key and seen.headers.get("authorization") != f"Bearer {self.api_key}":
            given = seen.headers.get("authorization", "")[7:]
            message = f"Incorrect API key provided: {given[:3]}***{given[-4:]}."
            error = {"message": message, "type": "invalid_request_error", "code": "invalid_api_key"}
            return Reply(401, {"error": error})
        prompt = prompt_tokens(seen.body)  # counted once: a long prompt takes a while
        return self.over_limits(seen.body, prompt) or Reply(200, self.completion(seen.body, prompt))

    def requested_cap(self, body: dict[str, Any]) -> int:
        return body.get("max_completion_tokens") or body.get("max_tokens") or self.output_cap

    def over_limits(self, body: dict[str, Any], prompt: int) -> Reply | None:
        """OpenAI's 400 for an output cap above the model's, or a request past its context."""
        cap = self.requested_cap(body)
        if cap > self.output_cap:
            return invalid_request(
                f"max_tokens is too large: {cap}. This model supports at most "
                f"{self.output_cap} completion tokens, whereas you provided {cap}.",
                "max_tokens",
                None,
            )
        if prompt + cap > self.context:
            with self._lock:
                self.refused_for_context += 1
            return invalid_request(
                f"This model's maximum context length is {self.context} tokens. However, you "
                f"requested {prompt + cap} tokens ({prompt} in the messages, {cap} in the "
                "completion). Please reduce the length of the messages or completion.",
                "messages",
                "context_length_exceeded",
            )
        return None

    def completion(self, body: dict[str, Any], prompt_count: int) -> dict[str, Any]:
        schema = body["response_format"]["json_schema"]["schema"]
        prompt = next(m["content"] for m in body["messages"] if m["role"] == "user")
        content = self.contents.popleft() if self.contents else answer(schema, prompt)
        cached = (prompt_count // 2) // 128 * 128 if prompt_count >= 1024 else 0
        room = self.requested_cap(body) - self.reasoning_tokens
        finish, answer_tokens = "stop", tokens(content)
        if answer_tokens > room:
            content, finish, answer_tokens = tokenizer.cut(content, max(0, room)), "length", room
            with self._lock:
                self.cut += 1
        completion_tokens = max(0, answer_tokens) + self.reasoning_tokens
        usage = {
            "prompt_tokens": prompt_count,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_count + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": self.reasoning_tokens,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        }
        with self._lock:
            self.usages.append(usage)
        return {
            "id": f"chatcmpl-{next(self._ids)}",
            "object": "chat.completion",
            "created": 1_763_337_600,
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": None},
                    "logprobs": None,
                    "finish_reason": finish,
                }
            ],
            "usage": usage,
            "service_tier": "default",
            "system_fingerprint": "fp_fake",
        }
