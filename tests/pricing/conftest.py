"""Shared values of the pricing tests: the settings the caller would pass, and voucher books."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from shared.pricing.vouchers import VoucherBook, clear_voucher_cache, load_vouchers

REPO_ROOT = Path(__file__).resolve().parents[2]
# The roadmap's sample codes, as the tests' own fixture: config/ is local seed data only.
SAMPLE_VOUCHERS = Path(__file__).resolve().parent / "data" / "sample_vouchers.json"
TEST_VOUCHERS = Path(__file__).resolve().parent / "data" / "test_vouchers.json"

VAT_RATE = Decimal("25.5")
CURRENCY = "EUR"
# Inside TEST-WINDOW, after TEST-EXPIRED: a fixed "now" keeps the tests independent of the date.
NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_voucher_cache() -> Iterator[None]:
    clear_voucher_cache()
    yield
    clear_voucher_cache()


@pytest.fixture
def sample_book() -> VoucherBook:
    return load_vouchers(SAMPLE_VOUCHERS)


@pytest.fixture
def test_book() -> VoucherBook:
    return load_vouchers(TEST_VOUCHERS)
