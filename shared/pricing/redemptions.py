"""How often each voucher has been redeemed, by whom and for how much: counted at payment.

Quoting reads the counts (a code at its limit, or at this customer's limit, is refused before
payment). Settlement reads them again and writes count + 1 in the same commit that marks the
order paid, on condition that each counter is still as read (``update_time``): of two payments
racing for the last use — of the code, or of one customer's allowance — one commit fails, is
re-decided on a fresh count, and that payment is refunded.

Layout (``voucher_redemptions``):

- ``{CODE}``: ``count`` and ``discount_cents`` (the total given away), for ``vouchers report``;
- ``{CODE}/customers/{customer key}``: ``count``, for a voucher with ``max_per_customer``;
- ``{CODE}/uses/{order id}``: one record per redemption: its discount, currency, customer key
  and time (written in the same commit, so the totals can always be re-added from them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from shared.platform.clients import firestore_client
from shared.platform.settings import Settings

if TYPE_CHECKING:
    from shared.orders.sessions import AlsoWrite
    from shared.pricing.vouchers import Voucher

COLLECTION = "voucher_redemptions"
CUSTOMERS = "customers"
USES = "uses"


@dataclass(frozen=True)
class CustomerCount:
    """One customer's uses of a voucher limited per customer, as read."""

    customer_key: str | None  # None: the order's customer is not identified
    count: int
    limit: int
    update_time: datetime | None  # None: no use yet (the document does not exist)

    @property
    def used_up(self) -> bool:
        return self.customer_key is None or self.count >= self.limit


@dataclass(frozen=True)
class Counter:
    """A voucher's redemption count as read, and the version of its document (None: none yet)."""

    code: str
    count: int
    limit: int | None  # the voucher's max_redemptions; None: unlimited (or no longer defined)
    update_time: datetime | None
    discount_cents: int = 0  # given away so far
    customer: CustomerCount | None = field(default=None)  # when limited per customer

    @property
    def used_up(self) -> bool:
        """The code's last use is gone, or this customer's."""
        code_used_up = self.limit is not None and self.count >= self.limit
        return code_used_up or (self.customer is not None and self.customer.used_up)


def redemption_reference(settings: Settings, code: str) -> Any:
    return firestore_client().collection(COLLECTION).document(code)


def customer_reference(settings: Settings, code: str, customer_key: str) -> Any:
    return redemption_reference(settings, code).collection(CUSTOMERS).document(customer_key)


def redemptions_used(settings: Settings, code: str) -> int:
    snapshot = redemption_reference(settings, code).get()
    return int(snapshot.get("count")) if snapshot.exists else 0


def customer_uses(settings: Settings, code: str, customer_key: str | None) -> int:
    """How many paid orders of this customer used ``code`` (0 for an unknown customer)."""
    if customer_key is None:
        return 0
    snapshot = customer_reference(settings, code, customer_key).get()
    return int((snapshot.to_dict() or {}).get("count", 0)) if snapshot.exists else 0


def voucher_limit(settings: Settings, code: str) -> int | None:
    """The voucher's ``max_redemptions`` (None: unlimited or unknown)."""
    voucher = _stored_voucher(settings, code)
    return voucher.max_redemptions if voucher is not None else None


def _stored_voucher(settings: Settings, code: str) -> Voucher | None:
    # The one place settlement learns a voucher's definition: as stored now, not the
    # instance's cached copy.
    from shared.pricing.book import current_voucher

    return current_voucher(settings, code)


def read_counter(settings: Settings, code: str, customer_key: str | None = None) -> Counter:
    """The counts settlement checks: the code's, and this customer's when the voucher limits
    uses per customer."""
    voucher = _stored_voucher(settings, code)
    snapshot = redemption_reference(settings, code).get()
    data = (snapshot.to_dict() or {}) if snapshot.exists else {}
    customer = None
    if voucher is not None and voucher.max_per_customer is not None:
        customer = _customer_count(settings, code, customer_key, voucher.max_per_customer)
    return Counter(
        code=code,
        count=int(data.get("count", 0)),
        limit=voucher.max_redemptions if voucher is not None else None,
        update_time=snapshot.update_time if snapshot.exists else None,
        discount_cents=int(data.get("discount_cents", 0)),
        customer=customer,
    )


def _customer_count(
    settings: Settings, code: str, customer_key: str | None, limit: int
) -> CustomerCount:
    if customer_key is None:
        return CustomerCount(None, 0, limit, None)
    snapshot = customer_reference(settings, code, customer_key).get()
    count = int((snapshot.to_dict() or {}).get("count", 0)) if snapshot.exists else 0
    return CustomerCount(
        customer_key, count, limit, snapshot.update_time if snapshot.exists else None
    )


@dataclass(frozen=True)
class Redemption:
    """One paid order's use of a voucher."""

    code: str
    order_id: str
    discount_cents: int
    currency: str
    customer_key: str | None


def redemption_writes(
    settings: Settings, redemption: Redemption, counter: Counter | None
) -> list[AlsoWrite]:
    """The writes that count ``redemption``, for the commit that marks its order paid.

    A counter with a limit (the code's ``max_redemptions``, this customer's
    ``max_per_customer``) is written only if unchanged since ``counter`` read it, so no two
    payments share a last use; the count of a code without a limit is incremented (no conflict
    between buyers).
    """
    from google.cloud import firestore

    from shared.orders.sessions import AlsoWrite

    code = redemption.code
    reference = redemption_reference(settings, code)
    writes = [
        AlsoWrite(
            reference.collection(USES).document(redemption.order_id),
            {
                "order_id": redemption.order_id,
                "discount_cents": redemption.discount_cents,
                "currency": redemption.currency,
                "customer_key": redemption.customer_key,
                "redeemed_at": firestore.SERVER_TIMESTAMP,
            },
        )
    ]
    if counter is not None and counter.limit is not None:
        totals = {
            "count": counter.count + 1,
            "discount_cents": counter.discount_cents + redemption.discount_cents,
        }
        writes.append(_conditional(reference, totals, counter.update_time))
    else:
        increments = {
            "count": firestore.Increment(1),
            "discount_cents": firestore.Increment(redemption.discount_cents),
        }
        writes.append(AlsoWrite(reference, increments))
    customer = counter.customer if counter is not None else None
    if customer is not None and customer.customer_key is not None:
        writes.append(
            _conditional(
                customer_reference(settings, code, customer.customer_key),
                {"count": customer.count + 1},
                customer.update_time,
            )
        )
    return writes


def _conditional(reference: Any, fields: dict[str, Any], update_time: datetime | None) -> AlsoWrite:
    """Created if absent when read, else updated only if unchanged since."""
    from shared.orders.sessions import AlsoWrite

    if update_time is None:
        return AlsoWrite(reference, fields, create=True)
    return AlsoWrite(reference, fields, last_update_time=update_time)
