"""Reconnect delays: exponential, capped, with jitter (so clients cut off together by a
restarting notifier do not all come back in the same instant)."""
from __future__ import annotations

import random
from typing import Callable, Optional


class Backoff:
    """``delay(n)`` for the n-th consecutive failed attempt (0-based): a random value
    between half and all of ``min(cap, base * 2**n)``."""

    def __init__(self, base: float = 0.5, cap: float = 30.0, rand: Optional[Callable[[], float]] = None):
        if base <= 0 or cap < base:
            raise ValueError("backoff needs 0 < base <= cap")
        self.base = base
        self.cap = cap
        self._rand = rand or random.random

    def ceiling(self, attempt: int) -> float:
        return min(self.cap, self.base * (2 ** min(attempt, 62)))

    def delay(self, attempt: int) -> float:
        ceiling = self.ceiling(attempt)
        return ceiling / 2 + self._rand() * ceiling / 2
