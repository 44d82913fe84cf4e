"""A paid family order with its reports built, as tests/delivery builds them; the demo cars'
raw payloads, as tests/reports renders them."""

from __future__ import annotations

from tests.delivery.conftest import browser, fast_tesla, order  # noqa: F401
from tests.reports.conftest import demo  # noqa: F401
