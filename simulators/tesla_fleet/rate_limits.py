"""Per-vehicle sliding-window rate limits on simulated time (data 60/min, wakes 3/min)."""

from __future__ import annotations

import math
import threading
from collections import defaultdict, deque
from dataclasses import dataclass

WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int  # until the window frees a slot


class RateLimiter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._accepted: dict[tuple[str, str], deque[float]] = defaultdict(deque)

    def check(self, vin: str, category: str, limit: int, now: float) -> RateDecision:
        """Admit the call if fewer than ``limit`` calls were admitted in the last 60 s."""
        with self._lock:
            window = self._accepted[(vin, category)]
            while window and window[0] <= now - WINDOW_SECONDS:
                window.popleft()
            if len(window) >= limit:
                wait = max(1, math.ceil(window[0] + WINDOW_SECONDS - now))
                return RateDecision(allowed=False, limit=limit, remaining=0, reset_seconds=wait)
            window.append(now)
            reset = math.ceil(window[0] + WINDOW_SECONDS - now)
            return RateDecision(True, limit, limit - len(window), reset)

    def reset(self) -> None:
        with self._lock:
            self._accepted.clear()
