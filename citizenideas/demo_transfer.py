"""Demo Borough's community asset transfer requests, at every stage."""

from __future__ import annotations


def seed(builder) -> None:
    """Add this part of the story to the demo council ``builder`` is writing."""
