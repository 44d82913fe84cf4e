"""Quotes: the roadmap's worked example, the frozen order record, and the API models."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from shared.pricing.models import (
    CatalogResponse,
    QuoteRequest,
    QuoteResponse,
    VoucherValidateRequest,
    VoucherValidateResponse,
)
from shared.pricing.quotes import Quote, QuoteRecordError, build_quote
from shared.pricing.responses import build_catalog
from shared.pricing.vouchers import VoucherBook, VoucherType
from shared.product.catalog import Package

from .conftest import CURRENCY, VAT_RATE


def quote(package: str, vehicles: int, book: VoucherBook | None = None, code: str = "") -> Quote:
    voucher = book[code] if book is not None else None
    return build_quote(package, vehicles, voucher, vat_rate_percent=VAT_RATE, currency=CURRENCY)


# ── Roadmap §3.5 / §7 worked example ───────────────────────────────────────────────────────────


def test_pro_two_vehicles_without_voucher_is_the_roadmap_response() -> None:
    assert quote("pro", 2).to_response().model_dump(mode="json") == {
        "package": "pro",
        "vehicle_count": 2,
        "tier_label": "2 vehicles",
        "tier_price_cents": 2999,
        "voucher": None,
        "total_cents": 2999,
        "vat_cents": 609,
        "currency": "EUR",
    }


def test_pilot2026_makes_it_free(sample_book: VoucherBook) -> None:
    result = quote("pro", 2, sample_book, "PILOT2026")
    assert (result.tier_price_cents, result.total_cents, result.vat_cents) == (2999, 0, 0)
    assert result.is_free
    assert result.to_response().model_dump(mode="json")["voucher"] == {
        "code": "PILOT2026",
        "type": "percentage",
        "label": "Test pilot (100% off)",
        "discount_cents": 2999,
    }


def test_launch10_takes_ten_percent_half_up(sample_book: VoucherBook) -> None:
    result = quote("pro", 2, sample_book, "LAUNCH10")
    assert result.discount_cents == 300  # 299.9 → 300
    assert result.total_cents == 2699
    assert result.vat_cents == 548  # round_half_up(2699 × 25.5 / 125.5) = round(548.40)
    assert result.net_cents == 2151
    assert not result.is_free


def test_fleet20_on_expert_eleven_vehicles(sample_book: VoucherBook) -> None:
    result = quote("expert", 11, sample_book, "FLEET20")
    assert (result.tier_price_cents, result.discount_cents, result.total_cents) == (
        12999,
        2600,  # 2599.8 → 2600
        10399,
    )
    assert result.tier_label == "6+ vehicles"
    assert result.vat_cents == 2113  # 10399 × 25.5 / 125.5 = 2112.95


def test_fixed_voucher_larger_than_price_gives_zero(test_book: VoucherBook) -> None:
    result = quote("basic", 1, test_book, "TEST-FIXED-HUGE")
    assert (result.discount_cents, result.total_cents, result.vat_cents) == (999, 0, 0)


def test_a_voucher_for_another_package_is_a_programming_error(test_book: VoucherBook) -> None:
    with pytest.raises(ValueError, match="does not apply"):
        quote("pro", 1, test_book, "TEST-EXPERT-ONLY")
    assert quote("expert", 1, test_book, "TEST-EXPERT-ONLY").total_cents == 1999


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"vat_rate_percent": 25.5}, TypeError),
        ({"currency": "eur"}, ValueError),
        ({"currency": "EURO"}, ValueError),
    ],
)
def test_settings_are_checked(kwargs: dict[str, Any], error: type[Exception]) -> None:
    arguments: dict[str, Any] = {"vat_rate_percent": VAT_RATE, "currency": CURRENCY, **kwargs}
    with pytest.raises(error):
        build_quote("pro", 2, None, **arguments)


# ── The order record ───────────────────────────────────────────────────────────────────────────


def test_record_holds_everything_for_the_receipt(test_book: VoucherBook) -> None:
    record = quote("pro", 4, test_book, "TEST-PERCENT-12-5").to_record()
    assert record == {
        "record_version": 1,
        "package": "pro",
        "package_title": "Pro Report",
        "vehicle_count": 4,
        "tier_band": "3-5",
        "tier_label": "3–5 vehicles",
        "tier_min_vehicles": 3,
        "tier_max_vehicles": 5,
        "tier_price_cents": 4999,
        "voucher": {
            "code": "TEST-PERCENT-12-5",
            "type": "percentage",
            "label": "TEST FIXTURE: fractional percentage (12.5% off)",
            "percent_off": "12.5",
            "amount_off_cents": None,
            "discount_cents": 625,  # 624.875 → 625
            "version": 0,  # the voucher's version in the store (0: built by hand)
        },
        "discount_cents": 625,
        "total_cents": 4374,
        "vat_cents": 889,  # 4374 × 25.5 / 125.5 = 888.74
        "net_cents": 3485,
        "vat_rate_percent": "25.5",
        "currency": "EUR",
        "price_book_version": 0,  # the built-in table
    }


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    return [value]


@pytest.mark.parametrize("code", [None, "TEST-FIXED-500", "TEST-FREE", "TEST-PERCENT-12-5"])
@pytest.mark.parametrize("vehicles", [1, 2, 7, 40])
def test_record_round_trips_and_is_plain_data(
    test_book: VoucherBook, code: str | None, vehicles: int
) -> None:
    original = quote("expert", vehicles, test_book if code else None, code or "")
    record = original.to_record()
    assert all(type(leaf) in {int, str, type(None)} for leaf in _leaves(record))
    assert json.loads(json.dumps(record)) == record  # Firestore/JSON safe, nothing lost
    restored = Quote.from_record(json.loads(json.dumps(record)))
    assert restored == original
    assert hash(restored) == hash(original)
    assert restored.to_response() == original.to_response()


def test_quotes_are_hashable_values() -> None:
    assert len({quote("pro", 2), quote("pro", 2), quote("pro", 3)}) == 2
    with pytest.raises(AttributeError):
        quote("pro", 2).total_cents = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"total_cents": 2998}, "total"),
        ({"vat_cents": 610}, "VAT"),
        ({"vehicle_count": 3}, "tier band"),
        ({"record_version": 2}, "record_version"),
        ({"vat_rate_percent": 25.5}, "invalid quote record"),
        ({"currency": None}, "invalid quote record"),
        ({"package": "bulk"}, "invalid quote record"),
    ],
)
def test_inconsistent_records_are_refused(change: dict[str, Any], message: str) -> None:
    record = {**quote("pro", 2).to_record(), **change}
    with pytest.raises(QuoteRecordError, match=message):
        Quote.from_record(record)


def test_record_missing_a_field_is_refused() -> None:
    record = quote("pro", 2).to_record()
    del record["tier_price_cents"]
    with pytest.raises(QuoteRecordError, match="tier_price_cents"):
        Quote.from_record(record)


# ── API models ─────────────────────────────────────────────────────────────────────────────────

SESSION_ID = "Zr0-_k9aQw3xY7uVt2s1p8o4n6m5l3j1h0g9f8e7d6c"  # token_urlsafe(32) shape


def test_quote_request_strips_and_accepts_no_voucher() -> None:
    assert QuoteRequest(session_id=f" {SESSION_ID} ").session_id == SESSION_ID
    assert QuoteRequest(session_id=SESSION_ID).voucher_code is None
    assert QuoteRequest(session_id=SESSION_ID, voucher_code="  ").voucher_code is None
    assert QuoteRequest(session_id=SESSION_ID, voucher_code=" launch10 ").voucher_code == "launch10"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"session_id": "short"},
        {"session_id": "x" * 129},
        {"session_id": SESSION_ID[:20] + "/../" + SESSION_ID[:20]},
        {"session_id": SESSION_ID, "voucher_code": "X" * 65},
        {"session_id": SESSION_ID, "amount_cents": 1},  # the client never sets a price
        {"session_id": 12345678901234567},
    ],
)
def test_quote_request_refuses_bad_bodies(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        QuoteRequest.model_validate(body)


@pytest.mark.parametrize("body", [{}, {"code": ""}, {"code": "   "}, {"code": "X" * 65}])
def test_voucher_validate_request_needs_a_code(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        VoucherValidateRequest.model_validate(body)
    assert VoucherValidateRequest(code=" pilot2026 ").code == "pilot2026"


def test_response_fields_are_exactly_the_specs() -> None:
    assert list(QuoteResponse.model_fields) == [
        "package",
        "vehicle_count",
        "tier_label",
        "tier_price_cents",
        "voucher",
        "total_cents",
        "vat_cents",
        "currency",
    ]
    assert list(VoucherValidateResponse.model_fields) == [
        "valid",
        "code",
        "type",
        "label",
        "discount_description",
    ]


def test_catalog() -> None:
    catalog = build_catalog(vat_rate_percent=VAT_RATE, currency=CURRENCY)
    body = json.loads(catalog.model_dump_json())
    assert body["currency"] == "EUR"
    assert body["vat_rate_percent"] == 25.5  # a JSON number for the WUI
    assert catalog.vat_rate_percent == Decimal("25.5")  # a Decimal inside
    assert [p["name"] for p in body["packages"]] == ["basic", "pro", "expert"]
    pro = body["packages"][1]
    assert pro["title"] == "Pro Report"
    assert len(pro["modules"]) == 7 and len(pro["features"]) == 16
    assert pro["tiers"] == [
        {"label": "1 vehicle", "min_vehicles": 1, "max_vehicles": 1, "price_cents": 1999},
        {"label": "2 vehicles", "min_vehicles": 2, "max_vehicles": 2, "price_cents": 2999},
        {"label": "3–5 vehicles", "min_vehicles": 3, "max_vehicles": 5, "price_cents": 4999},
        {"label": "6+ vehicles", "min_vehicles": 6, "max_vehicles": None, "price_cents": 7999},
    ]
    assert CatalogResponse.model_validate_json(catalog.model_dump_json()) == catalog


def test_models_render_into_openapi_schemas() -> None:
    from pydantic.json_schema import models_json_schema

    models = [QuoteRequest, VoucherValidateRequest]
    responses = [QuoteResponse, VoucherValidateResponse, CatalogResponse]
    pairs = [(m, "validation") for m in models] + [(m, "serialization") for m in responses]
    _, schema = models_json_schema(pairs)  # type: ignore[arg-type]
    defs = schema["$defs"]
    assert defs["CatalogResponse"]["properties"]["vat_rate_percent"]["type"] == "number"
    assert defs["QuoteRequest"]["additionalProperties"] is False
    assert set(defs["Package"]["enum"]) == {p.value for p in Package}
    assert set(defs["VoucherType"]["enum"]) == {t.value for t in VoucherType}
