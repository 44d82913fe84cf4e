"""Commerce data in Firestore: a deployed environment refuses to sell without it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shared.platform.settings import Settings, get_settings
from shared.pricing.book import (
    CommerceNotConfigured,
    clear_commerce_cache,
    commerce,
    current_voucher,
    publish_price_book,
    put_voucher,
    set_seller,
)
from shared.pricing.quotes import build_quote
from shared.pricing.tiers import DEFAULT_PRICE_BOOK, PriceBook

SELLER = {
    "name": "Car Pulse Tracker Oy",
    "business_id": "3141592-6",
    "vat_number": "FI31415926",
    "address_lines": ["Katu 3", "00100 Helsinki"],
    "email": "receipts@example.test",
}
PLACEHOLDER = {**SELLER, "business_id": "0000000-0"}


@pytest.fixture
def prd(firestore_db, app_env) -> Iterator[Settings]:
    clear_commerce_cache()
    yield get_settings().model_copy(update={"environment": "prd"})
    clear_commerce_cache()


def test_prd_without_commerce_data_names_everything_missing(prd: Settings) -> None:
    with pytest.raises(CommerceNotConfigured) as refused:
        commerce(prd)
    assert refused.value.status == 503
    assert "no price book" in str(refused.value) and "no seller identity" in str(refused.value)


def test_prd_with_the_placeholder_seller_refuses(prd: Settings) -> None:
    publish_price_book(prd, DEFAULT_PRICE_BOOK, by="test")
    set_seller(prd, PLACEHOLDER, by="test")
    with pytest.raises(CommerceNotConfigured, match="placeholder"):
        commerce(prd)


def test_prd_with_a_published_book_quotes_from_it(prd: Settings) -> None:
    prices = {**DEFAULT_PRICE_BOOK.prices_cents}
    prices[next(iter(prices))] = (1000, 2000, 3000, 4000)
    book = PriceBook(
        1, "EUR", DEFAULT_PRICE_BOOK.vat_rate_percent, DEFAULT_PRICE_BOOK.bands, prices
    )
    assert publish_price_book(prd, book, by="test") == 1
    set_seller(prd, SELLER, by="test")
    entry = {"type": "fixed", "value": 500, "label": "x", "active": True}
    assert put_voucher(prd, "FIVE-EUROS-OFF", entry, by="test") == 1
    assert put_voucher(prd, "FIVE-EUROS-OFF", entry, by="test") == 2
    loaded = commerce(prd)
    assert loaded.price_book.version == 1 and loaded.vouchers["FIVE-EUROS-OFF"].version == 2
    quote = build_quote("basic", 1, loaded.vouchers["FIVE-EUROS-OFF"], price_book=loaded.price_book)
    record = quote.to_record()
    assert (record["tier_price_cents"], record["total_cents"]) == (1000, 500)
    assert record["price_book_version"] == 1 and record["voucher"]["version"] == 2
    assert commerce(prd) is loaded  # cached: no more reads for a while
    put_voucher(prd, "FIVE-EUROS-OFF", {**entry, "max_redemptions": 1}, by="test")
    current = current_voucher(prd, "FIVE-EUROS-OFF")  # not cached: settlement's view
    assert current is not None and current.max_redemptions == 1 and current.version == 3
    assert current_voucher(prd, "NO-SUCH-CODE") is None


def test_local_uses_the_seed_files_for_what_the_emulator_lacks(firestore_db, app_env) -> None:
    clear_commerce_cache()
    loaded = commerce(get_settings())
    assert loaded.price_book.version == 0 and "TEST-FREE" in loaded.vouchers
    assert current_voucher(get_settings(), "TEST-LIMITED-3").max_redemptions == 3
    clear_commerce_cache()
