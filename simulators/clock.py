"""Simulated time for the simulators: wall-clock time plus an offset that admins can advance.

Everything time-based in a simulator (token expiry, refresh grace, wake delays, rate-limit
windows, approval windows, webhook retries) reads its clock, so tests jump hours ahead without
sleeping.
"""

from __future__ import annotations

import threading
import time


class SimulatedClock:
    def __init__(self, frozen: bool = False) -> None:
        self._lock = threading.Lock()
        self._offset_seconds = 0.0
        # A frozen clock only moves when advanced: exact arithmetic on windows and expiries.
        self._frozen_at: float | None = time.time() if frozen else None

    def now(self) -> float:
        with self._lock:
            base = self._frozen_at if self._frozen_at is not None else time.time()
            return base + self._offset_seconds

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("the simulated clock never goes backwards")
        with self._lock:
            self._offset_seconds += seconds
        return self.now()

    @property
    def offset_seconds(self) -> float:
        return self._offset_seconds

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def set_frozen(self, frozen: bool) -> None:
        with self._lock:
            if frozen and self._frozen_at is None:
                self._frozen_at = time.time()
            elif not frozen and self._frozen_at is not None:
                # Keep "now" continuous when thawing: fold the frozen gap into the offset.
                self._offset_seconds += self._frozen_at - time.time()
                self._frozen_at = None

    def reset(self, frozen: bool) -> None:
        with self._lock:
            self._offset_seconds = 0.0
            self._frozen_at = time.time() if frozen else None
