"""What a failed call to an outside service raises: one line, free of secrets.

Keys travel only in request headers; any text that could echo one is scrubbed, and
no httpx object (whose request holds the headers) is kept on the error.
"""

import re

# What a leaked key tends to look like in an error body, even partly masked.
KEY_LIKE = re.compile(r"\b(?:sk-[A-Za-z0-9_*.-]{6,}|dG9rOj[A-Za-z0-9+/=]{6,})")


class ServiceError(RuntimeError):
    """A service could not be reached or refused the request; the message is one safe line.

    It says whether another attempt may help and how long the server asked us to wait.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
        sent: bool = True,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code  # the error body's machine-readable code (OpenAI's `error.code`)
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after
        self.sent = sent  # False: the request surely never reached the service

    @property
    def unprocessed(self) -> bool:
        """Whether the service surely did not act on the request: never sent, or 429."""
        return not self.sent or self.status == 429


def scrub(text: str, secrets: tuple[str, ...] = ()) -> str:
    """The text on one line, without the given secrets or anything shaped like a key."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return " ".join(KEY_LIKE.sub("***", text).split())
