"""VAT extracted from a VAT-inclusive total: Vero's formula, half up to the cent, Decimal only."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shared.pricing.money import format_money, format_percent, round_half_up
from shared.pricing.vat import vat_included_cents

from .conftest import VAT_RATE


@pytest.mark.parametrize(
    ("total_cents", "vat_cents"),
    [
        (2999, 609),  # roadmap §7: Pro × 2 = €29.99 → VAT €6.09
        (2699, 548),  # 2699 × 25.5 / 125.5 = 548.40
        # payments-commerce.md §5 table
        (990, 201),
        (1990, 404),
        (2990, 608),
        (4900, 996),
        (9900, 2012),
        (11800, 2398),
        (0, 0),
        (1, 0),
        (3, 1),  # 0.6096 → 1
    ],
)
def test_vat_contained_in_a_total(total_cents: int, vat_cents: int) -> None:
    assert vat_included_cents(total_cents, vat_rate_percent=VAT_RATE) == vat_cents


def test_rate_is_a_parameter() -> None:
    assert vat_included_cents(12400, vat_rate_percent=Decimal(24)) == 2400
    assert vat_included_cents(12400, vat_rate_percent=24) == 2400
    assert vat_included_cents(1000, vat_rate_percent=Decimal(0)) == 0


def test_exact_halves_round_up() -> None:
    # At 20 % the VAT is total / 6: 3 → 0.5 and 15 → 2.5 exactly. Half-even would give 0 and 2.
    assert vat_included_cents(3, vat_rate_percent=Decimal(20)) == 1
    assert vat_included_cents(15, vat_rate_percent=Decimal(20)) == 3
    assert round_half_up(Decimal("2.5")) == 3
    assert round_half_up(Decimal("1.49999999999999999999999999999")) == 1


@pytest.mark.parametrize("bad_rate", [25.5, "25.5", None, True])
def test_floats_and_strings_are_not_rates(bad_rate: object) -> None:
    with pytest.raises(TypeError):
        vat_included_cents(2999, vat_rate_percent=bad_rate)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad_rate", [Decimal(-1), Decimal(100), Decimal("NaN"), Decimal("Inf")])
def test_rates_outside_0_to_100_are_refused(bad_rate: Decimal) -> None:
    with pytest.raises(ValueError):
        vat_included_cents(2999, vat_rate_percent=bad_rate)


@pytest.mark.parametrize("bad_total", [29.99, -1, True])
def test_totals_are_non_negative_int_cents(bad_total: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        vat_included_cents(bad_total, vat_rate_percent=VAT_RATE)  # type: ignore[arg-type]


def test_round_half_up_takes_only_decimals() -> None:
    with pytest.raises(TypeError):
        round_half_up(2.5)  # type: ignore[arg-type]


def test_display_formatting() -> None:
    assert format_money(2999, "EUR") == "€29.99"
    assert format_money(5, "EUR") == "€0.05"
    assert format_money(123456, "SEK") == "1234.56 SEK"
    assert format_percent(Decimal("12.50")) == "12.5%"
    assert format_percent(Decimal("100")) == "100%"
