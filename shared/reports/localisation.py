"""Report languages (declared in ``shared.product.languages``): Babel locales and label catalogues.

Catalogues are flat JSON files (``i18n/<language>.json``: key → text) beside this module; English
is complete and every other language falls back to it key by key. Kept as JSON, not gettext, so
nothing has to be compiled at deploy time and a test can check every key in every language.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from shared.product.languages import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, ReportLanguage

if TYPE_CHECKING:
    from shared.reports.model import DistanceUnit

__all__ = ["catalogue", "locale_for", "resolve_language"]

# Babel has no "no" locale data under that name for every use; Norwegian Bokmål is "nb".
# English has none here: its locale follows the car's distance unit (see locale_for).
_LOCALES: dict[ReportLanguage, str] = {
    "fi": "fi_FI",
    "sv": "sv_SE",
    "no": "nb_NO",
    "da": "da_DK",
    "de": "de_DE",
    "fr": "fr_FR",
    "es": "es_ES",
    "it": "it_IT",
}
_ALIASES = {"nb": "no", "nn": "no"}
_CATALOGUE_DIR = Path(__file__).resolve().parent / "i18n"


def resolve_language(requested: str | None) -> ReportLanguage:
    """A supported language for ``requested`` ("fi", "fi-FI", "nb_NO", …); English otherwise."""
    primary = (requested or "").strip().replace("_", "-").split("-")[0].lower()
    primary = _ALIASES.get(primary, primary)
    return primary if primary in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE


def locale_for(language: ReportLanguage, distance_unit: DistanceUnit) -> str:
    """Babel locale for a supported language. English follows the car: miles read as US English
    (May 12, 2026), kilometres as British English (12 May 2026)."""
    if language == "en":
        return "en_US" if distance_unit == "mi" else "en_GB"
    return _LOCALES[language]


@cache
def catalogue(language: str) -> dict[str, str]:
    """The labels of one language with English filling any gap."""
    english = _load(DEFAULT_LANGUAGE)
    if language == DEFAULT_LANGUAGE:
        return english
    return {**english, **_load(language)}


def _load(language: str) -> dict[str, str]:
    path = _CATALOGUE_DIR / f"{language}.json"
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {str(key): str(value) for key, value in data.items()}
