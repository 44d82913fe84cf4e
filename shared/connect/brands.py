"""The car brands customers can connect. Tesla today; a second brand is one new connector.

A connector knows how to send the user to the brand's consent page and how to turn the code
that comes back into tokens and the account's cars (``shared.cars.connection``). Everything after
that (sessions, pricing, payment) is brand-neutral. The brands themselves are declared in
``shared.product.brands``.
"""

from __future__ import annotations

from shared.cars.connection import BrandConnector
from shared.product.brands import Brand

_TESLA: Brand = "tesla"


def connector_for(brand: str) -> BrandConnector:
    """The connector of a supported brand (validated by the request model before this)."""
    if brand == _TESLA:
        from shared.tesla.connect import TeslaConnector

        return TeslaConnector()
    raise KeyError(brand)
