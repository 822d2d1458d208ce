"""A fake OpenAI Chat Completions server (`/v1/chat/completions`), real-shaped replies and usage."""

import json
from collections import deque
from itertools import count
from typing import Any
from urllib.parse import urlsplit

from tests.servers.answers import answer
from tests.servers.base import FakeServer, Reply, Seen


def tokens(text: str) -> int:
    return max(1, len(text) // 4)


class FakeOpenAI(FakeServer):
    """Answers structured-output requests from their `response_format` schema.

    Prompts of 1024 tokens or more report half their tokens (in 128s) as cached, the
    way OpenAI's automatic prompt caching does; `reasoning_tokens` are added to the
    completion tokens of every reply.
    """

    def __init__(self, api_key: str | None = "sk-test-0123456789abcdef", reasoning_tokens: int = 0):
        super().__init__()
        self.api_key = api_key
        self.reasoning_tokens = reasoning_tokens
        self.contents: deque[str] = deque()  # reply texts to send before schema instances
        self.usages: list[dict] = []  # the usage of every reply, as sent
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
        return Reply(200, self.completion(seen.body))

    def completion(self, body: dict[str, Any]) -> dict[str, Any]:
        schema = body["response_format"]["json_schema"]["schema"]
        prompt = next(m["content"] for m in body["messages"] if m["role"] == "user")
        content = self.contents.popleft() if self.contents else answer(schema, prompt)
        prompt_tokens = tokens(json.dumps(body["messages"]))
        cached = (prompt_tokens // 2) // 128 * 128 if prompt_tokens >= 1024 else 0
        completion_tokens = tokens(content) + self.reasoning_tokens
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": self.reasoning_tokens,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        }
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
                    "finish_reason": "stop",
                }
            ],
            "usage": usage,
            "service_tier": "default",
            "system_fingerprint": "fp_fake",
        }
