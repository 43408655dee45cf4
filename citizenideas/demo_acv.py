"""Demo Borough's assets of community value: a listed pub, a refused nomination, a library
in its interim moratorium."""

from __future__ import annotations


def seed(builder) -> None:
    """Add this part of the story to the demo council ``builder`` is writing."""
