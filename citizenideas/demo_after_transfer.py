"""Demo Borough after its transfers: the operators' yearly reports and residents' word on
access."""

from __future__ import annotations


def seed(builder) -> None:
    """Add this part of the story to the demo council ``builder`` is writing."""
