"""Lottery: daily lotteries, ballots, nightly close, winners (docs/architecture.md)."""
