"""`LLMClient`: structured-output calls over a provider, retried, rate limited, and observed.

The capture lives here, at the one seam every call crosses (as httpx's event hooks
do), so agents never report usage by hand: every attempt, failed ones included, is
handed to the observers with its own attempt number, tokens, latency and error.

An attempt that fails in transit (429, 5xx, a timeout) is retried by the services'
one policy (`tasks.services.retry`): exponential backoff and jitter, waiting at least
what Retry-After asks; 400/401/403/404 fail at once. A reply that does not match the
output model is not an HTTP failure: it is asked again once, here, with the
validation error fed back to the model, then fails the agent.

Requests are sized to the model (`tasks.llm.limits`): every output cap leaves a
reasoning model room to reason, and work over many items (`complete_batches`) goes in
batches that fit, estimated from what the provider counted for this client's earlier
calls. A batch whose reply is cut at its cap, or whose prompt is refused as too long,
is split in two and each half sent again.
"""

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from dataclasses import dataclass, replace
from functools import partial
from itertools import count
from time import perf_counter
from typing import Any, Protocol

from pydantic import ValidationError

from tasks.llm.batched import Batched, Sizer, reasoning_room, restore, shortened
from tasks.llm.errors import (
    LLMOutputError,
    MalformedReply,
    ReplyCut,
    TooLarge,
    UnknownProviderError,
)
from tasks.llm.estimate import (
    ANSWER_CHARS_PER_TOKEN,
    PROMPT_CHARS_PER_TOKEN,
    TokenRatio,
    request_chars,
)
from tasks.llm.limits import ModelLimits, model_limits, warn_if_assumed
from tasks.llm.types import (
    LOCAL_MODEL,
    NO_USAGE,
    LLMCall,
    LLMRequest,
    LLMSettings,
    Output,
    Reply,
    Usage,
)
from tasks.observe import check_llm_call, notify_llm_call
from tasks.services.credentials import (
    ANTHROPIC,
    OPENAI,
    Credentials,
    Service,
    require_key,
    resolve,
)
from tasks.services.errors import ServiceError, scrub
from tasks.services.limits import RateLimiter, shared_limiter
from tasks.services.retry import Backoff

DEFAULT_MODELS = {"local": LOCAL_MODEL, "openai": "gpt-4o-mini", "anthropic": "claude-haiku-4-5"}
# Requests per minute when the settings do not say: each provider's entry-tier limit.
DEFAULT_RPM = {"openai": 500, "anthropic": 50}
ERRORS_SHOWN = 3


class Provider(Protocol):
    """Anything that turns a request into a JSON reply with usage."""

    name: str

    def send(self, request: LLMRequest, model: str) -> Reply: ...


def describe(error: ValidationError) -> str:
    """A validation error on one line: how many problems, and the first few with their place."""
    problems = [
        f"{'.'.join(map(str, e['loc'])) or 'reply'}: {e['msg']}"
        for e in error.errors()[:ERRORS_SHOWN]
    ]
    return f"{error.error_count()} problem(s): " + "; ".join(problems)


@dataclass
class _Attempt:
    """One attempt's number and the time of its HTTP request alone, not of waiting for a slot."""

    number: int
    started: float | None = None
    reply: Reply = Reply("", NO_USAGE)  # set once the provider answers

    def start(self) -> None:
        self.started = perf_counter()

    def ms(self) -> float:
        return 0.0 if self.started is None else (perf_counter() - self.started) * 1000


