"""The outside services the agents reach: one small HTTP client and what it stands on.

`http` (the service client), `retry` (the one backoff policy), `limits` (requests in
flight and per minute), `credentials` (keys and base URLs), `errors`; `intercom` and
`gamma` are the clients of those two APIs. The LLM providers live in `tasks.llm`.
Nothing is imported here, so reading a key never pulls in httpx.
"""
