"""``make up`` seeds the emulator's commerce data from the seed files, once."""

from __future__ import annotations

from dev.seed import seed_commerce
from shared.platform.settings import get_settings
from shared.pricing.book import read_price_book, read_seller_data, read_vouchers


def test_seeding_fills_what_is_missing_and_keeps_what_is_there(firestore_db, app_env) -> None:
    settings = get_settings()  # the tests' seed files (tests/pricing/data), not config/
    lines = seed_commerce(settings)
    assert any(line.startswith("price book v1") for line in lines)
    book = read_price_book(settings)
    assert book is not None and book.lookup("pro", 2).price_cents == 2999
    assert read_seller_data(settings) is not None
    vouchers = read_vouchers(settings)
    assert vouchers["PILOT2026"].max_redemptions is not None  # limited even locally
    assert vouchers["PILOT2026"].version == 1
    assert seed_commerce(settings) == []  # a second `make up` changes nothing