class LLMClient:
    """Calls one model of one provider, within the provider's limits, and reports every attempt."""

    def __init__(
        self,
        provider: Provider,
        model: str,
        limiter: RateLimiter | None = None,
        backoff: Backoff | None = None,
        limits: ModelLimits | None = None,
    ) -> None:
        self.provider = provider
        self.model = model
        self.limiter = limiter or RateLimiter(concurrency=1)
        self.backoff = backoff or Backoff()
        self.sizer = Sizer(
            limits or model_limits(LLMSettings(model=model)),
            TokenRatio(PROMPT_CHARS_PER_TOKEN),
            TokenRatio(ANSWER_CHARS_PER_TOKEN),
        )

    @property
    def concurrency(self) -> int:
        """How many requests this client sends at once."""
        return self.limiter.concurrency

    def complete(self, request: LLMRequest[Output]) -> Output:
        """Send the request and return the reply validated against `request.output`.

        A reply cut at its cap is asked once more with the model's whole output cap.
        """
        try:
            return self._complete(request)
        except ReplyCut:
            whole = self.sizer.limits.output
            if self._sized(request).max_output_tokens >= whole:
                raise
            return self._complete(replace(request, max_output_tokens=whole))

    def complete_many(self, requests: Sequence[LLMRequest[Output]]) -> list[Output]:
        """`complete` each request, as many at once as the provider's limit allows; in order."""
        return self._each(self.complete, requests)

    def complete_batches(self, job: Batched[Output]) -> list[Output]:
        """The job's request for all its items, in batches that fit the model; the replies
        in the items' order (one a batch, two for a batch that had to be split)."""
        batches = self.sizer.batches(job, self.concurrency)
        replies = self._each(partial(self._complete_fitting, job), batches)
        return [reply for group in replies for reply in group]

    def _complete_fitting(self, job: Batched[Output], items: list[dict[str, Any]]) -> list[Output]:
        """The batch's reply, or the replies of its halves if the model found it too large."""
        request, ids = job.of(items, self.sizer.answer_tokens(job, len(items)))
        try:
            return [restore(self._complete(request), ids)]
        except TooLarge:
            if len(items) == 1:
                cut = shortened(job, items[0])
                if cut is None:
                    raise
                return self._complete_fitting(job, [cut])
        half = len(items) // 2
        return self._complete_fitting(job, items[:half]) + self._complete_fitting(job, items[half:])

    def _each(self, complete: Callable[[Any], Any], inputs: Sequence[Any]) -> list[Any]:
        """`complete(x)` for each input, as many at once as the provider allows; in order."""
        if len(inputs) < 2 or self.concurrency < 2:
            return [complete(x) for x in inputs]
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(inputs))) as pool:
            # Each thread runs in a copy of this context, so the monitor still sees the
            # task run the calls belong to.
            futures = [pool.submit(copy_context().run, complete, x) for x in inputs]
            try:
                return [future.result() for future in futures]
            except BaseException:
                for future in futures:
                    future.cancel()
                raise

    def _complete(self, request: LLMRequest[Output]) -> Output:
        """One validated reply; bad output is fed back once, a too-large request raises."""
        request = self._sized(request)
        numbers = count(1)
        while True:
            try:
                attempt = self.backoff.run(
                    partial(self._attempt, request, numbers), self._cool_down
                )
            except MalformedReply as error:
                request = self._correct(request, error.text, str(error))
                continue
            reply = attempt.reply
            try:
                output = request.output.model_validate_json(reply.text)
            except ValidationError as exc:
                problem = f"reply does not match {request.output.__name__}: {describe(exc)}"
                self._report(request, reply.usage, attempt, f"{request.purpose}: {problem}")
                request = self._correct(request, reply.text, problem)
                continue
            self._report(request, reply.usage, attempt)
            self._learn(request, reply)
            return output

    def _sized(self, request: LLMRequest[Output]) -> LLMRequest[Output]:
        """The request with its output cap: its answer, room to reason, within the model's."""
        limits = self.sizer.limits
        warn_if_assumed(self.model, limits)
        answer = min(request.max_output_tokens, limits.output)
        cap = min(limits.output, answer + reasoning_room(limits, answer))
        return (
            request if cap == request.max_output_tokens else replace(request, max_output_tokens=cap)
        )

    def _learn(self, request: LLMRequest, reply: Reply) -> None:
        """Correct the token estimates from what the provider counted for this call."""
        usage = reply.usage
        if usage.estimated:
            return
        self.sizer.prompt.learn(request_chars(request), usage.input_tokens)
        self.sizer.answer.learn(len(reply.text), usage.output_tokens - usage.reasoning_tokens)

    def _attempt(self, request: LLMRequest, numbers: Iterator[int]) -> _Attempt:
        """One provider request within the limiter; a failed one is reported here."""
        attempt = _Attempt(next(numbers))
        check_llm_call(self.provider.name, self.model, request)
        try:
            with self.limiter.slot():
                attempt.start()
                attempt.reply = self.provider.send(request, self.model)
        except ServiceError as error:
            self._report(request, NO_USAGE, attempt, str(error))
            raise
        except (MalformedReply, TooLarge) as error:
            self._report(request, error.usage, attempt, str(error))
            raise
        except Exception as exc:
            self._report(request, NO_USAGE, attempt, scrub(f"{exc}") or repr(exc))
            raise
        return attempt

    def _cool_down(self, error: ServiceError) -> None:
        if error.retry_after is not None:
            self.limiter.cool_down(error.retry_after)  # the limit is the provider's, not ours

    def _correct(self, request: LLMRequest[Output], reply: str, problem: str) -> LLMRequest:
        """The request again with the problem fed back, or `LLMOutputError` if it was already."""
        if request.feedback is not None:
            raise LLMOutputError(
                f"{self.provider.name} {self.model}: {request.purpose}: {problem} "
                "(also after feeding the error back)"
            ) from None
        return request.retry_with(reply, problem)

    def _report(
        self,
        request: LLMRequest,
        usage: Usage,
        attempt: _Attempt,
        error: str | None = None,
    ) -> None:
        notify_llm_call(
            LLMCall(
                provider=self.provider.name,
                model=self.model,
                purpose=request.purpose,
                usage=usage,
                latency_ms=attempt.ms(),
                attempt=attempt.number,
                error=error,
                finish_reason=attempt.reply.finish_reason,
                request=request,
                reply=attempt.reply.text,
            )
        )


