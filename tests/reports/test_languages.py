"""The report-language vocabulary (shared.product.languages) and what hangs off it: pure."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest
from babel import Locale
from pydantic import ValidationError

from shared.payments.models import CreateIntentRequest
from shared.product.languages import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, ReportLanguage
from shared.reports import localisation
from shared.reports.localisation import locale_for, resolve_language

_SESSION_ID = "s" * 43


def test_the_tuple_is_the_type() -> None:
    assert get_args(ReportLanguage) == SUPPORTED_LANGUAGES
    assert SUPPORTED_LANGUAGES[0] == DEFAULT_LANGUAGE == "en"


def test_every_language_has_a_catalogue_file_and_no_file_is_extra() -> None:
    folder = Path(localisation.__file__).parent / "i18n"
    assert {path.stem for path in folder.glob("*.json")} == set(SUPPORTED_LANGUAGES)


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_language_resolves_to_itself_with_a_babel_locale(language: ReportLanguage) -> None:
    assert resolve_language(language) == language
    for unit in ("km", "mi"):
        assert Locale.parse(locale_for(language, unit)).language


def test_the_payment_request_accepts_exactly_the_languages() -> None:
    for language in SUPPORTED_LANGUAGES:
        request = CreateIntentRequest.model_validate(
            {"session_id": _SESSION_ID, "method": "stripe", "language": language}
        )
        assert request.language == language
    with pytest.raises(ValidationError):
        CreateIntentRequest.model_validate(
            {"session_id": _SESSION_ID, "method": "stripe", "language": "pt"}
        )
