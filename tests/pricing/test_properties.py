"""Property tests: every package × 1–50 vehicles × every voucher type, against independent
oracles written with Fraction (not the library's Decimal code)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from math import floor

from hypothesis import given
from hypothesis import strategies as st

from shared.pricing.quotes import Quote, build_quote
from shared.pricing.responses import voucher_validation_response
from shared.pricing.vat import vat_included_cents
from shared.pricing.vouchers import (
    Voucher,
    VoucherAccepted,
    VoucherRefused,
    evaluate_voucher,
    load_vouchers,
    parse_vouchers,
)
from shared.product.catalog import Package

from .conftest import CURRENCY, SAMPLE_VOUCHERS, TEST_VOUCHERS, VAT_RATE

ROADMAP_PRICES = {
    Package.BASIC: (999, 1499, 2999, 4999),
    Package.PRO: (1999, 2999, 4999, 7999),
    Package.EXPERT: (2999, 4499, 7999, 12999),
}
NOW = datetime(2026, 3, 15, tzinfo=UTC)


def half_up(value: Fraction) -> int:
    return floor(value + Fraction(1, 2))


def expected_price(package: Package, vehicles: int) -> int:
    band = 0 if vehicles == 1 else 1 if vehicles == 2 else 2 if vehicles <= 5 else 3
    return ROADMAP_PRICES[package][band]


def expected_vat(total: int, rate: Fraction = Fraction(255, 10)) -> int:
    return half_up(total * rate / (100 + rate))


# Percentages with up to two decimals (12.5, 33.33, 100), fixed amounts below and far above any
# price, and free: every voucher shape the file allows, built through the file parser.
percentages = st.integers(1, 10_000).map(lambda hundredths: Decimal(hundredths) / 100)
voucher_entries = st.one_of(
    st.builds(lambda p: {"type": "percentage", "value": p}, percentages),
    st.builds(lambda c: {"type": "fixed", "value": c}, st.integers(1, 20_000)),
    st.just({"type": "free"}),
)
vouchers = voucher_entries.map(
    lambda entry: parse_vouchers(
        {"GEN": {**entry, "label": "generated", "active": True}}, source="generated"
    )["GEN"]
)
maybe_vouchers = st.none() | vouchers


def expected_discount(voucher: Voucher | None, price: int) -> int:
    if voucher is None:
        return 0
    if voucher.type == "free":
        return price
    if voucher.type == "fixed":
        assert voucher.amount_off_cents is not None
        return min(voucher.amount_off_cents, price)
    assert voucher.percent_off is not None
    return min(half_up(price * Fraction(voucher.percent_off) / 100), price)


def build(package: Package, vehicles: int, voucher: Voucher | None) -> Quote:
    return build_quote(package, vehicles, voucher, vat_rate_percent=VAT_RATE, currency=CURRENCY)


@given(st.sampled_from(list(Package)), st.integers(1, 50), maybe_vouchers)
def test_quote_arithmetic(package: Package, vehicles: int, voucher: Voucher | None) -> None:
    quote = build(package, vehicles, voucher)
    price = expected_price(package, vehicles)
    assert quote.tier_price_cents == price
    assert quote.discount_cents == expected_discount(voucher, price)
    assert quote.total_cents == price - quote.discount_cents >= 0
    assert quote.vat_cents == expected_vat(quote.total_cents)
    assert 0 <= quote.vat_cents <= quote.total_cents
    assert quote.net_cents + quote.vat_cents == quote.total_cents
    money = [quote.tier_price_cents, quote.discount_cents, quote.total_cents, quote.vat_cents]
    assert all(type(value) is int for value in money)
    response = quote.to_response().model_dump(mode="json")
    assert all(type(response[k]) is int for k in ("tier_price_cents", "total_cents", "vat_cents"))


@given(st.sampled_from(list(Package)), st.integers(1, 49), maybe_vouchers)
def test_adding_a_vehicle_never_lowers_the_total(
    package: Package, vehicles: int, voucher: Voucher | None
) -> None:
    fewer = build(package, vehicles, voucher)
    more = build(package, vehicles + 1, voucher)
    assert more.tier_price_cents >= fewer.tier_price_cents
    assert more.total_cents >= fewer.total_cents


@given(st.sampled_from(list(Package)), st.integers(1, 50), maybe_vouchers)
def test_record_round_trip(package: Package, vehicles: int, voucher: Voucher | None) -> None:
    quote = build(package, vehicles, voucher)
    assert Quote.from_record(json.loads(json.dumps(quote.to_record()))) == quote


@given(st.integers(0, 10**9), st.integers(0, 999))
def test_vat_matches_the_formula_for_any_total_and_rate(total: int, tenths: int) -> None:
    rate = Decimal(tenths) / 10
    assert vat_included_cents(total, vat_rate_percent=rate) == expected_vat(
        total, Fraction(tenths, 10)
    )


SAMPLE_BOOK = load_vouchers(SAMPLE_VOUCHERS)
TEST_BOOK = load_vouchers(TEST_VOUCHERS)
# Anything a buyer might type, including near-misses of real codes.
typed_codes = st.one_of(
    st.text(max_size=80),
    st.sampled_from(sorted(SAMPLE_BOOK)).map(lambda code: code + "X"),
    st.sampled_from(["TEST-INACTIVE", "TEST-EXPIRED", "TEST-EXPERT-ONLY", "TEST-LIMITED-3"]),
)


@given(typed_codes)
def test_every_refusal_looks_the_same(typed: str) -> None:
    decision = evaluate_voucher(TEST_BOOK, typed, now=NOW, redemptions_used=3, package="pro")
    if isinstance(decision, VoucherRefused):
        answer = voucher_validation_response(decision, currency=CURRENCY).model_dump()
        assert answer == {
            "valid": False,
            "code": None,
            "type": None,
            "label": None,
            "discount_description": None,
        }


@given(
    st.sampled_from(sorted(SAMPLE_BOOK)),
    st.lists(st.booleans(), min_size=20, max_size=20),
    st.text(alphabet=" \t\n", max_size=3),
    st.text(alphabet=" \t\n", max_size=3),
)
def test_any_casing_and_padding_of_a_real_code_is_accepted(
    code: str, upper: list[bool], before: str, after: str
) -> None:
    mixed = "".join(c if up else c.lower() for c, up in zip(code, upper[: len(code)], strict=True))
    typed = before + mixed + after
    decision = evaluate_voucher(SAMPLE_BOOK, typed, now=NOW, redemptions_used=0, package="basic")
    assert isinstance(decision, VoucherAccepted) and decision.voucher.code == code
