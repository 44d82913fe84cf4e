"""Quoting an order session: the I/O side of CPQ (the pure engine is ``shared.pricing``).

The server prices from the session's own selection, never from a client amount. Every quote is
recomputed and stored in the session as the quote the payment will charge, tagged with the
selection it priced, so a payment can never be applied to a different selection.

Voucher guessing is capped: failed codes count per session and per client IP (shared Firestore
counters); past the cap the answer is 429 whatever the code. Every refused code answers the
same "not valid", whatever the reason (the reason goes to the log) — except the reasons about
the buyer's own order (too few cars, this customer's uses spent: ``PUBLIC_REASONS``), which are
named, since the buyer can act on them; those do not count as guesses.
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
from shared.pricing.redemptions import customer_uses, redemptions_used
from shared.pricing.responses import build_catalog, voucher_validation_response
from shared.pricing.vouchers import (
    PUBLIC_REASONS,
    VOUCHER_NOT_VALID_ERROR_CODE,
    VOUCHER_NOT_VALID_MESSAGE,
    OrderTerms,
    RefusalReason,
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
    """422 ``voucher_not_valid``: the one sentence, or for a reason about the buyer's own order
    (``PUBLIC_REASONS``) that reason, a sentence naming it and the voucher's term."""

    status, code = 422, VOUCHER_NOT_VALID_ERROR_CODE

    def __init__(self, reason: RefusalReason | None = None, voucher: Voucher | None = None) -> None:
        if reason is RefusalReason.TOO_FEW_VEHICLES and voucher is not None:
            super().__init__(
                f"This voucher needs at least {voucher.min_vehicles} cars in the order.",
                field="voucher_code",
                reason=reason.value,
                min_vehicles=voucher.min_vehicles,
            )
        elif reason is RefusalReason.CUSTOMER_LIMIT_REACHED and voucher is not None:
            super().__init__(
                "This voucher has already been used with this car account as often as it allows.",
                field="voucher_code",
                reason=reason.value,
                max_per_customer=voucher.max_per_customer,
            )
        else:
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
    language: str | None = None,
) -> QuoteResponse:
    """``POST /pricing/quote``: price the session's selection and store it as the quote to pay.

    ``language`` picks the voucher label of the answer; the stored quote is the same in every
    language."""
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
    return quote.to_response(language)


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
            session=session,
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
    settings: Settings,
    code: str,
    *,
    client_ip: str,
    now: datetime | None = None,
    language: str | None = None,
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
    return voucher_validation_response(
        VoucherAccepted(voucher), currency=currency, language=language
    )


def _accepted_voucher(
    settings: Settings,
    raw_code: str,
    *,
    package: str | None,
    caps: dict[str, str],
    now: datetime,
    check_caps: bool = True,
    session: sessions.OrderSession | None = None,
) -> Voucher:
    """The voucher ``raw_code`` names if it applies now (and to ``session``'s order, if given);
    else ``VoucherNotValid``, counted as a failed guess unless it names a public reason."""
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
    known = book.get(code) if code else None
    used = redemptions_used(settings, known.code) if known else 0
    order = None if session is None else _order_terms(settings, known, session)
    decision = evaluate_voucher(
        book, raw_code, now=now, redemptions_used=used, package=package, order=order
    )
    if isinstance(decision, VoucherRefused):
        public = decision.reason in PUBLIC_REASONS
        for name, client in () if public else caps.items():
            rate_limits.increment(settings, name=name, client=client, window_s=window_s, now=now)
        logger.info("voucher refused", extra={"fields": {"voucher_refusal": decision.reason.value}})
        raise VoucherNotValid(decision.reason, known) if public else VoucherNotValid()
    return decision.voucher


def _order_terms(
    settings: Settings, voucher: Voucher | None, session: sessions.OrderSession
) -> OrderTerms:
    """The order's side of a voucher's order-bound terms; this customer's uses are read only
    for a voucher limited per customer."""
    key = session.customer_key
    limited = voucher is not None and voucher.max_per_customer is not None
    return OrderTerms(
        vehicle_count=len(session.selected_vehicle_ids),
        customer_known=key is not None,
        customer_uses=customer_uses(settings, voucher.code, key) if voucher and limited else 0,
    )
