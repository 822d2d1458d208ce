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