# -- building the client of a run's settings ----------------------------------------------


def _local_provider(settings: LLMSettings) -> Provider:
    from tasks.llm.local import LocalProvider

    if settings.model != LOCAL_MODEL:
        raise UnknownProviderError(
            f"unknown model {settings.model!r} for provider local (it has {LOCAL_MODEL!r})"
        )
    return LocalProvider()


def _remote_provider(service: Service, credentials: Credentials, settings: LLMSettings) -> Provider:
    if credentials.official:  # a self-hosted server may need no key; the public API does
        require_key(service, credentials)
    if service is OPENAI:
        from tasks.llm.openai import OpenAIProvider

        return OpenAIProvider(credentials, settings)
    from tasks.llm.anthropic import AnthropicProvider

    return AnthropicProvider(credentials, settings)


SERVICES = {"openai": OPENAI, "anthropic": ANTHROPIC}
PROVIDERS = ("local", *SERVICES)
_clients: dict[tuple, LLMClient] = {}
_clients_lock = threading.Lock()


def build_client(settings: LLMSettings, credentials: Credentials | None) -> LLMClient:
    """A new client: the provider, its shared rate limiter, and the retry policy."""
    backoff = Backoff(max_attempts=settings.max_attempts, first_s=settings.backoff_s)
    limits = model_limits(settings)
    if credentials is None:
        return LLMClient(_local_provider(settings), settings.model, backoff=backoff, limits=limits)
    provider = _remote_provider(SERVICES[settings.provider], credentials, settings)
    per_minute = settings.requests_per_minute or DEFAULT_RPM.get(provider.name)
    limiter = shared_limiter(
        (provider.name, credentials.base_url), settings.concurrency, per_minute
    )
    return LLMClient(provider, settings.model, limiter, backoff, limits)


def llm_client(settings: LLMSettings) -> LLMClient:
    """The shared client for these settings and credentials (one per process).

    Raises a one-line `ValueError` for an unknown provider or model, or a missing key.
    """
    if settings.provider not in PROVIDERS:
        raise UnknownProviderError(
            f"unknown LLM provider {settings.provider!r} (choose from {', '.join(PROVIDERS)})"
        )
    service = SERVICES.get(settings.provider)
    credentials = resolve(service, settings.base_url) if service else None
    key = (settings, credentials)
    with _clients_lock:
        if key not in _clients:
            _clients[key] = build_client(settings, credentials)
        return _clients[key]
