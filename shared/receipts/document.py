"""Receipts: one A4 PDF per paid order, rendered from its order manifest.

``render_receipt_pdf(manifest, seller=..., language=...)`` prints the seller, the order id as the
receipt number, the payment, the line item, any voucher, the VAT breakdown and the masked cars.
This package imports nothing heavy: Jinja2 and Babel load on the first render, WeasyPrint inside
it, so a function that only imports the package keeps its cold start.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.receipts.seller import Seller


class ReceiptDataError(ValueError):
    """A manifest that cannot be printed: a missing field, or amounts that do not add up."""


def render_receipt_pdf(manifest: Mapping[str, Any], *, seller: Seller, language: str) -> bytes:
    """The order's receipt as PDF bytes: A4, one page, selectable text, same input → same bytes.

    ``language`` is one of en, fi, sv, no, da, de, fr, es, it (regional forms such as "fi-FI"
    are accepted); anything else renders in English.
    """
    from shared.receipts.render import render_receipt_pdf as render  # lazy: Jinja2, Babel

    return render(manifest, seller=seller, language=language)
