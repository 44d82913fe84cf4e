"""The seller file and the label catalogue: complete and checked before anything is printed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shared.product.languages import SUPPORTED_LANGUAGES
from shared.receipts.render import _catalogues
from shared.receipts.seller import DEFAULT_SELLER_PATH, SellerConfigError, load_seller

CATALOGUE_PATH = Path(__file__).resolve().parents[2] / "shared" / "receipts" / "i18n.json"


def test_the_repository_seller_file_loads() -> None:
    seller = load_seller(DEFAULT_SELLER_PATH)
    assert seller.name and seller.business_id and seller.vat_number and seller.email
    assert seller.address_lines
    # Placeholders must stay recognisably fictional until real details replace them.
    assert "EXAMPLE" in seller.name
    assert seller.email.endswith(".example")


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "seller.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


VALID = {
    "name": "Example Oy",
    "business_id": "1234567-8",
    "vat_number": "FI12345678",
    "address_lines": ["Street 1", "00100 Helsinki"],
    "email": "billing@example.com",
}


def test_a_valid_file_loads_with_comments_ignored(tmp_path: Path) -> None:
    seller = load_seller(_write(tmp_path, {"_comment": "hello", **VALID}))
    assert seller.address_lines == ("Street 1", "00100 Helsinki")
    assert seller.vat_number == "FI12345678"


@pytest.mark.parametrize(
    "broken",
    [
        {key: value for key, value in VALID.items() if key != "vat_number"},
        {**VALID, "email": "  "},
        {**VALID, "address_lines": []},
        {**VALID, "address_lines": "Street 1"},
        {**VALID, "vat_nr": "FI1"},
        ["not", "an", "object"],
    ],
)
def test_a_broken_file_is_refused(tmp_path: Path, broken: object) -> None:
    with pytest.raises(SellerConfigError):
        load_seller(_write(tmp_path, broken))


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SellerConfigError):
        load_seller(tmp_path / "nope.json")


def test_every_language_has_every_label() -> None:
    raw = json.loads(CATALOGUE_PATH.read_text(encoding="utf-8"))
    assert set(raw) == set(SUPPORTED_LANGUAGES)
    english = set(raw["en"])
    for language in SUPPORTED_LANGUAGES:
        assert set(raw[language]) == english, language
        assert all(text.strip() for text in raw[language].values()), language
        # Placeholders must survive translation, or .format() would fail on a receipt.
        for key, text in raw[language].items():
            for placeholder in ("{package}", "{vehicles}", "{band}", "{count}", "{code}", "{rate}"):
                assert (placeholder in text) == (placeholder in raw["en"][key]), (language, key)
    assert _catalogues()["no"]["title"] == "Kvittering"
