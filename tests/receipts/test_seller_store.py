"""The seller identity per environment, from Firestore: the placeholder never outside local."""

from __future__ import annotations

import pytest

from shared.platform.settings import get_settings
from shared.pricing.book import is_placeholder_seller, set_seller
from shared.receipts.seller import (
    DEFAULT_SELLER_PATH,
    SellerConfigError,
    load_seller,
    seller_data,
    seller_for,
)

REAL = {
    "name": "Car Pulse Tracker Oy",
    "business_id": "3141592-6",
    "vat_number": "FI31415926",
    "address_lines": ["Katu 3", "00100 Helsinki"],
    "email": "receipts@example.test",
}


def test_the_repository_placeholder_is_recognised() -> None:
    assert is_placeholder_seller(seller_data(load_seller(DEFAULT_SELLER_PATH)))
    assert not is_placeholder_seller(REAL)


def test_local_falls_back_to_the_seed_file_and_prefers_the_store(firestore_db, app_env) -> None:
    settings = get_settings()
    assert seller_for(settings) == load_seller(settings.seller_path)
    set_seller(settings, REAL, by="test")
    assert seller_for(settings).name == "Car Pulse Tracker Oy"


def test_deployed_refuses_a_missing_or_placeholder_seller(firestore_db, app_env) -> None:
    deployed = get_settings().model_copy(update={"environment": "prd"})
    with pytest.raises(SellerConfigError, match="no seller identity"):
        seller_for(deployed)
    set_seller(deployed, seller_data(load_seller(DEFAULT_SELLER_PATH)), by="test")
    with pytest.raises(SellerConfigError, match="placeholder"):
        seller_for(deployed)
    set_seller(deployed, REAL, by="test")
    assert seller_for(deployed).vat_number == "FI31415926"
