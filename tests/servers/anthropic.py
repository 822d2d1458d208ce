"""A fake Anthropic Messages server (`/v1/messages`) that answers with the forced tool call.

It holds to a model's limits as Anthropic does (`context` and `output_cap`,
claude-haiku-4-5's by default): `max_tokens` above the output cap, a prompt past the
context window ("prompt is too long: N tokens > M maximum"), or a prompt that with
`max_tokens` passes it are each a 400 `invalid_request_error`; an answer longer than
`max_tokens` stops there, `stop_reason: "max_tokens"`, its tool input unfinished.
"""

import json
from itertools import count
from typing import Any

from tests.servers.answers import instance
from tests.servers.base import FakeServer, Reply, Seen
from tests.servers.openai import tokens


def invalid_request(message: str) -> Reply:
    error = {"type": "invalid_request_error", "message": message}
    return Reply(400, {"type": "error", "error": error, "request_id": "req_fake"})


class FakeAnthropic(FakeServer):
    """Answers a forced tool call with an instance of its `input_schema`.

    Every reply reports `cache_read` and `cache_write` tokens apart from `input_tokens`,
    as Anthropic does.
    """

    def __init__(
        self,
        api_key: str = "sk-ant-test-0123456789",
        cache_read: int = 0,
        cache_write: int = 0,
        context: int = 200_000,
        output_cap: int = 64_000,
    ):
        super().__init__()
        self.api_key = api_key
        self.context = context
        self.output_cap = output_cap
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
        return self.over_limits(seen.body) or Reply(200, self.message(seen.body))

    def over_limits(self, body: dict[str, Any]) -> Reply | None:
        """Anthropic's 400s for a request past the model's output cap or context window."""
        cap = body["max_tokens"]
        if cap > self.output_cap:
            return invalid_request(
                f"max_tokens: {cap} > {self.output_cap}, which is the maximum allowed number "
                f"of output tokens for {body['model']}"
            )
        prompt = self.prompt_tokens(body)
        if prompt > self.context:
            return invalid_request(f"prompt is too long: {prompt} tokens > {self.context} maximum")
        if prompt + cap > self.context:
            return invalid_request(
                f"input length and `max_tokens` exceed context limit: {prompt} + {cap} > "
                f"{self.context}, decrease input length or `max_tokens` and try again"
            )
        return None

    def prompt_tokens(self, body: dict[str, Any]) -> int:
        """The system prompt, messages and tool definitions, as Anthropic counts input."""
        parts = [body.get("system", ""), json.dumps(body["messages"]), json.dumps(body["tools"])]
        return sum(tokens(part) for part in parts)

    def message(self, body: dict[str, Any]) -> dict[str, Any]:
        tool = body["tools"][0]
        assert body["tool_choice"] == {"type": "tool", "name": tool["name"]}
        prompt = json.loads(body["messages"][0]["content"])
        answer = instance(tool["input_schema"], prompt)
        stop, output = "tool_use", tokens(json.dumps(answer))
        if output > body["max_tokens"]:
            # Cut mid-way through the tool's input: what arrived is not a finished object.
            stop, output, answer = "max_tokens", body["max_tokens"], {}
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
        uncached = self.prompt_tokens(body) - self.cache_read - self.cache_write
        return {
            "id": f"msg_{next(self._ids)}",
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": content,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": {
                "input_tokens": max(1, uncached),
                "cache_creation_input_tokens": self.cache_write,
                "cache_read_input_tokens": self.cache_read,
                "output_tokens": output,
                "service_tier": "standard",
            },
        }
