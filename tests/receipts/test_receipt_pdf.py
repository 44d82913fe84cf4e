"""The receipt PDF: every language, the VAT breakdown a bookkeeper books, masked cars, one A4 page.

Manifests are built the way ``shared.orders.manifests.build_manifest`` builds them, with the
quote from the real pricing engine, so the numbers are the ones a buyer is charged. Text is read
back with pypdf. Pure: no emulator, no network.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any

import pytest
from pypdf import PdfReader

from shared.cars.vehicles import mask_vin, model_name, model_year
from shared.pricing.quotes import build_quote
from shared.pricing.vouchers import Voucher, VoucherType
from shared.receipts.document import ReceiptDataError, render_receipt_pdf
from shared.receipts.render import render_receipt_html
from shared.receipts.seller import Seller, load_seller

A4_POINTS = (595.28, 841.89)
ORDER_ID = "ord_5f0c2a9e41b7d3c8a6e2f019"
SESSION_ID = "sess_must_never_be_printed_9f8e7d"
PAID_AT = datetime(2026, 5, 12, 14, 3, 27, tzinfo=UTC)
FULL_VINS = ("5YJ3E7EB2NF123456", "7SAYGDEE5PA234567")
# Any 17-character VIN-shaped run (VINs never use I, O or Q).
FULL_VIN_PATTERN = re.compile(r"[A-HJ-NPR-Z0-9]{17}")

LAUNCH10 = Voucher(
    code="LAUNCH10",
    type=VoucherType.PERCENTAGE,
    label="Launch discount (10% off)",
    active=True,
    percent_off=Decimal("10"),
)
PILOT_FREE = Voucher(
    code="PILOT2026",
    type=VoucherType.PERCENTAGE,
    label="Test pilot (100% off)",
    active=True,
    percent_off=Decimal("100"),
)
FIVE_EUROS_OFF = Voucher(
    code="WELCOME5",
    type=VoucherType.FIXED,
    label="Welcome (5 € off)",
    active=True,
    amount_off_cents=500,
)

# Pro, 2 cars, 29.99 € VAT included at 25.5 %: 6.09 € VAT, 23.90 € net.
EXPECTED_AMOUNTS = {
    "en": ("€23.90", "€6.09", "€29.99"),
    **{
        language: ("23,90 €", "6,09 €", "29,99 €")
        for language in ("fi", "sv", "no", "da", "de", "fr", "es", "it")
    },
}
EXPECTED_VAT_LABELS = {
    "en": ("Total excl. VAT", "VAT 25.5%", "Total incl. VAT"),
    "fi": ("Veroton yhteensä", "ALV 25,5 %", "Yhteensä (sis. ALV)"),
    "sv": ("Summa exkl. moms", "Moms 25,5 %", "Summa inkl. moms"),
    "no": ("Sum ekskl. mva.", "MVA 25,5 %", "Sum inkl. mva."),
    "da": ("I alt ekskl. moms", "Moms 25,5 %", "I alt inkl. moms"),
    "de": ("Summe netto", "USt. 25,5 %", "Summe brutto"),
    "fr": ("Total HT", "TVA 25,5 %", "Total TTC"),
    "es": ("Total sin IVA", "IVA 25,5 %", "Total con IVA"),
    "it": ("Totale imponibile", "IVA 25,5%", "Totale IVA inclusa"),
}
RECEIPT_TITLES = {
    "en": "Receipt",
    "fi": "Kuitti",
    "sv": "Kvitto",
    "no": "Kvittering",
    "da": "Kvittering",
    "de": "Quittung",
    "fr": "Reçu",
    "es": "Recibo",
    "it": "Ricevuta",
}


def _vehicle(index: int, vin: str, *, masked: bool = True) -> dict[str, Any]:
    # The shape build_manifest writes; masked=False stands for a manifest written by mistake.
    return {
        "id": 3744180002000017 + index,
        "vin": mask_vin(vin) if masked else vin,
        "model": model_name(vin),
        "year": model_year(vin),
        "display_name": f"Fleet car {index + 1}",
    }


def _manifest(
    *,
    package: str = "pro",
    vins: tuple[str, ...] = FULL_VINS,
    voucher: Voucher | None = None,
    method: str = "stripe",
    payment_id: str = "pi_3PqXyZ2eZvKYlo2C1AbCdEf",
    masked: bool = True,
) -> dict[str, Any]:
    quote = build_quote(
        package, len(vins), voucher, vat_rate_percent=Decimal("25.5"), currency="EUR"
    ).to_record()
    return {
        "manifest_version": 1,
        "order_id": ORDER_ID,
        "payment_id": payment_id,
        "payment_method": method,
        "payment_provider": "voucher" if method == "voucher" else "stripe",
        "package": package,
        "vehicle_count": len(vins),
        "vehicles": [_vehicle(i, vin, masked=masked) for i, vin in enumerate(vins)],
        "amount_cents": quote["total_cents"],
        "vat_cents": quote["vat_cents"],
        "voucher": quote["voucher"],
        "currency": quote["currency"],
        "quote": quote,
        "language": "en",
        "created_at": PAID_AT.isoformat(),
        # Not part of a real manifest: here to prove nothing prints fields it was not asked to.
        "session_id": SESSION_ID,
    }


@cache
def _seller() -> Seller:
    return load_seller()


@cache
def _rendered(language: str) -> bytes:
    return render_receipt_pdf(_manifest(), seller=_seller(), language=language)


def _text(pdf: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    # Babel separates amount and symbol with (narrow) no-break spaces; compare as plain spaces.
    return re.sub(r"[\u00a0\u202f]", " ", text)


def _text_of_page(reader: PdfReader, index: int) -> str:
    return re.sub(r"[\u00a0\u202f]", " ", reader.pages[index].extract_text())


@pytest.mark.parametrize("language", list(RECEIPT_TITLES))
def test_receipt_in_every_language(language: str) -> None:
    pdf = _rendered(language)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    width, height = (float(value) for value in reader.pages[0].mediabox[2:])
    assert (round(width, 2), round(height, 2)) == A4_POINTS

    text = _text(pdf)
    assert RECEIPT_TITLES[language] in text
    assert ORDER_ID in text
    assert "pi_3PqXyZ2eZvKYlo2C1AbCdEf" in text
    net, vat, gross = EXPECTED_AMOUNTS[language]
    net_label, vat_label, gross_label = EXPECTED_VAT_LABELS[language]
    for label, amount in ((net_label, net), (vat_label, vat), (gross_label, gross)):
        assert re.search(rf"{re.escape(label)}\s*{re.escape(amount)}", text), (label, amount)
    for vin in FULL_VINS:
        assert mask_vin(vin) in text
    assert not FULL_VIN_PATTERN.search(text)
    assert _seller().vat_number in text
    assert SESSION_ID not in text


def test_english_line_item_date_and_seller() -> None:
    text = _text(_rendered("en"))
    assert "Pro Report — 2 vehicles (price tier: 2 vehicles)" in text
    assert "12 May 2026, 14:03 UTC" in text
    assert "Card" in text
    seller = _seller()
    for part in (seller.name, seller.business_id, seller.email, *seller.address_lines):
        assert part in text
    assert "Model 3" in text and "Model Y" in text


def test_finnish_date_and_line_item() -> None:
    text = _text(_rendered("fi"))
    assert "12.5.2026 14.03 UTC" in text  # Finnish clock: a full stop
    assert "Pro-raportti — 2 ajoneuvoa (hintaporras: 2 ajoneuvoa)" in text
    assert "Kortti" in text


@pytest.mark.parametrize(
    ("requested", "title"),
    [("xx", "Receipt"), ("", "Receipt"), ("nb", "Kvittering"), ("fi-FI", "Kuitti")],
)
def test_language_resolution(requested: str, title: str) -> None:
    html = render_receipt_html(_manifest(), seller=_seller(), language=requested)
    assert f"<h1>{title}</h1>" in html


def test_voucher_order_shows_the_discount() -> None:
    manifest = _manifest(voucher=LAUNCH10)
    assert manifest["quote"]["total_cents"] == 2699  # 29.99 − 10 %
    text = _text(render_receipt_pdf(manifest, seller=_seller(), language="en"))
    assert re.search(r"Voucher LAUNCH10 \(10%\)\s*-€3\.00", text)
    assert re.search(r"Total excl\. VAT\s*€21\.51", text)
    assert re.search(r"VAT 25\.5%\s*€5\.48", text)
    assert re.search(r"Total incl\. VAT\s*€26\.99", text)

    german = _text(render_receipt_pdf(manifest, seller=_seller(), language="de"))
    assert re.search(r"Gutschein LAUNCH10 \(10 %\)\s*-3,00 €", german)


def test_fixed_amount_voucher_shows_the_amount_only() -> None:
    manifest = _manifest(package="basic", vins=FULL_VINS[:1], voucher=FIVE_EUROS_OFF)
    text = _text(render_receipt_pdf(manifest, seller=_seller(), language="en"))
    assert "Basic Report — 1 vehicle (price tier: 1 vehicle)" in text
    assert re.search(r"Voucher WELCOME5\s*-€5\.00", text)
    assert re.search(r"Total incl\. VAT\s*€4\.99", text)


def test_zero_total_order_still_gets_a_receipt() -> None:
    manifest = _manifest(voucher=PILOT_FREE, method="voucher", payment_id=f"voucher:{ORDER_ID}:1")
    assert manifest["quote"]["total_cents"] == 0
    pdf = render_receipt_pdf(manifest, seller=_seller(), language="en")
    text = _text(pdf)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    assert re.search(r"Voucher PILOT2026 \(100%\)\s*-€29\.99", text)
    for label in EXPECTED_VAT_LABELS["en"]:
        assert re.search(rf"{re.escape(label)}\s*€0\.00", text), label
    assert "Voucher (nothing to pay)" in text

    finnish = _text(render_receipt_pdf(manifest, seller=_seller(), language="fi"))
    assert re.search(r"Yhteensä \(sis\. ALV\)\s*0,00 €", finnish)


def test_same_input_gives_the_same_bytes_and_dates_come_from_the_manifest() -> None:
    first = render_receipt_pdf(_manifest(), seller=_seller(), language="sv")
    second = render_receipt_pdf(_manifest(), seller=_seller(), language="sv")
    assert first == second
    assert "SOURCE_DATE_EPOCH" not in os.environ  # the render restores the environment
    metadata = PdfReader(io.BytesIO(first)).metadata
    assert metadata is not None
    assert metadata.creation_date == PAID_AT.replace(microsecond=0)
    assert metadata.modification_date == PAID_AT.replace(microsecond=0)
    assert metadata.title == f"Kvitto {ORDER_ID}"


def test_a_large_fleet_fits_on_one_page() -> None:
    # The open "6+" band: a fleet of 90 cars still gets a one-page receipt listing every car.
    vins = tuple(f"5YJ3E7EB2NF{index:02d}1234" for index in range(90))
    manifest = _manifest(package="expert", vins=vins)
    pdf = render_receipt_pdf(manifest, seller=_seller(), language="de")
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    text = _text(pdf)
    assert "Expert-Bericht — 90 Fahrzeuge (Preisstufe: 6+ Fahrzeuge)" in text
    for vin in vins:
        assert mask_vin(vin) in text
    assert not FULL_VIN_PATTERN.search(text)


def test_a_fleet_too_large_for_one_page_still_lists_every_car() -> None:
    vins = tuple(f"LRW3E7EK1RC{index:03d}123" for index in range(150))
    pdf = render_receipt_pdf(_manifest(package="basic", vins=vins), seller=_seller(), language="en")
    reader = PdfReader(io.BytesIO(pdf))
    first_page = _text_of_page(reader, 0)
    assert re.search(r"Total incl\. VAT\s*€49\.99", first_page)  # the money stays on page 1
    text = _text(pdf)
    for vin in vins:
        assert mask_vin(vin) in text
    assert "This receipt was issued electronically" in _text_of_page(reader, len(reader.pages) - 1)


def test_a_full_vin_in_the_manifest_is_masked_anyway() -> None:
    manifest = _manifest(masked=False)
    text = _text(render_receipt_pdf(manifest, seller=_seller(), language="en"))
    for vin in FULL_VINS:
        assert vin not in text
        assert mask_vin(vin) in text


def test_user_text_is_escaped() -> None:
    manifest = _manifest()
    manifest["vehicles"][0]["display_name"] = '<img src="http://evil.example/x.png">'
    html = render_receipt_html(manifest, seller=_seller(), language="en")
    assert "<img" not in html
    assert "&lt;img" in html


def test_a_quote_record_that_does_not_add_up_is_refused() -> None:
    manifest = _manifest()
    manifest["quote"] = {**manifest["quote"], "vat_cents": 1}
    with pytest.raises(ReceiptDataError):
        render_receipt_pdf(manifest, seller=_seller(), language="en")


@pytest.mark.parametrize("missing", ["order_id", "created_at", "quote"])
def test_a_manifest_without_its_essentials_is_refused(missing: str) -> None:
    manifest = _manifest()
    del manifest[missing]
    with pytest.raises(ReceiptDataError):
        render_receipt_pdf(manifest, seller=_seller(), language="en")


def test_importing_the_package_loads_no_renderer() -> None:
    probe = (
        "import sys, shared.receipts; "
        "print(sorted(m for m in ('weasyprint', 'jinja2', 'babel') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
