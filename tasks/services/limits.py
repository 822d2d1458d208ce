"""An in-process limit on requests in flight and requests per minute.

Prefect's global concurrency limits answer through the API (423 and polling, about
2 s an acquire in local mode), far too coarse for LLM requests of a few hundred
milliseconds; this limiter costs microseconds and works without any server.
"""

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

WINDOW_S = 60.0


class RateLimiter:
    """At most `concurrency` requests at once and `per_minute` started in any 60 s.

    A server that answers 429 speaks for every thread: `cool_down` holds back every
    request that has not started yet until the wait it asked for is over.
    """

    def __init__(
        self,
        concurrency: int,
        per_minute: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.concurrency = concurrency
        self.per_minute = per_minute
        self._slots = threading.BoundedSemaphore(concurrency)
        self._lock = threading.Lock()
        self._starts: deque[float] = deque()
        self._paused_until = 0.0
        self._clock = clock
        self._sleep = sleep

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the slots for the duration of a request."""
        with self._slots:
            self._wait_turn()
            yield

    def cool_down(self, seconds: float) -> None:
        """No new request starts for `seconds`."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)

    def _wait_turn(self) -> None:
        while (wait := self._reserve()) > 0:
            self._sleep(wait)

    def _reserve(self) -> float:
        """0 and a start recorded if a request may start now, else the seconds to wait."""
        with self._lock:
            now = self._clock()
            if now < self._paused_until:
                return self._paused_until - now
            while self._starts and now - self._starts[0] >= WINDOW_S:
                self._starts.popleft()
            if self.per_minute and len(self._starts) >= self.per_minute:
                return WINDOW_S - (now - self._starts[0])
            if self.per_minute:
                self._starts.append(now)
            return 0.0


_limiters: dict[tuple, RateLimiter] = {}
_registry_lock = threading.Lock()


def shared_limiter(key: tuple, concurrency: int, per_minute: int | None) -> RateLimiter:
    """The one limiter of this process for `key` (a provider and its endpoint) and limits."""
    full_key = (*key, concurrency, per_minute)
    with _registry_lock:
        if full_key not in _limiters:
            _limiters[full_key] = RateLimiter(concurrency, per_minute)
        return _limiters[full_key]
