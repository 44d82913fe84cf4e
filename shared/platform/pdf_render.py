"""HTML → PDF with WeasyPrint, the same way for every document we print (reports, receipts).

- Nothing is fetched: an empty protocol list refuses every URL, so a document can't reach out.
- Same input, same bytes: fontTools stamps "now" into each embedded font subset unless
  SOURCE_DATE_EPOCH is set, so it is set to the document's own time for the duration of the
  render. An environment variable is process wide, hence one lock for every renderer (two
  renderers with their own locks could stamp each other's dates); a value the deployment set
  is left alone.
- WeasyPrint is imported here, inside the function: a heavy import only renderers pay for.
- Quiet: fontTools logs ~40 INFO lines per render (one per subset table) and WeasyPrint a few
  more; they are raised to WARNING, and each render logs one line instead — pages, render time
  and size, plus what the caller says the document is.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from weasyprint import HTML

logger = logging.getLogger(__name__)
# Their INFO lines say nothing an operator acts on; warnings and errors still come through.
NOISY_LOGGERS = ("fontTools", "weasyprint", "weasyprint.progress")


class _OncePerProcess(logging.Filter):
    """Lets each distinct message through once: WeasyPrint repeats its HarfBuzz-Subset warning
    for every font of every render, and once is enough to know the deployment lacks it."""

    def __init__(self) -> None:
        super().__init__()
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR:
            return True
        message = record.getMessage()
        with self._lock:
            if message in self._seen:
                return False
            self._seen.add(message)
            return True


_ONCE = _OncePerProcess()

_RENDER_LOCK = threading.Lock()
_DEPLOYMENT_SETS_EPOCH = "SOURCE_DATE_EPOCH" in os.environ


def quiet_third_party_logs() -> None:
    for name in NOISY_LOGGERS:
        noisy = logging.getLogger(name)
        if noisy.level < logging.WARNING:  # NOTSET included; a level set higher is kept
            noisy.setLevel(logging.WARNING)
        if _ONCE not in noisy.filters:
            noisy.addFilter(_ONCE)


def write_pdf(
    html: str, *, stamped_at: datetime, describe: Mapping[str, Any] | None = None
) -> bytes:
    """The PDF of ``html``; ``describe`` adds fields (document kind, language…) to the log line."""
    quiet_third_party_logs()  # first: importing WeasyPrint logs its stylesheets at INFO
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    started = time.perf_counter()
    document = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=()))
    if _DEPLOYMENT_SETS_EPOCH:
        pdf, pages = _pdf_bytes(document)
    else:
        with _RENDER_LOCK:
            os.environ["SOURCE_DATE_EPOCH"] = str(int(stamped_at.timestamp()))
            try:
                pdf, pages = _pdf_bytes(document)
            finally:
                os.environ.pop("SOURCE_DATE_EPOCH", None)
    logger.info(
        "pdf rendered",
        extra={
            "fields": {
                **(describe or {}),
                "pages": pages,
                "render_ms": round((time.perf_counter() - started) * 1000),
                "bytes": len(pdf),
            }
        },
    )
    return pdf


def _pdf_bytes(document: HTML) -> tuple[bytes, int]:
    # WeasyPrint ships no types; without a target, write_pdf returns the document's bytes.
    rendered = document.render()
    pdf: bytes = rendered.write_pdf()
    return pdf, len(rendered.pages)
