"""Quoting an order session: the I/O side of CPQ (the pure engine is ``shared.pricing``).

The server prices from the session's own selection, never from a client amount. Every quote is
recomputed and stored in the session as the quote the payment will charge, tagged with the
selection it priced, so a payment can never be applied to a different selection.

Voucher guessing is capped: failed codes count per session and per client IP (shared Firestore
counters); past the cap the answer is 429 whatever the code. Every refused code answers the
same "not valid", whatever the reason (the reason goes to the log).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from shared.orders import order_state, sessions
from shared.orders.records import QuoteRecord
from shared.platform import errors, rate_limits
from shared.platform.settings import Settings
from shared.pricing.book import commerce
from shared.pricing.models import CatalogResponse, QuoteResponse, VoucherValidateResponse
from shared.pricing.quotes import Quote, build_quote
from shared.pricing.redemptions import redemptions_used
from shared.pricing.responses import build_catalog, voucher_validation_response
from shared.pricing.vouchers import (
    VOUCHER_NOT_VALID_ERROR_CODE,
    VOUCHER_NOT_VALID_MESSAGE,
    Voucher,
    VoucherAccepted,
    VoucherRefused,
    evaluate_voucher,
    normalize_code,
)

logger = logging.getLogger(__name__)

_SESSION_FAILURES = "voucher_failures_session"
_IP_FAILURES = "voucher_failures_ip"


class VoucherNotValid(errors.ApiError):
    status, code = 422, VOUCHER_NOT_VALID_ERROR_CODE

    def __init__(self) -> None:
        super().__init__(VOUCHER_NOT_VALID_MESSAGE, field="voucher_code")


def catalog(settings: Settings) -> CatalogResponse:
    return build_catalog(price_book=commerce(settings).price_book)


def quote_session(
    settings: Settings,
    session_id: str,
    *,
    voucher_code: str | None,
    client_ip: str,
    now: datetime | None = None,
) -> QuoteResponse:
    """``POST /pricing/quote``: price the session's selection and store it as the quote to pay."""
    now = now or datetime.now(UTC)
    read = sessions.load(settings, session_id, now=now)
    quote = price(settings, read.session, voucher_code=voucher_code, client_ip=client_ip, now=now)
    record = quote_record(quote, read.session.selection_version, now)

    def store(current: sessions.OrderSession) -> tuple[sessions.OrderSession, None]:
        order_state.apply("quote", current.status)
        if current.selection_version != record.selection_version:
            raise errors.Conflict(
                "The selection changed while quoting; ask for a new quote.",
                current_status=current.status.value,
            )
        return current.model_copy(update={"quote": kept_or_new(current.quote, record)}), None

    sessions.update(settings, read.session.session_key, store, read=read, now=now)
    return quote.to_response()


def price(
    settings: Settings,
    session: sessions.OrderSession,
    *,
    voucher_code: str | None,
    client_ip: str,
    now: datetime,
    guessing: bool = True,
) -> Quote:
    """The quote for the session's own selection, with ``voucher_code`` if it is valid now.

    ``guessing`` False is for a code the session already holds in its quote (create-intent
    re-prices with it): no guess to cap, so the failure counters are not read first.
    """
    order_state.apply("quote", session.status)
    voucher = None
    if voucher_code:
        voucher = _accepted_voucher(
            settings,
            voucher_code,
            package=session.selected_package,
            caps={_SESSION_FAILURES: session.session_key, _IP_FAILURES: client_ip},
            now=now,
            check_caps=guessing,
        )
    assert session.selected_package is not None  # guaranteed by status vehicles_selected
    return build_quote(
        session.selected_package,
        len(session.selected_vehicle_ids),
        voucher,
        price_book=commerce(settings).price_book,
    )


def requote(
    settings: Settings, session: sessions.OrderSession, *, client_ip: str, now: datetime
) -> Quote:
    """The session's quote recomputed now, from its selection and its stored voucher code."""
    code = session.quote.voucher_code if session.quote else None
    return price(settings, session, voucher_code=code, client_ip=client_ip, now=now, guessing=False)


def quote_record(quote: Quote, selection_version: int, now: datetime) -> QuoteRecord:
    """The session's record of ``quote`` (``Quote.to_record`` + the selection it priced)."""
    return QuoteRecord.model_validate(
        {**quote.to_record(), "selection_version": selection_version, "quoted_at": now}
    )


def kept_or_new(stored: QuoteRecord | None, record: QuoteRecord) -> QuoteRecord:
    """The stored quote when it says the same (keeps its time: nothing to write), else the new."""
    return stored if stored is not None and stored.same_terms(record) else record


def validate_voucher(
    settings: Settings, code: str, *, client_ip: str, now: datetime | None = None
) -> VoucherValidateResponse:
    """The voucher preview (before a package is chosen): valid or the one "not valid"."""
    now = now or datetime.now(UTC)
    try:
        voucher = _accepted_voucher(
            settings, code, package=None, caps={_IP_FAILURES: client_ip}, now=now
        )
    except VoucherNotValid:
        return VoucherValidateResponse(valid=False)
    currency = commerce(settings).price_book.currency
    return voucher_validation_response(VoucherAccepted(voucher), currency=currency)


def _accepted_voucher(
    settings: Settings,
    raw_code: str,
    *,
    package: str | None,
    caps: dict[str, str],
    now: datetime,
    check_caps: bool = True,
) -> Voucher:
    limits = {
        _SESSION_FAILURES: settings.voucher_failures_per_session,
        _IP_FAILURES: settings.voucher_failures_per_ip,
    }
    window_s = settings.voucher_failure_window_s
    for name, client in caps.items() if check_caps else ():
        rate_limits.refuse_if_used_up(
            settings, name=name, client=client, limit=limits[name], window_s=window_s, now=now
        )
    book = commerce(settings).vouchers
    code = normalize_code(raw_code)
    used = redemptions_used(settings, code) if code and book.get(code) else 0
    decision = evaluate_voucher(book, raw_code, now=now, redemptions_used=used, package=package)
    if isinstance(decision, VoucherRefused):
        for name, client in caps.items():
            rate_limits.increment(settings, name=name, client=client, window_s=window_s, now=now)
        logger.info("voucher refused", extra={"fields": {"voucher_refusal": decision.reason.value}})
        raise VoucherNotValid
    return decision.voucher
