"""Demo Borough: believable demo data for ``flask seed-demo``. (Filled in by the seed work.)"""

from __future__ import annotations


def seed(only_if_empty: bool = False) -> bool:
    """Load the demo council. Returns True if anything was created."""
    return False
