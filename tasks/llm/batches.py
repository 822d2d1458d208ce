"""Cutting a list of weighted items into batches that each fit, keeping every request slot busy."""

from math import ceil

# Weights are sums of fractions: 25 items of 1/25 must still fill exactly one request.
EPSILON = 1e-9


def pack(weights: list[float], slots: int = 1) -> list[range]:
    """Consecutive index ranges whose weights sum to at most 1 each (an item weighing
    more than 1 goes alone), about equal in weight.

    When the batches take more than one round of `slots` concurrent requests, their
    number is rounded up to fill every round: the wall time is the number of rounds
    either way, and smaller batches answer sooner. One round is never split further,
    since that would only add calls.
    """
    if not weights:
        return []
    count = max(1, ceil(sum(weights) - EPSILON))
    if count > slots:
        count = ceil(count / slots) * slots
    target = sum(weights) / count
    batches, start, filled, done = [], 0, 0.0, 0.0
    for index, weight in enumerate(weights):
        # Cut before this item if it would overflow the batch, or if most of it lies past
        # the end of this batch's equal share of the total.
        past_share = done + weight / 2 > (len(batches) + 1) * target
        if index > start and (filled + weight > 1 + EPSILON or past_share):
            batches.append(range(start, index))
            start, filled = index, 0.0
        filled += weight
        done += weight
    batches.append(range(start, len(weights)))
    return batches
