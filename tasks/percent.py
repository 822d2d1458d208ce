"""Percentages that add up to exactly 100.0: largest-remainder rounding to one decimal."""

from collections.abc import Mapping

from tasks.models import Share


def shares(counts: Mapping[str, int]) -> list[Share]:
    """Each count as a percentage to one decimal, largest first, summing to exactly 100.0."""
    total = sum(counts.values())
    if total == 0:
        return []
    # Whole numbers throughout: float remainders that should tie differ in their last
    # bits, and would then decide the tie instead of the name.
    floors = {name: count * 1000 // total for name, count in counts.items()}
    remainders = {name: count * 1000 % total for name, count in counts.items()}
    missing = 1000 - sum(floors.values())
    by_remainder = sorted(counts, key=lambda name: (-remainders[name], name))
    for name in by_remainder[:missing]:
        floors[name] += 1
    ordered = sorted(counts, key=lambda name: (-counts[name], name))
    return [Share(name=n, count=counts[n], percent=floors[n] / 10) for n in ordered]


def tenths_total(percents: list[float]) -> int:
    """The sum of one-decimal percentages in tenths, free of float error (1000 means 100.0)."""
    return sum(round(p * 10) for p in percents)


def rate(part: int, whole: int) -> float:
    """`part` as a percentage of `whole` to one decimal; 0.0 when there is no whole."""
    return round(part * 100 / whole, 1) if whole else 0.0
