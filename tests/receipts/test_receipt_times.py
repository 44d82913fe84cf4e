"""The receipt's payment time follows each receipt language's locale (Babel's CLDR patterns,
as the reports do): its date, its 24-hour clock with the locale's separator and leading zero,
joined the locale's way. Issue 19's leftover: every receipt used to print ``HH:mm``.

A sample per language at 14:03 and at 09:05 (where "H" and "HH" differ). Pure.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime

import pytest

from shared.receipts.render import _clock_pattern, render_receipt_html
from tests.receipts.test_receipt_pdf import _manifest, _seller

SAMPLES = {
    # language: (14:03, 09:05)
    "en": ("12 May 2026, 14:03 UTC", "12 May 2026, 09:05 UTC"),
    "fi": ("12.5.2026 14.03 UTC", "12.5.2026 9.05 UTC"),
    "sv": ("12 maj 2026 14:03 UTC", "12 maj 2026 09:05 UTC"),
    "no": ("12. mai 2026, 14:03 UTC", "12. mai 2026, 09:05 UTC"),
    "da": ("12. maj 2026 14.03 UTC", "12. maj 2026 09.05 UTC"),
    "de": ("12.05.2026, 14:03 UTC", "12.05.2026, 09:05 UTC"),
    "fr": ("12 mai 2026, 14:03 UTC", "12 mai 2026, 09:05 UTC"),
    "es": ("12 may 2026, 14:03 UTC", "12 may 2026, 9:05 UTC"),
    "it": ("12 mag 2026, 14:03 UTC", "12 mag 2026, 09:05 UTC"),
}


def _printed(language: str, moment: datetime) -> str:
    manifest = {**_manifest(), "created_at": moment.isoformat()}
    text = html.unescape(render_receipt_html(manifest, seller=_seller(), language=language))
    return text.replace("\u00a0", " ").replace("\u202f", " ")


@pytest.mark.parametrize("language", list(SAMPLES))
def test_the_payment_time_follows_the_language_locale(language: str) -> None:
    afternoon, morning = SAMPLES[language]
    assert afternoon in _printed(language, datetime(2026, 5, 12, 14, 3, 27, tzinfo=UTC))
    assert morning in _printed(language, datetime(2026, 5, 12, 9, 5, tzinfo=UTC))


def test_the_time_is_stated_in_utc_whatever_zone_it_was_stored_in() -> None:
    from zoneinfo import ZoneInfo

    helsinki = datetime(2026, 5, 12, 17, 3, tzinfo=ZoneInfo("Europe/Helsinki"))
    assert "12.5.2026 14.03 UTC" in _printed("fi", helsinki)


@pytest.mark.parametrize("locale", ["en_US", "en_CA", "hi_IN"])
def test_a_twelve_hour_locale_still_prints_a_24_hour_clock(locale: str) -> None:
    assert _clock_pattern(locale) == "HH:mm"
