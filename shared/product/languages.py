"""The languages a report (and its receipt) can be ordered in: declared here and nowhere else.

``ReportLanguage`` is the type (the create-intent request validates against it, the OpenAPI
document lists it); ``SUPPORTED_LANGUAGES`` is the same list as a tuple, in this order.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

ReportLanguage = Literal["en", "fi", "sv", "no", "da", "de", "fr", "es", "it"]

SUPPORTED_LANGUAGES: Final[tuple[ReportLanguage, ...]] = get_args(ReportLanguage)
DEFAULT_LANGUAGE: Final[ReportLanguage] = "en"
