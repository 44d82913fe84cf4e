"""Vouchers: load the voucher file, and decide whether a code the buyer typed applies.

The file (``config/vouchers.json``, one per environment) maps each code to its terms::

    {"LAUNCH10": {"type": "percentage", "value": 10, "label": "Launch discount (10% off)",
                  "active": true, "valid_until": "2026-12-31T23:59:59Z",
                  "max_redemptions": 500, "packages": ["pro", "expert"]}}

Types: ``percentage`` (value = percent, may be fractional), ``fixed`` (value = cents off),
``free`` (no value). Optional: ``valid_from``/``valid_until`` (ISO 8601 with an offset, both
inclusive), ``max_redemptions``, ``max_per_customer`` (uses per car account), ``min_vehicles``
(cars in the order), ``packages``, and ``labels`` ({language: text}; ``label`` is the English
one). A file with anything wrong fails loudly, naming the file, the code and the field: a voucher
silently ignored is a campaign that silently fails. Every field added later is optional, so
vouchers stored before it still load.

A refusal answers the buyer with the same sentence, so answers do not reveal which codes exist or
why one failed; the private ``RefusalReason`` is for logs. The exceptions are the reasons about
the buyer's own order, which they can act on (``PUBLIC_REASONS``): too few cars, and this
customer's uses spent.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar, Literal

from shared.pricing.money import (
    format_money,
    format_percent,
    require_cents,
    require_currency,
    round_half_up_quotient,
)
from shared.product.catalog import Package, UnknownPackageError, parse_package

MAX_CODE_LENGTH = 64
# What a code may contain; the buyer's input is trimmed and upper-cased before the lookup.
_CODE_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
_HUNDRED = Decimal(100)

VOUCHER_NOT_VALID_MESSAGE = "This voucher code is not valid."
VOUCHER_NOT_VALID_ERROR_CODE = "voucher_not_valid"


class VoucherType(StrEnum):
    PERCENTAGE = "percentage"
    FIXED = "fixed"
    FREE = "free"


class RefusalReason(StrEnum):
    """Why a code was refused. For logs only: never put it in a response."""

    MALFORMED = "malformed"  # empty, too long, or characters no code can contain
    UNKNOWN = "unknown"
    INACTIVE = "inactive"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    REDEMPTION_LIMIT_REACHED = "redemption_limit_reached"
    WRONG_PACKAGE = "wrong_package"
    TOO_FEW_VEHICLES = "too_few_vehicles"  # fewer cars in the order than min_vehicles
    CUSTOMER_LIMIT_REACHED = "customer_limit_reached"  # this customer used max_per_customer
    CUSTOMER_UNKNOWN = "customer_unknown"  # a per-customer voucher, no identified customer


# Refusals about the buyer's own order: named in the answer (the buyer can act on them, and
# they reveal nothing a guesser could use: they need a real code and a matching order first).
PUBLIC_REASONS = frozenset({RefusalReason.TOO_FEW_VEHICLES, RefusalReason.CUSTOMER_LIMIT_REACHED})


class VoucherFileError(ValueError):
    """The voucher file cannot be read or has an invalid entry; the message names file and field."""


@dataclass(frozen=True, slots=True)
class Voucher:
    code: str  # canonical form: trimmed, upper-case
    type: VoucherType
    label: str
    active: bool
    percent_off: Decimal | None = None  # percentage vouchers only, 0 < percent ≤ 100
    amount_off_cents: int | None = None  # fixed vouchers only, > 0
    valid_from: datetime | None = None  # UTC, inclusive
    valid_until: datetime | None = None  # UTC, inclusive
    max_redemptions: int | None = None
    packages: frozenset[Package] | None = None  # None: every package
    version: int = 0  # bumped by every change in the store; a quote records the one it used
    max_per_customer: int | None = None  # uses per customer (car account); None: no such limit
    min_vehicles: int | None = None  # cars the order must hold; None: any number
    # Label per language ({"fi": "…"}); ``label`` is the English one (or the code, if none).
    labels: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        # The loader guarantees these; the check keeps hand-built vouchers (tests, tools) honest.
        has_percent = self.percent_off is not None
        has_amount = self.amount_off_cents is not None
        expected = {
            VoucherType.PERCENTAGE: (True, False),
            VoucherType.FIXED: (False, True),
            VoucherType.FREE: (False, False),
        }[self.type]
        if (has_percent, has_amount) != expected:
            raise ValueError(f"voucher {self.code}: value fields do not match type {self.type}")

    def applies_to(self, package: str | Package) -> bool:
        return self.packages is None or parse_package(package) in self.packages

    def label_in(self, language: str | None) -> str:
        """The label in ``language``; else the English one; else the code."""
        return dict(self.labels).get(language or "", self.label)

    def discount_cents(self, price_cents: int) -> int:
        """The amount taken off ``price_cents``: never more than the price itself."""
        require_cents(price_cents, "price_cents")
        if self.type is VoucherType.FREE:
            return price_cents
        if self.type is VoucherType.FIXED:
            assert self.amount_off_cents is not None
            return min(self.amount_off_cents, price_cents)
        assert self.percent_off is not None
        # Half up to the cent, as Saleor does: 10 % of 2999 is 299.9 → 300.
        discount = round_half_up_quotient(Decimal(price_cents) * self.percent_off, _HUNDRED)
        return min(discount, price_cents)

    def describe(self, currency: str) -> str:
        """The effect in a few words for the UI preview: ``10% off``, ``€5.00 off``, ``Free``."""
        if self.type is VoucherType.FREE:
            return "Free"
        if self.type is VoucherType.FIXED:
            assert self.amount_off_cents is not None
            return f"{format_money(self.amount_off_cents, require_currency(currency))} off"
        assert self.percent_off is not None
        return f"{format_percent(self.percent_off)} off"


class VoucherBook(Mapping[str, Voucher]):
    """The vouchers of one file, keyed by canonical code; ``find`` takes what the buyer typed."""

    def __init__(self, vouchers: Mapping[str, Voucher], *, source: str) -> None:
        self._vouchers = dict(vouchers)
        self.source = source

    def __getitem__(self, code: str) -> Voucher:
        return self._vouchers[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._vouchers)

    def __len__(self) -> int:
        return len(self._vouchers)

    def __repr__(self) -> str:
        return f"VoucherBook({self.source!r}, {len(self)} vouchers)"

    def find(self, raw_code: str) -> Voucher | None:
        code = normalize_code(raw_code)
        return None if code is None else self._vouchers.get(code)


def normalize_code(raw_code: object) -> str | None:
    """``" launch10 "`` → ``"LAUNCH10"``; None if no voucher could ever have this code."""
    if not isinstance(raw_code, str):
        return None
    stripped = raw_code.strip()
    # Check the characters before upper-casing: "ß".upper() == "SS" must not match a code.
    if not _CODE_PATTERN.fullmatch(stripped):
        return None
    return stripped.upper()


# ── Publishing guards (the admin tool and the store apply them) ──────────────────────────────────

# The documented alphabet of new codes (docs/configuration.md): A–Z, 0–9 and "-", at least 8
# characters so codes are not guessed. Codes are case-insensitive (stored upper-case).
RECOMMENDED_CODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"
RECOMMENDED_MIN_CODE_LENGTH = 8


def code_format_warnings(code: str) -> list[str]:
    """Why ``code`` is easy to guess or misread (empty: fine). A warning, not a refusal."""
    warnings = []
    if len(code) < RECOMMENDED_MIN_CODE_LENGTH:
        warnings.append(f"{code}: shorter than {RECOMMENDED_MIN_CODE_LENGTH} characters")
    odd = sorted({c for c in code.upper() if c not in RECOMMENDED_CODE_ALPHABET})
    if odd:
        warnings.append(
            f"{code}: characters outside the alphabet {RECOMMENDED_CODE_ALPHABET}: {''.join(odd)}"
        )
    return warnings


def publish_problems(voucher: Voucher) -> list[str]:
    """Why ``voucher`` may not be published (empty: it may)."""
    problems = []
    gives_all = voucher.type is VoucherType.FREE or voucher.percent_off == _HUNDRED
    if gives_all and voucher.active:
        # An unlimited free code is every report for free, for anyone who learns it.
        if voucher.max_redemptions is None:
            problems.append(f"{voucher.code}: a 100% voucher needs max_redemptions")
        if voucher.valid_until is None:
            problems.append(f"{voucher.code}: a 100% voucher needs valid_until")
    return problems


# ── Evaluation ──────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class VoucherAccepted:
    voucher: Voucher
    valid: ClassVar[Literal[True]] = True


@dataclass(frozen=True, slots=True)
class VoucherRefused:
    reason: RefusalReason  # private: for logs
    valid: ClassVar[Literal[False]] = False
    public_message: ClassVar[str] = VOUCHER_NOT_VALID_MESSAGE


VoucherDecision = VoucherAccepted | VoucherRefused


def evaluate_voucher(
    book: VoucherBook,
    raw_code: str,
    *,
    now: datetime,
    redemptions_used: int,
    package: str | Package | None = None,
    order: OrderTerms | None = None,
) -> VoucherDecision:
    """Accept or refuse the code the buyer typed.

    ``redemptions_used`` is how often the code has been redeemed so far (counted in Firestore at
    payment, not here); a code at its ``max_redemptions`` is refused. ``package=None`` skips the
    package restriction, for the preview before a package is chosen; the quote passes it, and
    ``order`` (car count, this customer's uses) for the order-bound terms.
    """
    _check_evaluation_inputs(now, redemptions_used)
    wanted_package = None if package is None else parse_package(package)

    code = normalize_code(raw_code)
    if code is None:
        return VoucherRefused(RefusalReason.MALFORMED)
    voucher = book.get(code)
    if voucher is None:
        return VoucherRefused(RefusalReason.UNKNOWN)
    refusal = _refusal(voucher, now, redemptions_used, wanted_package) or (
        None if order is None else order_refusal(voucher, order)
    )
    return VoucherAccepted(voucher) if refusal is None else VoucherRefused(refusal)


@dataclass(frozen=True, slots=True)
class OrderTerms:
    """What the order-bound terms of a voucher are checked against."""

    vehicle_count: int
    customer_known: bool  # the order's car account is identified (a customer key exists)
    customer_uses: int = 0  # this customer's paid orders with the code so far


def order_refusal(voucher: Voucher, order: OrderTerms) -> RefusalReason | None:
    """Why ``voucher`` does not fit this order (car count, this customer's uses), or None."""
    if voucher.min_vehicles is not None and order.vehicle_count < voucher.min_vehicles:
        return RefusalReason.TOO_FEW_VEHICLES
    if voucher.max_per_customer is not None:
        if not order.customer_known:
            # The limit cannot be enforced: refuse rather than give an unlimited discount.
            return RefusalReason.CUSTOMER_UNKNOWN
        if order.customer_uses >= voucher.max_per_customer:
            return RefusalReason.CUSTOMER_LIMIT_REACHED
    return None


def _check_evaluation_inputs(now: datetime, redemptions_used: int) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware (UTC)")
    if isinstance(redemptions_used, bool) or not isinstance(redemptions_used, int):
        raise TypeError("redemptions_used must be an int")
    if redemptions_used < 0:
        raise ValueError(f"redemptions_used must not be negative, got {redemptions_used}")


def _refusal(
    voucher: Voucher, now: datetime, redemptions_used: int, package: Package | None
) -> RefusalReason | None:
    """Why a known voucher does not apply now (the first reason, in this order), or None."""
    if not voucher.active:
        return RefusalReason.INACTIVE
    if voucher.valid_from is not None and now < voucher.valid_from:
        return RefusalReason.NOT_YET_VALID
    if voucher.valid_until is not None and now > voucher.valid_until:
        return RefusalReason.EXPIRED
    if voucher.max_redemptions is not None and redemptions_used >= voucher.max_redemptions:
        return RefusalReason.REDEMPTION_LIMIT_REACHED
    if package is not None and not voucher.applies_to(package):
        return RefusalReason.WRONG_PACKAGE
    return None


# ── Loading ─────────────────────────────────────────────────────────────────────────────────────

_FIELDS = frozenset(
    {
        "type",
        "value",
        "label",
        "active",
        "valid_from",
        "valid_until",
        "max_redemptions",
        "packages",
        "version",
        "max_per_customer",
        "min_vehicles",
        "labels",
    }
)

_cache_lock = threading.Lock()
_cache: dict[Path, tuple[tuple[int, int], VoucherBook]] = {}


def load_vouchers(path: Path) -> VoucherBook:
    """Read and check the voucher file; cached by path and modification time.

    A function instance reads the file once; an edited file (new mtime or size) is read again.
    """
    resolved = Path(path).resolve()
    try:
        stat = resolved.stat()
    except OSError as error:
        raise VoucherFileError(f"{path}: cannot read voucher file ({error.strerror})") from error
    stamp = (stat.st_mtime_ns, stat.st_size)
    with _cache_lock:
        cached = _cache.get(resolved)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    try:
        text = resolved.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise VoucherFileError(f"{path}: cannot read voucher file ({error})") from error
    book = parse_vouchers_json(text, source=str(path))
    with _cache_lock:
        _cache[resolved] = (stamp, book)
    return book


def clear_voucher_cache() -> None:
    with _cache_lock:
        _cache.clear()


def parse_vouchers_json(text: str, *, source: str) -> VoucherBook:
    """Parse the file's text; numbers become int or Decimal, never float."""

    def reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                raise VoucherFileError(f"{source}: key {key!r} appears twice in one object")
            result[key] = value
        return result

    def reject_constant(name: str) -> Any:
        raise VoucherFileError(f"{source}: {name} is not a valid number here")

    try:
        data = json.loads(
            text,
            parse_float=Decimal,
            parse_constant=reject_constant,
            object_pairs_hook=reject_duplicates,
        )
    except json.JSONDecodeError as error:
        raise VoucherFileError(
            f"{source}: not valid JSON at line {error.lineno} column {error.colno}: {error.msg}"
        ) from error
    return parse_vouchers(data, source=source)


def parse_vouchers(data: object, *, source: str) -> VoucherBook:
    """Check the decoded file: an object mapping canonical codes to voucher objects."""
    if not isinstance(data, dict):
        raise VoucherFileError(f"{source}: the top level must be an object of code → voucher")
    vouchers: dict[str, Voucher] = {}
    for code, entry in data.items():
        if normalize_code(code) != code:
            raise VoucherFileError(
                f"{source}: voucher code {code!r} must be 1–{MAX_CODE_LENGTH} upper-case "
                "letters, digits, '_' or '-'"
            )
        vouchers[code] = _parse_voucher(code, entry, source=source)
    return VoucherBook(vouchers, source=source)


# Builds the error for one field of the voucher being parsed: ``fail(field, problem)``.
_Fail = Callable[[str, str], VoucherFileError]


def _parse_voucher(code: str, entry: object, *, source: str) -> Voucher:
    def fail(field: str, problem: str) -> VoucherFileError:
        where = f"{code}.{field}" if field else code
        return VoucherFileError(f"{source}: {where}: {problem}")

    if not isinstance(entry, dict):
        raise fail("", "must be an object")
    unknown = sorted(set(entry) - _FIELDS)
    if unknown:
        raise fail(unknown[0], f"unknown field (allowed: {', '.join(sorted(_FIELDS))})")

    voucher_type = _parse_type(entry.get("type"), fail)
    label, labels = _parse_labels(code, entry, fail)
    active = entry.get("active")
    if not isinstance(active, bool):
        raise fail("active", "must be true or false")
    percent_off, amount_off_cents = _parse_value(voucher_type, entry, fail)
    valid_from, valid_until = _parse_window(entry, fail)

    return Voucher(
        code=code,
        type=voucher_type,
        label=label,
        active=active,
        percent_off=percent_off,
        amount_off_cents=amount_off_cents,
        valid_from=valid_from,
        valid_until=valid_until,
        max_redemptions=_parse_max_redemptions(entry.get("max_redemptions"), fail),
        packages=_parse_packages(entry.get("packages"), fail),
        version=_parse_version(entry.get("version", 0), fail),
        max_per_customer=_parse_positive(entry.get("max_per_customer"), "max_per_customer", fail),
        min_vehicles=_parse_positive(entry.get("min_vehicles"), "min_vehicles", fail),
        labels=labels,
    )


def _parse_positive(value: object, field: str, fail: _Fail) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise fail(field, f"must be a whole number ≥ 1, got {value!r}")
    return value


def _parse_labels(
    code: str, entry: Mapping[str, object], fail: _Fail
) -> tuple[str, tuple[tuple[str, str], ...]]:
    """(the English label, every language's label). ``label`` is English; ``labels`` may hold
    any report language, English included (then both must agree). Neither: the code."""
    from shared.product.languages import SUPPORTED_LANGUAGES

    label = entry.get("label")
    if label is not None and (not isinstance(label, str) or not label.strip()):
        raise fail("label", "must be a non-empty string")
    raw = entry.get("labels") or {}
    if not isinstance(raw, dict):
        raise fail("labels", 'must be an object of language → text, e.g. {"fi": "…"}')
    labels: dict[str, str] = {}
    for language, text in raw.items():
        if language not in SUPPORTED_LANGUAGES:
            known = ", ".join(SUPPORTED_LANGUAGES)
            raise fail("labels", f"unknown language {language!r}; known: {known}")
        if not isinstance(text, str) or not text.strip():
            raise fail(f"labels.{language}", "must be a non-empty string")
        labels[language] = text.strip()
    english = label.strip() if isinstance(label, str) else None
    if english is not None and labels.setdefault("en", english) != english:
        raise fail("labels.en", "differs from label (label is the English one)")
    return labels.get("en", code), tuple(sorted(labels.items()))


def _parse_version(value: object, fail: _Fail) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise fail("version", f"must be a whole number ≥ 0, got {value!r}")
    return value


def _parse_type(raw_type: object, fail: _Fail) -> VoucherType:
    for voucher_type in VoucherType:
        if raw_type == voucher_type.value:
            return voucher_type
    allowed = ", ".join(t.value for t in VoucherType)
    raise fail("type", f"must be one of {allowed}, got {raw_type!r}")


def _parse_value(
    voucher_type: VoucherType, entry: Mapping[str, object], fail: _Fail
) -> tuple[Decimal | None, int | None]:
    """``value`` as (percent off, cents off): the one that ``voucher_type`` takes, or neither."""
    value = entry.get("value")
    if voucher_type is VoucherType.PERCENTAGE:
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise fail("value", "must be a number of percent, e.g. 10 or 12.5")
        percent_off = Decimal(value)
        if not percent_off.is_finite() or not 0 < percent_off <= _HUNDRED:
            raise fail("value", f"must be more than 0 and at most 100 percent, got {value}")
        return percent_off, None
    if voucher_type is VoucherType.FIXED:
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise fail("value", f"must be a positive whole number of cents, got {value!r}")
        return None, value
    if "value" in entry:
        raise fail("value", "a free voucher takes no value")
    return None, None


def _parse_window(
    entry: Mapping[str, object], fail: _Fail
) -> tuple[datetime | None, datetime | None]:
    valid_from = _parse_instant(entry.get("valid_from"), "valid_from", fail)
    valid_until = _parse_instant(entry.get("valid_until"), "valid_until", fail)
    if valid_from is not None and valid_until is not None and valid_from >= valid_until:
        raise fail("valid_until", "must be later than valid_from")
    return valid_from, valid_until


def _parse_max_redemptions(value: object, fail: _Fail) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise fail("max_redemptions", f"must be a whole number ≥ 1, got {value!r}")
    return value


def _parse_packages(raw_packages: object, fail: _Fail) -> frozenset[Package] | None:
    if raw_packages is None:
        return None
    if not isinstance(raw_packages, list) or not raw_packages:
        raise fail("packages", "must be a non-empty list of package names")
    try:
        parsed = [_parse_exact_package(name) for name in raw_packages]
    except UnknownPackageError as error:
        raise fail("packages", str(error)) from None
    if len(set(parsed)) != len(parsed):
        raise fail("packages", "lists a package twice")
    return frozenset(parsed)


def _parse_exact_package(name: object) -> Package:
    # The file must spell packages exactly ("pro"), so a grep for a package finds its vouchers.
    if not isinstance(name, str) or name not in {p.value for p in Package}:
        known = ", ".join(p.value for p in Package)
        raise UnknownPackageError(f"unknown package {name!r}; known: {known}")
    return Package(name)


def _parse_instant(value: object, field: str, fail: _Fail) -> datetime | None:
    """ISO 8601 with an explicit offset (``2026-03-01T00:00:00Z``), returned in UTC."""
    if value is None:
        return None
    problem = "must be an ISO 8601 date-time with an offset, e.g. 2026-03-01T00:00:00Z"
    if not isinstance(value, str):
        raise fail(field, f"{problem}, got {value!r}")
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise fail(field, f"{problem}, got {value!r}") from None
    if instant.tzinfo is None or instant.utcoffset() is None:
        # A naive time would be read in whatever zone the function runs in: refuse it.
        raise fail(field, f"{problem}; {value!r} has no offset")
    return instant.astimezone(UTC)
