"""A per-learner token bucket: a flood of messages is dropped, normal typing never is.

Each learner has a bucket of `capacity` tokens that refills at `rate` tokens a second; a message
takes one token. With the defaults (20 tokens, two a second) a learner can send twenty messages at
once and then two a second for ever; someone typing by hand never notices, a script flooding the
bot does. `allow` tells the caller
whether to handle the message and whether this is the first refused one of a burst (the only one
that gets the friendly "slow down" answer). Pure and clock-injectable, so it is tested without sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum


class Verdict(Enum):
    ALLOW = "allow"
    LIMIT_NOTIFY = "limit_notify"  # refused; the first refusal of this burst: tell the learner once
    LIMIT_SILENT = "limit_silent"  # refused; the learner was already told


@dataclass
class _Bucket:
    tokens: float
    stamp: float
    told: bool = False


class RateLimiter:
    """Token buckets keyed by learner (Telegram user id)."""

    def __init__(self, capacity: float = 20.0, rate: float = 2.0, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = 10_000) -> None:
        if capacity < 1 or rate <= 0:
            raise ValueError("capacity must be >= 1 and rate > 0")
        self.capacity = capacity
        self.rate = rate
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: dict[int, _Bucket] = {}

    def allow(self, key: int) -> Verdict:
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            self._prune(now)
            bucket = self._buckets[key] = _Bucket(self.capacity, now)
        else:
            elapsed = max(0.0, now - bucket.stamp)  # a clock that steps back never adds tokens
            bucket.tokens = min(self.capacity, bucket.tokens + elapsed * self.rate)
            bucket.stamp = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            bucket.told = False
            return Verdict.ALLOW
        if bucket.told:
            return Verdict.LIMIT_SILENT
        bucket.told = True
        return Verdict.LIMIT_NOTIFY

    def _prune(self, now: float) -> None:
        """Forget buckets that have refilled completely (they behave like new ones)."""
        if len(self._buckets) < self.max_keys:
            return
        full = [k for k, b in self._buckets.items() if b.tokens + (now - b.stamp) * self.rate >= self.capacity]
        for key in full:
            del self._buckets[key]

    def __len__(self) -> int:
        return len(self._buckets)


__all__ = ["RateLimiter", "Verdict"]
