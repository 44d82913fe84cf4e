"""Signals: the log lines that feed the log-based metrics and alerts of ``infra/monitoring.tf``.

A signal is one structured log line ``{"signal": <name>, <field>: ...}`` written through
``signal(...)``. The names (``Signal``) and the fields (``SignalFields``) are a contract with the
metric filters in ``infra/monitoring.tf`` and the runbook (docs/operations.md): rename one only
together with its filter (``tests/operations/test_signals.py`` proves every filter matches
a line the code writes). Signals name an order by its opaque ``order_id`` (``ord_…``), never by
its session id (a bearer token); the field list has no place for one, and the line passes the
same redaction as every other log line.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import TypedDict, Unpack

logger = logging.getLogger("cpt.signal")


class Signal(StrEnum):
    """What happened. Each value is the ``jsonPayload.signal`` of its log line."""

    ORDER_CONNECTED = "order_connected"  # a session was created by connecting a car account
    ORDER_SELECTED = "order_selected"  # cars and a package chosen (each selection change)
    ORDER_PAID = "order_paid"  # settlement marked the order paid (once per order)
    ORDER_COMPLETE = "order_complete"  # every car ended; latency_s = paid → complete
    CAR_REPORT = "car_report"  # one car's attempt ended: outcome complete/partial/failed
    TESLA_CALLS = "tesla_calls"  # the Fleet API calls of one endpoint in one car attempt
    WEBHOOK = "webhook"  # a provider webhook delivery and what became of it
    PAYMENT_ISSUE = "payment_issue"  # a payment that does not fit its order (kind)
    REFUND = "refund"  # money going back: automatic, late payment, or a provider event
    DISPUTE = "dispute"  # a chargeback / PayPal dispute opened or closed
    RECONCILER_REPAIR = "reconciler_repair"  # the reconciler repaired a lost step
    STUCK_ORDER = "stuck_order"  # paid, not complete, older than the reconciler's stuck window
    HTTP_5XX = "http_5xx"  # a function answered 5xx


class SignalFields(TypedDict, total=False):
    """Every field a signal may carry (stable names; documented in docs/operations.md). A field
    given as None is left out of the line."""

    order_id: str | None  # the opaque order id (ord_…), as in every other log line of the order
    provider: str | None  # stripe | paypal | voucher
    method: str | None  # stripe (card), googlepay, applepay, paypal, voucher
    amount_cents: int | None
    currency: str | None
    package: str | None
    vehicle_count: int | None
    outcome: str | None  # the signal's result (values listed per signal in docs/operations.md)
    result: str | None  # webhook: what processing returned (paid, recorded:refunds, ignored, …)
    reason: str | None  # a bounded reason code, never free text
    kind: str | None  # payment issue kind / reconciler repair kind
    stage: str | None  # dispute: opened | closed
    endpoint: str | None  # Tesla logical endpoint (vehicle_data, wake_up, …)
    calls: int | None  # logical Tesla calls
    billed_calls: int | None  # HTTP attempts Tesla bills (answered below 500)
    cost_micro_usd: int | None  # Tesla cost of those attempts, integer micro-dollars
    latency_s: float | None  # order_complete: paid_at → complete, seconds
    age_s: int | None  # stuck_order: seconds since payment
    status: str | None  # an order status (stuck_order)
    repair_count: int | None  # reconciler_repair: repairs of this order so far, this one included
    attempt: int | None  # car_report: the car's attempt number
    retry_planned: bool | None  # car_report: a later attempt is scheduled (offline car)
    function: str | None  # http_5xx: the function (route target)
    http_status: int | None


# Signals an operator should see even with INFO filtered out.
_WARNING = frozenset(
    {Signal.PAYMENT_ISSUE, Signal.DISPUTE, Signal.STUCK_ORDER, Signal.HTTP_5XX, Signal.REFUND}
)


def signal(name: Signal, **fields: Unpack[SignalFields]) -> None:
    """Write the signal's log line: ``{"signal": name, **fields}`` (``None`` fields left out)."""
    payload = {"signal": name.value, **{k: v for k, v in fields.items() if v is not None}}
    level = logging.WARNING if name in _WARNING else logging.INFO
    logger.log(level, "signal %s", name.value, extra={"fields": payload})
