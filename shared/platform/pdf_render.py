"""HTML → PDF with WeasyPrint, the same way for every document we print (reports, receipts).

- Nothing is fetched: an empty protocol list refuses every URL, so a document can't reach out.
- Same input, same bytes: fontTools stamps "now" into each embedded font subset unless
  SOURCE_DATE_EPOCH is set, so it is set to the document's own time for the duration of the
  render. An environment variable is process wide, hence one lock for every renderer (two
  renderers with their own locks could stamp each other's dates); a value the deployment set
  is left alone.
- WeasyPrint is imported here, inside the function: a heavy import only renderers pay for.
"""

from __future__ import annotations

import os
import threading
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from weasyprint import HTML

_RENDER_LOCK = threading.Lock()
_DEPLOYMENT_SETS_EPOCH = "SOURCE_DATE_EPOCH" in os.environ


def write_pdf(html: str, *, stamped_at: datetime) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    document = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=()))
    if _DEPLOYMENT_SETS_EPOCH:
        return _pdf_bytes(document)
    with _RENDER_LOCK:
        os.environ["SOURCE_DATE_EPOCH"] = str(int(stamped_at.timestamp()))
        try:
            return _pdf_bytes(document)
        finally:
            os.environ.pop("SOURCE_DATE_EPOCH", None)


def _pdf_bytes(document: HTML) -> bytes:
    # WeasyPrint ships no types; without a target, write_pdf returns the document's bytes.
    pdf: bytes = document.write_pdf()
    return pdf
