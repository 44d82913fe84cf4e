"""Retry arithmetic of a queue's RetryConfig, as the ``RetryConfig`` docstrings describe it.

"A task's retry interval starts at min_backoff, then doubles max_doublings times, then increases
linearly, and finally retries at intervals of max_backoff": with min 10 s, max 300 s and 3
doublings the retries come 10, 20, 40, 80, 160, 240, 300, 300 … seconds apart. Retrying stops
"only when max_attempts and max_retry_duration are both satisfied" (max_attempts counts the first
attempt; -1 is unlimited; a zero duration is unlimited).
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    max_retry_duration: float  # seconds; 0 = unlimited
    min_backoff: float
    max_backoff: float
    max_doublings: int


def backoff_seconds(policy: RetryPolicy, retry_index: int) -> float:
    """Delay before retry number ``retry_index + 1`` (0: the first retry, after one failure)."""
    # Capped exponents: past 2**60 × min_backoff every delay is max_backoff anyway.
    doublings = min(max(policy.max_doublings, 0), 60)
    if retry_index <= doublings:
        delay = policy.min_backoff * float(1 << retry_index)
    else:
        # After the doublings, the interval grows by the last doubled step each time.
        step = policy.min_backoff * float(1 << doublings)
        delay = step * (1 + retry_index - doublings)
    return max(min(delay, policy.max_backoff), 0.0)


def retries_exhausted(
    policy: RetryPolicy, attempts: int, first_attempt_at: float, now: float
) -> bool:
    """True when no further attempt may follow ``attempts`` failed ones."""
    duration_limited = policy.max_retry_duration > 0
    duration_over = not duration_limited or now - first_attempt_at >= policy.max_retry_duration
    if policy.max_attempts < 0:
        # Unlimited attempts: only a positive max_retry_duration ends the retries (UNVERIFIED
        # reading of "both satisfied" when one side is unlimited).
        return duration_limited and duration_over
    return attempts >= policy.max_attempts and duration_over


def parse_retry_after(value: str | None, wall_now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date."""
    if not value:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        seconds = moment.timestamp() - wall_now
    return max(seconds, 0.0)
