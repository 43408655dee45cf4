"""Small exact helpers for the published figures: median, nearest-rank percentile, share."""

from __future__ import annotations

import math


def median(values: list[float]) -> float | None:
    """The median of ``values`` (mean of the two middle values when there is an even number)."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return None
    middle = n // 2
    if n % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def percentile_nearest_rank(values: list[float], percent: float) -> float | None:
    """The nearest-rank percentile: the value at 1-based rank ceil(percent/100 * n) once sorted.

    ``percentile_nearest_rank([1..10], 90)`` is the 9th value; for 11 values it is the 10th.
    This equals PostgreSQL's ``percentile_disc(percent/100)``.
    """
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return None
    rank = max(1, math.ceil(percent / 100 * n - 1e-9))
    return ordered[rank - 1]


def share(part: int, whole: int) -> float | None:
    """``part / whole`` rounded to 4 places, or None when ``whole`` is 0."""
    return round(part / whole, 4) if whole else None
