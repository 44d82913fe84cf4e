"""The PDF: every language, A4, real text, masked VIN, the package's sections and nothing more.

Text is read back with pypdf (poppler's pdftotext is not on every machine this suite runs on).
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from datetime import UTC, datetime
from functools import cache

import pytest
from pypdf import PdfReader

from shared.product.languages import SUPPORTED_LANGUAGES
from shared.reports.localisation import catalogue
from shared.reports.model import VehicleReport
from shared.reports.normalise import ModuleResult, build_report
from shared.reports.pdf import OrderSummary, render_html, render_pdf
from tests.reports.conftest import GENERATED_AT, DemoData

A4_POINTS = (595.28, 841.89)
SECTION_KEYS = {
    "basic": ["section_identity", "section_battery", "section_condition", "section_about"],
    "pro": [
        "section_identity",
        "section_battery",
        "section_condition",
        "section_charging",
        "section_alerts",
        "section_service",
        "section_release_notes",
        "section_options",
        "section_about",
    ],
}
SECTION_KEYS["expert"] = [*SECTION_KEYS["pro"][:-1], "section_specs", "section_about"]
PRO_ONLY_KEYS = sorted(set(SECTION_KEYS["pro"]) - set(SECTION_KEYS["basic"]))


def _order(package: str, vehicles: int = 2) -> OrderSummary:
    return OrderSummary(
        order_id="CPT-2026-000123",
        package=package,  # type: ignore[arg-type]
        ordered_at=datetime(2026, 11, 1, 9, 12, tzinfo=UTC),
        vehicle_count=vehicles,
    )


def _report(demo: DemoData, name: str, package: str, language: str, **overrides):
    car = demo.car(name)
    return build_report(
        vehicle=car.vehicle,
        package=package,
        modules=car.modules(**overrides),
        language=language,
        generated_at=GENERATED_AT,
    )


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in reader.pages))


@pytest.fixture(scope="module")
def rendered(demo: DemoData):
    """Render once per (car, package, language) within this module."""

    @cache
    def render(name: str, package: str, language: str) -> tuple[VehicleReport, bytes, str]:
        report = _report(demo, name, package, language)
        pdf = render_pdf(report, order=_order(package), language=language)
        return report, pdf, _text(pdf)

    return render


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_pro_pdf_in_every_language(demo: DemoData, rendered, language: str) -> None:
    report, pdf, text = rendered("Family 3", "pro", language)
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 5
    for page in reader.pages:
        box = page.mediabox
        assert (float(box.width), float(box.height)) == pytest.approx(A4_POINTS, abs=0.5)
    vin = demo.car("Family 3").vin
    assert report.identity.vin_masked in text
    assert vin not in text
    labels = catalogue(language)
    for key in SECTION_KEYS["pro"]:
        assert labels[key] in text, (language, key)
    assert labels["report_title"] in text
    assert "Family 3" in text


def test_basic_pdf_lacks_the_pro_sections(rendered) -> None:
    for language in ("en", "de", "fi"):
        _, _, text = rendered("JT3", "basic", language)
        labels = catalogue(language)
        for key in SECTION_KEYS["basic"]:
            assert labels[key] in text, (language, key)
        for key in PRO_ONLY_KEYS:
            assert labels[key] not in text, (language, key)


def test_expert_pdf_adds_specifications(rendered) -> None:
    _, _, text = rendered("Fleet 06", "expert", "en")
    for key in SECTION_KEYS["expert"]:
        assert catalogue("en")[key] in text
    assert "Battery health" in text


def test_numbers_dates_and_money_follow_the_locale(rendered) -> None:
    _, _, english = rendered("Family 3", "pro", "en")
    _, _, finnish = rendered("Family 3", "pro", "fi")
    _, _, german = rendered("Family 3", "pro", "de")
    assert "1 Nov 2026" in english and "€" in english
    assert "1.11.2026" in finnish and re.search(r"\d,\d{2}\s€", finnish)
    assert "01.11.2026" in german
    assert re.search(r"\d{1,3}\.\d{3} km", german)  # 63.003 km


def test_units_of_an_na_car(rendered) -> None:
    _, _, text = rendered("Blue Yonder", "pro", "en")
    assert " mi" in text and "psi" in text and "°F" in text and "$" in text
    assert " km " not in text


def test_partial_report_says_so_in_its_language(demo: DemoData) -> None:
    report = _report(
        demo,
        "Family Y",
        "pro",
        "sv",
        charging_history=ModuleResult.unavailable("Tesla answered 503."),
        vehicle_data=ModuleResult.failed("Timed out waking the car."),
    )
    text = _text(render_pdf(report, order=_order("pro"), language="sv"))
    labels = catalogue("sv")
    assert labels["status_partial"] in text
    assert labels["notice_unavailable"] in text and labels["notice_failed"] in text
    assert "Tesla answered 503." in text
    assert labels["na"] in text


def test_unknown_language_falls_back_to_english(demo: DemoData) -> None:
    report = _report(demo, "JT3", "basic", "xx")
    html = render_html(report, order=_order("basic", 1), language="xx")
    assert 'lang="en"' in html and catalogue("en")["section_battery"] in html


def test_rendering_is_deterministic_and_fetches_nothing(demo: DemoData) -> None:
    report = _report(demo, "JT3", "pro", "it")
    first = render_pdf(report, order=_order("pro", 1), language="it")
    second = render_pdf(report, order=_order("pro", 1), language="it")
    assert first == second
    html = render_html(report, order=_order("pro", 1), language="it")
    # No external resources at all (the SVG namespace URI is a name, not a fetch).
    for reference in ("<img", " src=", "href=", "url(", "@import"):
        assert reference not in html


def test_user_text_cannot_break_out_of_the_document(demo: DemoData) -> None:
    car = demo.car("JT3")
    hostile = {**car.vehicle, "display_name": 'Evil"</style><script>x</script>\\'}
    report = build_report(
        vehicle=hostile,
        package="basic",
        modules=car.modules(),
        language="en",
        generated_at=GENERATED_AT,
    )
    html = render_html(report, order=_order("basic", 1), language="en")
    assert "<script>" not in html
    assert 'Evil"</style>' not in html
    text = _text(render_pdf(report, order=_order("basic", 1), language="en"))
    assert "Evil" in text


def test_weasyprint_is_not_imported_until_rendering() -> None:
    code = (
        "import sys, shared.reports.pdf, shared.reports.normalise;"
        "print('weasyprint' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "False"


def test_every_language_has_every_label() -> None:
    english = catalogue("en")
    for language in SUPPORTED_LANGUAGES:
        labels = catalogue(language)
        assert set(labels) == set(english)
        for key, text in labels.items():
            assert set(re.findall(r"\{\w+\}", text)) == set(re.findall(r"\{\w+\}", english[key]))
    # every language except English actually translates the headings
    for language in SUPPORTED_LANGUAGES[1:]:
        assert catalogue(language)["section_battery"] != english["section_battery"]
