"""What can go wrong in a structured-output call besides the HTTP errors of `tasks.services`."""

from tasks.llm.types import NO_USAGE, Usage


class MalformedReply(RuntimeError):
    """The provider answered, but not with the structured output (a refusal, no tool call).

    The tokens were spent, so the usage travels with the error.
    """

    def __init__(self, message: str, usage: Usage = NO_USAGE, text: str = "") -> None:
        super().__init__(message)
        self.usage = usage
        self.text = text


class LLMOutputError(ValueError):
    """The model's reply did not match the requested output schema, even when told why."""


class UnknownProviderError(ValueError):
    """The settings name a provider or model this build does not have."""


class TooLarge(RuntimeError):
    """The request was too large for the model: a batch to split in two and send again.

    `ReplyCut`: the answer reached its output cap (OpenAI `finish_reason: "length"`,
    Anthropic `stop_reason: "max_tokens"`); `ContextExceeded`: the provider refused the
    prompt as longer than the context window. Tokens a cut reply spent travel with it.
    """

    def __init__(self, message: str, usage: Usage = NO_USAGE) -> None:
        super().__init__(message)
        self.usage = usage


class ReplyCut(TooLarge):
    """The reply stopped at its output cap, unfinished."""


class ContextExceeded(TooLarge):
    """The provider refused the request as longer than the model's context window."""
