"""The records an order session holds: its frozen quote, its payment, and payment issues.

They live inside the session document (``shared.orders.sessions``) as Firestore maps. Field
names and values are those the code stored before these were models, so every stored session
still loads; a field added later gets a default instead of a new name. The payment vocabulary —
providers, methods, payment states, issue kinds, refund states — is declared here and nowhere
else in the library.

Pure data: no I/O, and nothing from pricing or payments (they sit above orders).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict

from shared.product.catalog import Package

PaymentProvider = Literal["stripe", "paypal", "voucher"]
# What the buyer picks at create-intent; "voucher" is the method of a 100 % voucher order.
CheckoutMethod = Literal["stripe", "googlepay", "applepay", "paypal"]
PaymentMethod = Literal["stripe", "googlepay", "applepay", "paypal", "voucher"]

PROVIDER_OF_METHOD: Final[dict[CheckoutMethod, PaymentProvider]] = {
    "stripe": "stripe",
    "googlepay": "stripe",
    "applepay": "stripe",
    "paypal": "paypal",
}


class PaymentState(StrEnum):
    CREATING = "creating"  # create-intent reserved an attempt; the provider intent is being made
    PENDING = "pending"  # the intent exists; the buyer has not paid yet
    PAID = "paid"


class IssueKind(StrEnum):
    """Why a confirmed payment did not pay its order (docs/payments.md has the policy)."""

    AMOUNT_MISMATCH = "amount_mismatch"  # recorded, not refunded: support decides
    SUPERSEDED = "superseded"  # paid for a selection that has changed since: refunded
    DUPLICATE = "duplicate"  # a second payment for an order already paid: refunded
    # The voucher's last redemption went to another order between quote and payment: refunded.
    VOUCHER_LIMIT = "voucher_limit_reached"


REFUNDED_KINDS: Final = frozenset(
    {IssueKind.SUPERSEDED, IssueKind.DUPLICATE, IssueKind.VOUCHER_LIMIT}
)


class RefundState(StrEnum):
    PENDING = "pending"  # to be refunded (Stripe: right after recording; PayPal: by support)
    REFUNDED = "refunded"  # the provider's refund id is stored


class _Record(BaseModel):
    # Unknown fields are dropped rather than refused: a newer writer must not break this reader.
    model_config = ConfigDict(frozen=True, extra="ignore")


class QuotedVoucher(_Record):
    """The voucher as quoted: its terms and the discount it gave (``Quote.to_record``)."""

    code: str
    type: str  # percentage | fixed | free (shared.pricing.vouchers.VoucherType)
    label: str
    percent_off: str | None  # decimal text ("10"), never a float
    amount_off_cents: int | None
    discount_cents: int
    version: int = 0  # of the voucher's definition when quoted (0: before versions were kept)


class QuoteRecord(_Record):
    """The quote the payment will charge: ``Quote.to_record()`` plus the selection it priced.

    ``shared.pricing.quoting`` converts between this and ``shared.pricing.quotes.Quote``.
    """

    record_version: int
    package: Package
    package_title: str
    vehicle_count: int
    tier_band: str
    tier_label: str
    tier_min_vehicles: int
    tier_max_vehicles: int | None
    tier_price_cents: int
    price_book_version: int = 0  # the price book the tier price came from (0: built-in table)
    voucher: QuotedVoucher | None
    discount_cents: int
    total_cents: int
    vat_cents: int
    net_cents: int
    vat_rate_percent: str  # decimal text ("25.5")
    currency: str
    selection_version: int  # the session's selection this quote priced
    quoted_at: datetime

    @property
    def voucher_code(self) -> str | None:
        return self.voucher.code if self.voucher else None

    def frozen(self) -> dict[str, Any]:
        """The record without its timestamp: what the manifest keeps and the receipt reads."""
        return self.model_dump(mode="python", exclude={"quoted_at"})

    def same_terms(self, other: QuoteRecord) -> bool:
        """The same quote, whenever it was made."""
        return self.frozen() == other.frozen()


class PaymentRecord(_Record):
    """The order's current payment: reserved, pending at the provider, then paid."""

    state: PaymentState
    provider: PaymentProvider
    method: PaymentMethod
    amount_cents: int
    currency: str
    attempt: str | None = None  # create-intent's reservation; part of the idempotency key
    quote_key: str | None = None  # "selection:total:currency:voucher" the intent was made for
    started_at: datetime | None = None  # of the reservation (a stale one is taken over)
    intent_id: str | None = None  # Stripe PaymentIntent or PayPal order
    approve_url: str | None = None  # PayPal's approval page (not a secret)
    payment_id: str | None = None  # the provider's id of the money movement, once paid
    last_failure_at: datetime | None = None  # the last declined attempt on a pending intent
    last_failure_reason: str | None = None  # the provider's decline code, for the WUI to show

    @property
    def cancellable_intent(self) -> str | None:
        """The intent to cancel when this payment is replaced: a pending one only."""
        return self.intent_id if self.state == PaymentState.PENDING else None


class PaymentIssue(_Record):
    """A confirmed payment that did not pay the order: kept for support, refunded if policy says."""

    kind: IssueKind
    provider: PaymentProvider
    payment_id: str
    intent_id: str | None
    amount_cents: int
    currency: str
    recorded_at: datetime
    # As stored: None (no refund), "pending", or the provider's refund id once refunded.
    refund: str | None = None

    @property
    def refund_state(self) -> RefundState | None:
        if self.refund is None:
            return None
        return RefundState.PENDING if self.refund == RefundState.PENDING else RefundState.REFUNDED

    @property
    def refund_id(self) -> str | None:
        return self.refund if self.refund_state == RefundState.REFUNDED else None
