"""A voucher's counts as settlement checks them: the code's limit and one customer's (pure)."""

from __future__ import annotations

import pytest

from shared.pricing.redemptions import Counter, CustomerCount

KEY = "a" * 64


@pytest.mark.parametrize(
    ("count", "limit", "customer", "used_up"),
    [
        (0, None, None, False),
        (2, 3, None, False),
        (3, 3, None, True),  # the code's last use is gone
        (0, None, CustomerCount(KEY, 0, 1, None), False),
        (0, None, CustomerCount(KEY, 1, 1, None), True),  # this customer's use is spent
        (5, 100, CustomerCount(KEY, 1, 2, None), False),
        (100, 100, CustomerCount(KEY, 0, 2, None), True),
        # Limited per customer, and the order's customer is not identified: never given.
        (0, None, CustomerCount(None, 0, 5, None), True),
    ],
)
def test_used_up(count: int, limit: int | None, customer: CustomerCount | None, used_up: bool):
    counter = Counter("CODE", count, limit, None, customer=customer)
    assert counter.used_up is used_up


def test_a_counter_read_before_discounts_were_recorded_gives_zero() -> None:
    assert Counter("CODE", 3, None, None).discount_cents == 0
