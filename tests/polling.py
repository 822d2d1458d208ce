"""`until`: wait for a condition polled with a deadline, never for a fixed time."""

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

FIRST_PAUSE_S = 0.01
# Long enough that a check over HTTP does not keep a busy server busier.
LONGEST_PAUSE_S = 0.1


def until(
    what: str,
    check: Callable[[], T],
    timeout: float,
    explain: Callable[[], str] | None = None,
) -> T:
    """`check()`'s first truthy value, polled with a short backoff for up to `timeout` s.

    Fails with "timed out after Ns waiting for <what>", the last value and, given
    `explain`, what it says (a log's tail) at that moment.
    """
    deadline = time.monotonic() + timeout
    pause = FIRST_PAUSE_S
    while not (value := check()):
        if time.monotonic() >= deadline:
            detail = f"\n{explain()}" if explain else ""
            raise AssertionError(
                f"timed out after {timeout:g}s waiting for {what} (last: {value!r}){detail}"
            )
        time.sleep(pause)
        pause = min(2 * pause, LONGEST_PAUSE_S)
    return value
