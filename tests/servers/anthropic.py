"""A fake Anthropic Messages server (`/v1/messages`) that answers with the forced tool call."""

import json
from itertools import count
from typing import Any

from tests.servers.answers import instance
from tests.servers.base import FakeServer, Reply, Seen
from tests.servers.openai import tokens


class FakeAnthropic(FakeServer):
    """Answers a forced tool call with an instance of its `input_schema`.

    Every reply reports `cache_read` and `cache_write` tokens apart from `input_tokens`,
    as Anthropic does.
    """

    def __init__(
        self, api_key: str = "sk-ant-test-0123456789", cache_read: int = 0, cache_write: int = 0
    ):
        super().__init__()
        self.api_key = api_key
        self.cache_read = cache_read
        self.cache_write = cache_write
        self.text_only = False  # answer with text instead of the tool call
        self._ids = count(1)

    def route(self, seen: Seen) -> Reply:
        if seen.method != "POST" or seen.path != "/v1/messages":
            return super().route(seen)
        if seen.headers.get("x-api-key") != self.api_key:
            error = {"type": "authentication_error", "message": "invalid x-api-key"}
            return Reply(401, {"type": "error", "error": error})
        if not seen.headers.get("anthropic-version"):
            error = {
                "type": "invalid_request_error",
                "message": "anthropic-version header is required",
            }
            return Reply(400, {"type": "error", "error": error})
        return Reply(200, self.message(seen.body))

    def message(self, body: dict[str, Any]) -> dict[str, Any]:
        tool = body["tools"][0]
        assert body["tool_choice"] == {"type": "tool", "name": tool["name"]}
        prompt = json.loads(body["messages"][0]["content"])
        answer = instance(tool["input_schema"], prompt)
        if self.text_only:
            content = [{"type": "text", "text": "I would rather chat."}]
        else:
            content = [
                {
                    "type": "tool_use",
                    "id": f"toolu_{next(self._ids)}",
                    "name": tool["name"],
                    "input": answer,
                }
            ]
        uncached = tokens(json.dumps(body)) - self.cache_read - self.cache_write
        return {
            "id": f"msg_{next(self._ids)}",
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": content,
            "stop_reason": "tool_use",
            "stop_sequence": None,
            "usage": {
                "input_tokens": max(1, uncached),
                "cache_creation_input_tokens": self.cache_write,
                "cache_read_input_tokens": self.cache_read,
                "output_tokens": tokens(json.dumps(answer)),
                "service_tier": "standard",
            },
        }
