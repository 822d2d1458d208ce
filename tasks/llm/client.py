"""`LLMClient`: structured-output calls over a provider, with every call's usage captured.

The capture lives here, at the one seam every call crosses (as httpx's event hooks
do), so agents never report usage by hand: each call, failed ones included, is
handed to the observers with its tokens, latency and attempt number.
"""

from functools import cache
from time import perf_counter
from typing import Protocol

from pydantic import ValidationError

from tasks.llm.types import LLMCall, LLMRequest, LLMSettings, Output, Reply, Usage
from tasks.observe import check_llm_call, notify_llm_call


class Provider(Protocol):
    """Anything that turns a request into a JSON reply with usage."""

    name: str

    def send(self, request: LLMRequest, model: str) -> Reply: ...


class LLMOutputError(ValueError):
    """The model's reply did not match the requested output schema."""


class LLMClient:
    """Calls one model of one provider and reports every call."""

    def __init__(self, provider: Provider, model: str) -> None:
        self.provider = provider
        self.model = model

    def complete(self, request: LLMRequest[Output]) -> Output:
        """Send the request and return the reply validated against `request.output`."""
        check_llm_call(self.provider.name, self.model, request)
        started = perf_counter()
        try:
            reply = self.provider.send(request, self.model)
        except Exception as exc:
            self._report(request, Usage(0, 0), started, error=str(exc))
            raise
        try:
            output = request.output.model_validate_json(reply.text)
        except ValidationError as exc:
            error = f"{request.purpose}: reply does not match {request.output.__name__}: {exc}"
            self._report(request, reply.usage, started, error=error.splitlines()[0])
            raise LLMOutputError(error) from exc
        self._report(request, reply.usage, started)
        return output

    def _report(
        self, request: LLMRequest, usage: Usage, started: float, error: str | None = None
    ) -> None:
        notify_llm_call(
            LLMCall(
                provider=self.provider.name,
                model=self.model,
                purpose=request.purpose,
                usage=usage,
                latency_ms=(perf_counter() - started) * 1000,
                error=error,
            )
        )


class UnknownProviderError(ValueError):
    """The settings name a provider this build does not have."""


@cache
def llm_client(settings: LLMSettings) -> LLMClient:
    """The shared client for these settings (one per process)."""
    from tasks.llm.local import LOCAL_MODEL, LocalProvider

    if settings.provider != "local":
        raise UnknownProviderError(f"unknown LLM provider {settings.provider!r}")
    if settings.model != LOCAL_MODEL:
        raise UnknownProviderError(
            f"unknown model {settings.model!r} for provider local (it has {LOCAL_MODEL!r})"
        )
    return LLMClient(LocalProvider(), settings.model)
