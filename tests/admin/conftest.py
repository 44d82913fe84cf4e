"""The admin tool against the emulator; an order to try what it changes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shared.pricing.book import clear_commerce_cache
from tests.payments.conftest import OrderDriver, browser  # noqa: F401 - the fixture

__all__ = ["OrderDriver"]


@pytest.fixture(autouse=True)
def _fresh_commerce_cache() -> Iterator[None]:
    # What a test published must not outlive its emptied database in this process's cache.
    clear_commerce_cache()
    yield
    clear_commerce_cache()


@pytest.fixture
def order(browser, live_gateway: str, stripe_api: str, gcs_bucket) -> OrderDriver:  # noqa: F811
    return OrderDriver(browser, stripe_api)
