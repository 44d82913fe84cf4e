"""Vouchers: the real file, normalised codes, one public answer for every refusal, windows at
their exact edges, package restriction, redemption limits, and files that must fail loudly."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from shared.pricing.responses import voucher_validation_response
from shared.pricing.vouchers import (
    PUBLIC_REASONS,
    VOUCHER_NOT_VALID_MESSAGE,
    OrderTerms,
    RefusalReason,
    Voucher,
    VoucherAccepted,
    VoucherBook,
    VoucherFileError,
    VoucherRefused,
    VoucherType,
    evaluate_voucher,
    load_vouchers,
    normalize_code,
    parse_vouchers,
)
from shared.product.catalog import Package

from .conftest import CURRENCY, NOW, SAMPLE_VOUCHERS

MICROSECOND = timedelta(microseconds=1)


def evaluate(
    book: VoucherBook,
    code: str,
    *,
    now: datetime = NOW,
    used: int = 0,
    package: str | None = "pro",
    order: OrderTerms | None = None,
) -> VoucherAccepted | VoucherRefused:
    return evaluate_voucher(
        book, code, now=now, redemptions_used=used, package=package, order=order
    )


# ── The sample book ────────────────────────────────────────────────────────────────────────────


def test_sample_book_holds_exactly_the_roadmap_vouchers(sample_book: VoucherBook) -> None:
    assert sorted(sample_book) == ["FLEET20", "LAUNCH10", "PILOT2026"]
    expected = {"PILOT2026": 100, "LAUNCH10": 10, "FLEET20": 20}
    for code, percent in expected.items():
        voucher = sample_book[code]
        assert voucher.type is VoucherType.PERCENTAGE
        assert voucher.percent_off == Decimal(percent)
        assert voucher.active
        assert voucher.packages is None and voucher.max_redemptions is None


def test_sample_vouchers_preview(sample_book: VoucherBook) -> None:
    answer = voucher_validation_response(evaluate(sample_book, "PILOT2026"), currency=CURRENCY)
    assert answer.model_dump() == {
        "valid": True,
        "code": "PILOT2026",
        "type": VoucherType.PERCENTAGE,
        "label": "Test pilot (100% off)",
        "discount_description": "100% off",
    }


# ── Codes: trimmed, case-insensitive ───────────────────────────────────────────────────────────


@pytest.mark.parametrize("typed", ["LAUNCH10", "launch10", "  Launch10\t", "\nlAuNcH10 "])
def test_codes_are_trimmed_and_case_insensitive(sample_book: VoucherBook, typed: str) -> None:
    decision = evaluate(sample_book, typed)
    assert isinstance(decision, VoucherAccepted)
    assert decision.voucher.code == "LAUNCH10"


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        (" ab-c_1 ", "AB-C_1"),
        ("", None),
        ("   ", None),
        ("A B", None),
        ("ß", None),  # "ß".upper() == "SS": checked before upper-casing
        ("x" * 64, "X" * 64),
        ("x" * 65, None),
        ("LAUNCH10;", None),
        ("ＬＡＵＮＣＨ10", None),  # full-width letters
    ],
)
def test_normalize_code(typed: str, normal: str | None) -> None:
    assert normalize_code(typed) == normal


def test_preview_for_each_type(test_book: VoucherBook) -> None:
    def describe(code: str) -> str | None:
        decision = evaluate(test_book, code, package=None)
        return voucher_validation_response(decision, currency=CURRENCY).discount_description

    assert describe("TEST-PERCENT-12-5") == "12.5% off"
    assert describe("TEST-FIXED-500") == "€5.00 off"
    assert describe("TEST-FREE") == "Free"


# ── Refusals: one public answer, a private reason ──────────────────────────────────────────────

REFUSALS: list[tuple[str, dict[str, Any], RefusalReason]] = [
    ("NOPE2026", {}, RefusalReason.UNKNOWN),
    ("", {}, RefusalReason.MALFORMED),
    ("x" * 65, {}, RefusalReason.MALFORMED),
    ("LAUNCH 10", {}, RefusalReason.MALFORMED),
    ("TEST-INACTIVE", {}, RefusalReason.INACTIVE),
    ("TEST-EXPIRED", {}, RefusalReason.EXPIRED),
    ("TEST-WINDOW", {"now": datetime(2026, 2, 1, tzinfo=UTC)}, RefusalReason.NOT_YET_VALID),
    ("TEST-LIMITED-3", {"used": 3}, RefusalReason.REDEMPTION_LIMIT_REACHED),
    ("TEST-EXPERT-ONLY", {"package": "pro"}, RefusalReason.WRONG_PACKAGE),
    # A per-customer voucher for an order whose car account is not identified.
    (
        "TEST-ONCE-EACH",
        {"order": OrderTerms(1, customer_known=False)},
        RefusalReason.CUSTOMER_UNKNOWN,
    ),
]
# Reasons about the buyer's own order: the quote names them (the preview never sees them).
ORDER_REFUSALS: list[tuple[str, OrderTerms, RefusalReason]] = [
    ("TEST-MIN-3-CARS", OrderTerms(2, customer_known=True), RefusalReason.TOO_FEW_VEHICLES),
    (
        "TEST-ONCE-EACH",
        OrderTerms(1, customer_known=True, customer_uses=1),
        RefusalReason.CUSTOMER_LIMIT_REACHED,
    ),
]


@pytest.mark.parametrize(("code", "context", "reason"), REFUSALS)
def test_every_refusal_gives_the_same_public_answer(
    test_book: VoucherBook, code: str, context: dict[str, Any], reason: RefusalReason
) -> None:
    decision = evaluate(test_book, code, **context)
    assert isinstance(decision, VoucherRefused)
    assert decision.reason is reason
    assert not decision.valid
    assert decision.public_message == VOUCHER_NOT_VALID_MESSAGE
    answer = voucher_validation_response(decision, currency=CURRENCY)
    # Byte for byte the same body, whatever the reason: nothing tells a code exists.
    assert answer.model_dump_json() == (
        '{"valid":false,"code":null,"type":null,"label":null,"discount_description":null}'
    )
    assert reason.value not in answer.model_dump_json()


def test_all_reasons_are_covered_by_the_refusal_table() -> None:
    private = {reason for _, _, reason in REFUSALS}
    public = {reason for _, _, reason in ORDER_REFUSALS}
    assert private | public == set(RefusalReason) and not private & public
    assert public == PUBLIC_REASONS


@pytest.mark.parametrize(("code", "order", "reason"), ORDER_REFUSALS)
def test_order_bound_refusals(
    test_book: VoucherBook, code: str, order: OrderTerms, reason: RefusalReason
) -> None:
    decision = evaluate(test_book, code, order=order)
    assert isinstance(decision, VoucherRefused) and decision.reason is reason
    # Without the order (the preview, before cars are counted) the same code is accepted.
    assert isinstance(evaluate(test_book, code, package=None), VoucherAccepted)


@pytest.mark.parametrize(
    ("code", "order", "accepted"),
    [
        ("TEST-MIN-3-CARS", OrderTerms(3, customer_known=False), True),  # the edge is included
        ("TEST-MIN-3-CARS", OrderTerms(12, customer_known=True), True),
        ("TEST-ONCE-EACH", OrderTerms(1, customer_known=True, customer_uses=0), True),
        ("LAUNCH10", OrderTerms(1, customer_known=False), True),  # no per-customer term
    ],
)
def test_order_bound_terms_accept(
    test_book: VoucherBook, code: str, order: OrderTerms, accepted: bool
) -> None:
    book = test_book if code in test_book else load_vouchers(SAMPLE_VOUCHERS)
    assert evaluate(book, code, order=order).valid is accepted


# ── Labels per language ────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("code", "language", "label"),
    [
        ("TEST-LABELLED", "fi", "TESTI: tervetuloa (10 % alennus)"),
        ("TEST-LABELLED", "sv", "TEST: välkommen (10 % rabatt)"),
        ("TEST-LABELLED", "de", "TEST FIXTURE: welcome (10% off)"),  # none in German: English
        ("TEST-LABELLED", None, "TEST FIXTURE: welcome (10% off)"),
        ("TEST-NO-LABEL", "fi", "TEST-NO-LABEL"),  # neither Finnish nor English: the code
        ("TEST-NO-LABEL", "de", "TEST: Willkommen"),
        ("TEST-FREE", "fi", "TEST FIXTURE: free report"),  # ``label`` alone is English
    ],
)
def test_label_in_a_language_falls_back_to_english_then_the_code(
    test_book: VoucherBook, code: str, language: str | None, label: str
) -> None:
    assert test_book[code].label_in(language) == label
    answer = voucher_validation_response(
        evaluate(test_book, code, package=None), currency=CURRENCY, language=language
    )
    assert answer.label == label


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"labels": {"xx": "Hi"}}, "unknown language 'xx'"),
        ({"labels": {"fi": " "}}, "labels.fi: must be a non-empty string"),
        ({"labels": ["fi"]}, "labels: must be an object"),
        ({"label": "Hello", "labels": {"en": "Hi"}}, "labels.en: differs from label"),
        ({"min_vehicles": 0}, "min_vehicles: must be a whole number ≥ 1"),
        ({"max_per_customer": True}, "max_per_customer: must be a whole number ≥ 1"),
    ],
)
def test_new_fields_are_checked(entry: dict[str, Any], problem: str) -> None:
    base = {"type": "fixed", "value": 100, "active": True}
    with pytest.raises(VoucherFileError, match=re.escape(problem)):
        parse_vouchers({"NEW-FIELDS-1": {**base, **entry}}, source="test")


def test_a_voucher_stored_before_the_new_fields_still_loads() -> None:
    old = {"type": "fixed", "value": 100, "label": "Old", "active": True, "version": 3}
    voucher = parse_vouchers({"OLD-VOUCHER": old}, source="firestore")["OLD-VOUCHER"]
    assert voucher.min_vehicles is None and voucher.max_per_customer is None
    assert voucher.label_in("fi") == "Old" and voucher.version == 3


# ── Validity window, exact edges (both ends inclusive) ─────────────────────────────────────────

WINDOW_START = datetime(2026, 3, 1, tzinfo=UTC)
WINDOW_END = datetime(2026, 3, 31, 23, 59, 59, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "reason"),
    [
        (WINDOW_START - MICROSECOND, RefusalReason.NOT_YET_VALID),
        (WINDOW_START, None),
        (WINDOW_END, None),
        (WINDOW_END + MICROSECOND, RefusalReason.EXPIRED),
    ],
)
def test_window_edges(test_book: VoucherBook, now: datetime, reason: RefusalReason | None) -> None:
    decision = evaluate(test_book, "TEST-WINDOW", now=now)
    if reason is None:
        assert isinstance(decision, VoucherAccepted)
    else:
        assert isinstance(decision, VoucherRefused) and decision.reason is reason


def test_window_offsets_are_converted_to_utc(test_book: VoucherBook) -> None:
    voucher = test_book["TEST-WINDOW-HELSINKI"]
    assert voucher.valid_from == WINDOW_START
    assert voucher.valid_from is not None and voucher.valid_from.tzinfo is UTC
    helsinki = datetime.fromisoformat("2026-03-01T01:59:59.999999+02:00")
    assert isinstance(evaluate(test_book, "TEST-WINDOW-HELSINKI", now=helsinki), VoucherRefused)
    assert isinstance(
        evaluate(test_book, "TEST-WINDOW-HELSINKI", now=helsinki + MICROSECOND), VoucherAccepted
    )


def test_now_must_be_timezone_aware(test_book: VoucherBook) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        evaluate(test_book, "TEST-WINDOW", now=datetime(2026, 3, 15))


# ── Package restriction and redemption limit ───────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("package", "accepted"),
    [("expert", True), ("pro", False), ("basic", False), (Package.EXPERT, True), (None, True)],
)
def test_package_restriction(test_book: VoucherBook, package: str | None, accepted: bool) -> None:
    # package=None is the preview before a package is chosen: the restriction is not checked yet.
    decision = evaluate(test_book, "TEST-EXPERT-ONLY", package=package)
    assert decision.valid is accepted


@pytest.mark.parametrize(("used", "accepted"), [(0, True), (2, True), (3, False), (4, False)])
def test_max_redemptions(test_book: VoucherBook, used: int, accepted: bool) -> None:
    assert evaluate(test_book, "TEST-LIMITED-3", used=used).valid is accepted


def test_unlimited_codes_ignore_the_count(sample_book: VoucherBook) -> None:
    assert evaluate(sample_book, "LAUNCH10", used=10**9).valid


@pytest.mark.parametrize("bad", [-1, True, 1.0, None])
def test_redemption_count_must_be_a_non_negative_int(test_book: VoucherBook, bad: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        evaluate(test_book, "LAUNCH10", used=bad)  # type: ignore[arg-type]


# ── Discount arithmetic of each type ───────────────────────────────────────────────────────────


def test_discounts(test_book: VoucherBook, sample_book: VoucherBook) -> None:
    assert sample_book["LAUNCH10"].discount_cents(2999) == 300  # 299.9 → 300
    assert sample_book["FLEET20"].discount_cents(2999) == 600  # 599.8 → 600
    assert sample_book["PILOT2026"].discount_cents(2999) == 2999
    assert test_book["TEST-PERCENT-12-5"].discount_cents(1999) == 250  # 249.875 → 250
    assert test_book["TEST-PERCENT-12-5"].discount_cents(4) == 1  # 0.5 → 1 (half up)
    assert test_book["TEST-FIXED-500"].discount_cents(999) == 500
    assert test_book["TEST-FIXED-500"].discount_cents(300) == 300  # never below zero
    assert test_book["TEST-FREE"].discount_cents(12999) == 12999
    assert test_book["TEST-FREE"].discount_cents(0) == 0


# ── Loading: cache, and files that must fail loudly ────────────────────────────────────────────


def test_loading_is_cached_until_the_file_changes(tmp_path: Path) -> None:
    path = tmp_path / "vouchers.json"
    path.write_text(SAMPLE_VOUCHERS.read_text(encoding="utf-8"), encoding="utf-8")
    first = load_vouchers(path)
    assert load_vouchers(path) is first  # one read per function instance
    data = json.loads(path.read_text(encoding="utf-8"))
    data["SPRING5"] = {"type": "fixed", "value": 500, "label": "Spring", "active": True}
    path.write_text(json.dumps(data), encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    second = load_vouchers(path)
    assert second is not first and "SPRING5" in second


def _entry(**fields: Any) -> dict[str, Any]:
    return {"type": "percentage", "value": 10, "label": "Ten", "active": True, **fields}


MALFORMED_ENTRIES: list[tuple[Any, str]] = [
    ([], "top level must be an object"),
    ({"launch10": _entry()}, "'launch10' must be 1–64 upper-case"),
    ({"A B": _entry()}, "'A B' must be"),
    ({"X": "ten percent"}, "X: must be an object"),
    ({"X": _entry(type="bogo")}, "X.type: must be one of percentage, fixed, free"),
    # No label at all is allowed (the code stands in); a label that is not text is not.
    ({"X": _entry(label=5)}, "X.label: must be a non-empty string"),
    ({"X": _entry(label="  ")}, "X.label"),
    ({"X": _entry(active="yes")}, "X.active: must be true or false"),
    ({"X": {"type": "free", "label": "L"}}, "X.active"),
    ({"X": _entry(value=0)}, "X.value: must be more than 0 and at most 100"),
    ({"X": _entry(value=Decimal("100.01"))}, "X.value"),
    ({"X": _entry(value="10")}, "X.value: must be a number of percent"),
    ({"X": _entry(value=True)}, "X.value"),
    ({"X": _entry(type="fixed", value=Decimal("4.99"))}, "X.value: must be a positive whole"),
    ({"X": _entry(type="fixed", value=-500)}, "X.value"),
    ({"X": _entry(type="free")}, "X.value: a free voucher takes no value"),
    ({"X": _entry(valid_until="2026-12-31")}, "X.valid_until: must be an ISO 8601"),
    ({"X": _entry(valid_from="2026-03-01T00:00:00")}, "has no offset"),
    ({"X": _entry(valid_from="next monday")}, "X.valid_from"),
    ({"X": _entry(valid_from=20260301)}, "X.valid_from"),
    (
        {"X": _entry(valid_from="2026-04-01T00:00:00Z", valid_until="2026-03-01T00:00:00Z")},
        "X.valid_until: must be later than valid_from",
    ),
    ({"X": _entry(max_redemptions=0)}, "X.max_redemptions"),
    ({"X": _entry(max_redemptions="10")}, "X.max_redemptions"),
    ({"X": _entry(packages=[])}, "X.packages: must be a non-empty list"),
    ({"X": _entry(packages="pro")}, "X.packages"),
    ({"X": _entry(packages=["bulk"])}, "X.packages: unknown package 'bulk'"),
    ({"X": _entry(packages=["Pro"])}, "X.packages"),
    ({"X": _entry(packages=["pro", "pro"])}, "X.packages: lists a package twice"),
    ({"X": _entry(valid_untill="2026-12-31T00:00:00Z")}, "X.valid_untill: unknown field"),
]


@pytest.mark.parametrize(("data", "message"), MALFORMED_ENTRIES)
def test_malformed_entries_fail_naming_file_code_and_field(data: Any, message: str) -> None:
    with pytest.raises(VoucherFileError, match=r"^vouchers-under-test: ") as caught:
        parse_vouchers(data, source="vouchers-under-test")
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"X": {"type": "percentage",}', "not valid JSON at line 1 column"),
        ('{"X": {"type": "free", "label": "L", "active": true, "active": false}}', "twice"),
        ('{"X": {"type": "free", "label": "L", "active": true}, "X": {}}', "'X' appears twice"),
        ('{"X": {"type": "percentage", "value": NaN, "label": "L", "active": true}}', "NaN"),
        ("", "not valid JSON"),
    ],
)
def test_malformed_files_fail_loudly(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "vouchers.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(VoucherFileError, match=f"^{re.escape(str(path))}: ") as caught:
        load_vouchers(path)
    assert message in str(caught.value)


def test_missing_file_fails_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    with pytest.raises(VoucherFileError, match=r"nope\.json: cannot read voucher file"):
        load_vouchers(missing)


def test_fractional_percentages_are_exact_decimals(test_book: VoucherBook) -> None:
    assert test_book["TEST-PERCENT-12-5"].percent_off == Decimal("12.5")
    assert type(test_book["TEST-PERCENT-12-5"].percent_off) is Decimal


def test_hand_built_vouchers_must_match_their_type() -> None:
    with pytest.raises(ValueError, match="do not match type"):
        Voucher(code="X", type=VoucherType.FIXED, label="L", active=True, percent_off=Decimal(5))
    with pytest.raises(ValueError, match="do not match type"):
        Voucher(code="X", type=VoucherType.FREE, label="L", active=True, amount_off_cents=5)
