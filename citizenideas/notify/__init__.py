"""Email delivery: the outbox worker and daily digests."""
