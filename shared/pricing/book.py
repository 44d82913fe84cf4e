"""Commerce data per environment, in Firestore: the price book, the vouchers and the seller.

Nothing in the deploy upload is commerce data: an operator publishes it with ``python -m admin``
(docs/deploy.md), and ``make up`` seeds the local emulator from ``config/``. Layout:

- ``{commerce}/price_book``: the current price book (``PriceBook.to_data()`` + ``version``);
  every published version is also kept in ``{commerce}/price_book/versions/{version}``.
- ``{commerce}/seller``: the seller identity printed on receipts (+ ``version``).
- ``{vouchers}/{CODE}``: one voucher per document, in the voucher file's format + ``version``.
- ``{audit}/{auto id}``: who changed what when (written by the admin tool).

Quoting reads the price book and the vouchers through a short per-instance cache
(``commerce_cache_s``), so a quote costs no extra Firestore round trip in steady state; a change
reaches every instance within that time. A deployed function that sells (``main.py``:
``COMMERCE_TARGETS``) refuses to start when its environment has no price book, no seller or the
placeholder seller (``refuse_to_start_unready``, one Firestore read at start), naming what is
missing; and should that change later, it answers 503 (``CommerceNotConfigured``) at use.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shared.platform import errors
from shared.platform.clients import firestore_client
from shared.platform.settings import Settings
from shared.pricing.tiers import PriceBook, price_book_from_data
from shared.pricing.vouchers import Voucher, VoucherBook, load_vouchers, parse_vouchers

if TYPE_CHECKING:
    from google.cloud.firestore import DocumentReference

logger = logging.getLogger(__name__)

PRICE_BOOK_DOC = "price_book"
SELLER_DOC = "seller"
# What no deployed environment may print on a receipt (config/seller.json's fictional values).
PLACEHOLDER_BUSINESS_ID = "0000000-0"
PLACEHOLDER_VAT_NUMBER = "FI00000000"

_META_FIELDS = ("updated_at", "updated_by")


class CommerceNotConfigured(errors.ApiError):
    """The environment lacks commerce data: the function refuses to serve rather than guess."""

    status, code = 503, "commerce_not_configured"


@dataclass(frozen=True, slots=True)
class Commerce:
    """What quoting needs, as read at ``read_at`` (monotonic seconds)."""

    price_book: PriceBook
    vouchers: VoucherBook
    read_at: float


_lock = threading.Lock()
_cached: dict[tuple[str, ...], Commerce] = {}
_checked: set[tuple[str, ...]] = set()


def clear_commerce_cache() -> None:
    with _lock:
        _cached.clear()
        _checked.clear()


def _key(settings: Settings) -> tuple[str, ...]:
    return (
        settings.project_id,
        settings.commerce_collection,
        settings.vouchers_collection,
        str(settings.price_book_path),
        str(settings.vouchers_path),
    )


def commerce(settings: Settings) -> Commerce:
    """The price book and vouchers, cached per instance for ``settings.commerce_cache_s``.

    ``local`` only: what the emulator lacks comes from the local seed files (settings'
    ``price_book_path``, ``vouchers_path``), so tests and a fresh emulator need no publishing.
    """
    key = _key(settings)
    with _lock:
        cached = _cached.get(key)
    if cached is not None and time.monotonic() - cached.read_at < settings.commerce_cache_s:
        return cached
    require_ready(settings)
    book = read_price_book(settings)
    vouchers = read_vouchers(settings)
    if settings.environment == "local":
        book = book or local_price_book(settings)
        if not len(vouchers):
            vouchers = load_vouchers(settings.vouchers_path)
    if book is None:
        raise CommerceNotConfigured(_NO_PRICE_BOOK)
    fresh = Commerce(book, vouchers, time.monotonic())
    with _lock:
        _cached[key] = fresh
    return fresh


def local_price_book(settings: Settings) -> PriceBook:
    """The seed price book file (local only)."""
    data = json.loads(Path(settings.price_book_path).read_text(encoding="utf-8"))
    return price_book_from_data(data, version=0)


_NO_PRICE_BOOK = "no price book published (python -m admin pricebook publish)"


def require_ready(settings: Settings) -> None:
    """The startup check of a deployed function, done at an instance's first commerce use.

    Raises ``CommerceNotConfigured`` naming every missing piece; once passed, not repeated.
    ``local`` always passes (the seed files stand in).
    """
    key = _key(settings)
    if settings.environment == "local" or key in _checked:
        return
    missing = readiness_problems(settings)
    if missing:
        raise CommerceNotConfigured(
            f"environment {settings.environment!r} is not ready to sell: " + "; ".join(missing)
        )
    with _lock:
        _checked.add(key)


class CommerceNotReadyAtStart(RuntimeError):
    """A deployed function that sells starts in an environment not ready to sell: the instance
    must not start (the message names what is missing and the command that provides it)."""


def refuse_to_start_unready(settings: Settings, target: str) -> None:
    """The start-up check of a deployed function that sells (``main.py``): raises
    ``CommerceNotReadyAtStart`` naming every missing piece; passes silently otherwise (and the
    503 at use is not checked again). ``local`` passes without a read (the seed files).

    Firestore unreachable is no answer: the instance starts, and the check runs again at its
    first use (503 if then still unready) rather than crash-looping on a passing outage.
    """
    from google.api_core.exceptions import GoogleAPIError

    try:
        require_ready(settings)
    except CommerceNotConfigured as unready:
        raise CommerceNotReadyAtStart(f"{target} refuses to start: {unready.message}") from None
    except GoogleAPIError as error:
        logger.warning(
            "commerce start-up check deferred to first use: Firestore unreachable (%s)",
            type(error).__name__,
        )


def readiness_problems(settings: Settings) -> list[str]:
    """What is missing before this environment may quote and issue receipts (empty: nothing)."""
    # One batched read (both documents) once per instance; not on every request.
    book_ref, seller_doc = price_book_ref(settings), seller_ref(settings)
    read = {
        snapshot.reference.path: snapshot
        for snapshot in firestore_client().get_all([book_ref, seller_doc])
    }
    book, seller = read[book_ref.path], read[seller_doc.path]
    problems = []
    if not book.exists:
        problems.append(_NO_PRICE_BOOK)
    if not seller.exists:
        problems.append("no seller identity (python -m admin seller set)")
    elif settings.environment != "local" and is_placeholder_seller(seller.to_dict() or {}):
        problems.append("the seller identity is still the placeholder (python -m admin seller set)")
    return problems


def is_placeholder_seller(data: dict[str, Any]) -> bool:
    return (
        data.get("business_id") == PLACEHOLDER_BUSINESS_ID
        or data.get("vat_number") == PLACEHOLDER_VAT_NUMBER
        or "(EXAMPLE)" in str(data.get("name", ""))
    )


# ── Reading ─────────────────────────────────────────────────────────────────────────────────────


def price_book_ref(settings: Settings) -> DocumentReference:
    return firestore_client().collection(settings.commerce_collection).document(PRICE_BOOK_DOC)


def seller_ref(settings: Settings) -> DocumentReference:
    return firestore_client().collection(settings.commerce_collection).document(SELLER_DOC)


def voucher_ref(settings: Settings, code: str) -> DocumentReference:
    return firestore_client().collection(settings.vouchers_collection).document(code)


def read_price_book(settings: Settings) -> PriceBook | None:
    snapshot = price_book_ref(settings).get()
    if not snapshot.exists:
        return None
    data = snapshot.to_dict() or {}
    return price_book_from_data(data, version=int(data["version"]))


def read_vouchers(settings: Settings) -> VoucherBook:
    entries = {}
    for snapshot in firestore_client().collection(settings.vouchers_collection).stream():
        data = {k: v for k, v in (snapshot.to_dict() or {}).items() if k not in _META_FIELDS}
        entries[snapshot.id] = _from_firestore(data)
    return parse_vouchers(entries, source=f"firestore:{settings.vouchers_collection}")


def current_voucher(settings: Settings, code: str, *, transaction: Any = None) -> Voucher | None:
    """One voucher as stored now, not cached (settlement's limit check; may run in a
    transaction). ``local`` falls back to the seed file when the emulator lacks the code."""
    snapshot = voucher_ref(settings, code).get(transaction=transaction)
    if snapshot.exists:
        data = {k: v for k, v in (snapshot.to_dict() or {}).items() if k not in _META_FIELDS}
        return parse_vouchers({code: _from_firestore(data)}, source="firestore")[code]
    if settings.environment == "local":
        return commerce(settings).vouchers.get(code)
    return None


def read_seller_data(settings: Settings) -> dict[str, Any] | None:
    snapshot = seller_ref(settings).get()
    return snapshot.to_dict() if snapshot.exists else None


def _from_firestore(data: dict[str, Any]) -> dict[str, Any]:
    # The parser takes the voucher file's JSON types: instants as ISO text, numbers as int/Decimal.
    from decimal import Decimal

    out: dict[str, Any] = {}
    for name, value in data.items():
        if hasattr(value, "isoformat"):
            out[name] = value.isoformat()
        elif name == "value" and isinstance(value, str):
            out[name] = Decimal(value)
        else:
            out[name] = value
    return out


# ── Writing (the admin tool and the local seed; functions only read) ────────────────────────────


def voucher_to_firestore(entry: dict[str, Any]) -> dict[str, Any]:
    """A voucher file entry as stored: a fractional percentage as text (never a float)."""
    from decimal import Decimal

    return {
        name: (f"{value.normalize():f}" if isinstance(value, Decimal) else value)
        for name, value in entry.items()
    }


def publish_price_book(settings: Settings, book: PriceBook, *, by: str) -> int:
    """Store ``book`` as the next version (history kept); returns that version."""
    from google.cloud import firestore

    client = firestore_client()
    ref = price_book_ref(settings)

    @firestore.transactional
    def publish(transaction: Any) -> int:
        current = ref.get(transaction=transaction)
        version = int((current.to_dict() or {}).get("version", 0)) + 1 if current.exists else 1
        data = {**book.to_data(), "version": version, "updated_by": by}
        data["updated_at"] = firestore.SERVER_TIMESTAMP
        transaction.set(ref, data)
        transaction.set(ref.collection("versions").document(str(version)), data)
        return version

    return int(publish(client.transaction()))


def put_voucher(settings: Settings, code: str, entry: dict[str, Any], *, by: str) -> int:
    """Create or replace one voucher, bumping its version; returns the new version."""
    from google.cloud import firestore

    client = firestore_client()
    ref = voucher_ref(settings, code)

    @firestore.transactional
    def put(transaction: Any) -> int:
        current = ref.get(transaction=transaction)
        version = int((current.to_dict() or {}).get("version", 0)) + 1 if current.exists else 1
        data = {**voucher_to_firestore(entry), "version": version, "updated_by": by}
        data["updated_at"] = firestore.SERVER_TIMESTAMP
        transaction.set(ref, data)
        return version

    return int(put(client.transaction()))


def set_seller(settings: Settings, data: dict[str, Any], *, by: str) -> int:
    from google.cloud import firestore

    current = read_seller_data(settings) or {}
    version = int(current.get("version", 0)) + 1
    stored = {
        **data,
        "version": version,
        "updated_by": by,
        "updated_at": firestore.SERVER_TIMESTAMP,
    }
    seller_ref(settings).set(stored)
    return version


def audit(settings: Settings, *, who: str, what: str, before: Any, after: Any) -> None:
    """One record of an operator's change: who, what, when, and the data before and after."""
    from google.cloud import firestore

    firestore_client().collection(settings.commerce_audit_collection).add(
        {
            "who": who,
            "what": what,
            "when": firestore.SERVER_TIMESTAMP,
            "before": before,
            "after": after,
            "environment": settings.environment,
        }
    )
