"""The one retry policy: exponential backoff with jitter that honours the server's Retry-After.

Every outside call is retried by `Backoff.run`: the service client's, and the LLM
client's around each provider request (which re-asks on invalid JSON apart from this).
"""

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tasks.services.errors import ServiceError

T = TypeVar("T")


@dataclass(frozen=True)
class Backoff:
    """How many attempts, and how long to wait before each retry.

    The n-th retry waits `first_s * 2**(n-1)` (at most `cap_s`), or what the server
    asked for if it asked for a wait (a wait of 0 is the backoff's, never an immediate
    retry); then up to `jitter` more of it at random, so clients that failed together
    do not retry together. A server asking for more than
    `max_wait_s` is not waited for: the error is raised.
    """

    max_attempts: int = 5
    first_s: float = 1.0
    cap_s: float = 30.0
    jitter: float = 0.25
    max_wait_s: float = 120.0

    def delay(self, retry: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number `retry` (1 for the first)."""
        base = retry_after or min(self.cap_s, self.first_s * 2 ** (retry - 1))
        return base * (1 + random.uniform(0, self.jitter))

    def should_retry(self, error: ServiceError, attempt: int) -> bool:
        """Whether attempt number `attempt`, which failed with `error`, gets another."""
        if not error.retryable or attempt >= self.max_attempts:
            return False
        return error.retry_after is None or error.retry_after <= self.max_wait_s

    def run(
        self, call: Callable[[], T], before_wait: Callable[[ServiceError], None] | None = None
    ) -> T:
        """`call()`, retried on retryable `ServiceError`s as this policy allows.

        `before_wait` sees each error that will be retried, before the wait for it.
        """
        attempt = 1
        while True:
            try:
                return call()
            except ServiceError as error:
                if not self.should_retry(error, attempt):
                    raise
                if before_wait is not None:
                    before_wait(error)
                time.sleep(self.delay(attempt, error.retry_after))
                attempt += 1
