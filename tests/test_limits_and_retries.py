"""The pieces under the HTTP clients: rate limiter, backoff, Retry-After, batches, schemas."""

import httpx
import pytest

from tasks.llm.batches import pack
from tasks.llm.schema import strict_schema
from tasks.models import Correlations, SentimentReading
from tasks.services.errors import ServiceError, scrub
from tasks.services.http import parse_retry_after
from tasks.services.limits import RateLimiter
from tasks.services.retry import Backoff


class Clock:
    """Time that passes only when someone sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


def test_requests_per_minute_are_a_sliding_window():
    clock = Clock()
    limiter = RateLimiter(concurrency=4, per_minute=3, clock=clock, sleep=clock.sleep)
    for _ in range(3):
        with limiter.slot():
            clock.now += 1
    assert clock.slept == []
    with limiter.slot():  # the 4th waits until the 1st is a minute old
        pass
    assert clock.slept == [57.0] and clock.now == 60.0


def test_a_cool_down_holds_back_new_requests():
    clock = Clock()
    limiter = RateLimiter(concurrency=2, clock=clock, sleep=clock.sleep)
    limiter.cool_down(5)
    with limiter.slot():
        pass
    assert clock.slept == [5.0]


def test_backoff_doubles_honours_retry_after_and_gives_up():
    backoff = Backoff(max_attempts=4, first_s=1.0, cap_s=3.0, jitter=0.0, max_wait_s=60)
    assert [backoff.delay(n) for n in (1, 2, 3, 4)] == [1.0, 2.0, 3.0, 3.0]
    assert backoff.delay(1, retry_after=7.5) == 7.5
    retryable = ServiceError("x", status=429, retryable=True)
    assert backoff.should_retry(retryable, 3) and not backoff.should_retry(retryable, 4)
    assert not backoff.should_retry(ServiceError("x", status=401), 1)
    too_long = ServiceError("x", status=429, retryable=True, retry_after=3600)
    assert not backoff.should_retry(too_long, 1)


def test_jitter_only_ever_adds_to_the_wait():
    backoff = Backoff(first_s=1.0, jitter=0.25)
    delays = [backoff.delay(1, retry_after=2.0) for _ in range(200)]
    assert all(2.0 <= d <= 2.5 for d in delays) and len(set(delays)) > 100


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"retry-after-ms": "250", "retry-after": "1"}, 0.25),
        ({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),
        ({}, None),
    ],
)
def test_retry_after_forms(headers, seconds):
    assert parse_retry_after(httpx.Headers(headers)) == seconds


def test_scrub_removes_keys_and_anything_key_shaped():
    text = "bad key sk-proj-abcdef123456\nand secret-value-9 or dG9rOjEyMzQ1Njc4OTA="
    assert scrub(text, ("secret-value-9",)) == "bad key *** and *** or ***"


def test_batches_fill_every_round_of_concurrent_requests():
    weights = [1 / 25] * 300  # 25 items fill a request
    sizes = [len(r) for r in pack(weights)]
    assert sum(sizes) == 300 and len(sizes) == 12  # one at a time: as few as fit
    batches = pack(weights, slots=8)
    assert len(batches) == 16 and {len(r) for r in batches} <= {18, 19, 20}
    assert [i for r in batches for i in r] == list(range(300))
    assert len(pack(weights[:40], slots=8)) == 2  # one round: no extra calls
    assert pack([], 8) == []


def test_no_batch_outweighs_a_request_and_a_heavy_item_goes_alone():
    weights = [0.3, 0.3, 0.3, 0.3, 1.7, 0.05, 0.05]
    batches = pack(weights)
    assert all(sum(weights[i] for i in r) <= 1 for r in batches if len(r) > 1)
    assert range(4, 5) in batches
    assert [i for r in batches for i in r] == list(range(7))


def test_strict_schemas_close_every_object():
    schema = strict_schema(SentimentReading)
    item = schema["properties"]["scores"]["items"]
    assert item["additionalProperties"] is False and item["required"] == ["id", "label", "score"]
    assert "$defs" not in schema and "$ref" not in str(schema)
    assert strict_schema(Correlations) is None  # a dict field cannot be strict
