"""The price book and the publishing guards, as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from shared.pricing.tiers import (
    DEFAULT_PRICE_BOOK,
    PriceBookError,
    TierBand,
    lookup_tier,
    price_book_from_data,
)
from shared.pricing.vouchers import Voucher, VoucherType, code_format_warnings, publish_problems
from shared.product.catalog import Package


def test_the_default_book_is_the_tier_table() -> None:
    for package in Package:
        for count in (1, 2, 4, 11):
            assert DEFAULT_PRICE_BOOK.lookup(package, count) == lookup_tier(package, count)


def test_a_book_round_trips_through_its_data() -> None:
    data = DEFAULT_PRICE_BOOK.to_data()
    assert data["vat_rate_percent"] == "25.5"  # text: never a float
    again = price_book_from_data(data, version=7)
    assert again.version == 7 and again.tiers_of("pro") == DEFAULT_PRICE_BOOK.tiers_of("pro")


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"prices_cents": {"basic": [999, 1499, 2999, 4999]}}, "every tier band"),
        ({"bands": [{"min": 1, "max": 2}, {"min": 4, "max": None}]}, "should start at 3"),
        ({"bands": [{"min": 1, "max": 5}]}, "open-ended"),
        ({"vat_rate_percent": 25.5}, "not a float"),
        ({"currency": "eur"}, "invalid price book"),
    ],
)
def test_a_broken_book_is_refused(change: dict, problem: str) -> None:
    with pytest.raises(PriceBookError, match=problem):
        price_book_from_data({**DEFAULT_PRICE_BOOK.to_data(), **change}, version=1)


def test_falling_prices_are_refused() -> None:
    prices = {**DEFAULT_PRICE_BOOK.to_data()["prices_cents"], "pro": [1999, 999, 4999, 7999]}
    with pytest.raises(PriceBookError, match="must not fall"):
        price_book_from_data({**DEFAULT_PRICE_BOOK.to_data(), "prices_cents": prices}, version=1)


def _voucher(**fields: object) -> Voucher:
    base: dict = {"code": "X", "type": VoucherType.FREE, "label": "x", "active": True}
    return Voucher(**{**base, **fields})


def test_a_100_percent_voucher_needs_a_limit_and_an_end() -> None:
    assert len(publish_problems(_voucher())) == 2
    full = _voucher(type=VoucherType.PERCENTAGE, percent_off=Decimal(100), max_redemptions=5)
    assert publish_problems(full) == ["X: a 100% voucher needs valid_until"]
    end = datetime(2030, 1, 1, tzinfo=UTC)
    assert publish_problems(_voucher(max_redemptions=1, valid_until=end)) == []
    assert publish_problems(_voucher(active=False)) == []  # switching one off is always fine
    assert publish_problems(_voucher(type=VoucherType.FIXED, amount_off_cents=100)) == []


def test_code_format_warnings() -> None:
    assert code_format_warnings("SPRING-2026-FLEET") == []
    assert code_format_warnings("FLEET20") == ["FLEET20: shorter than 8 characters"]
    assert "outside the alphabet" in code_format_warnings("SPRING_2026_FLEET")[0]


def test_bands_keep_their_keys() -> None:
    assert [b.key for b in DEFAULT_PRICE_BOOK.bands] == ["1", "2", "3-5", "6+"]
    assert TierBand(6, None).label == "6+ vehicles"
