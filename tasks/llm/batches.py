"""Splitting a list into batches that keep every concurrent request slot busy."""

from math import ceil
from typing import TypeVar

T = TypeVar("T")


def split(items: list[T], max_size: int, slots: int = 1) -> list[list[T]]:
    """Batches of at most `max_size`, sizes differing by at most one.

    When the batches take more than one round of `slots` concurrent requests, their
    number is rounded up to fill every round: the wall time is the number of rounds
    either way, and smaller batches answer sooner. One round is never split further,
    since that would only add calls.
    """
    if not items:
        return []
    count = ceil(len(items) / max_size)
    if count > slots:
        count = ceil(count / slots) * slots
    count = min(count, len(items))
    size, extra = divmod(len(items), count)
    batches, start = [], 0
    for i in range(count):
        end = start + size + (1 if i < extra else 0)
        batches.append(items[start:end])
        start = end
    return batches
