"""All mutable simulator state behind one lock: tokens, orders, captures, webhooks, deliveries."""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field
from typing import Any

from simulators.clock import SimulatedClock

from .config import PayPalSimulatorConfig
from .faults import CaptureOutcomes, FaultInjector
from .signing import WebhookSigner

PRE_APPROVAL_STATUSES: tuple[str, ...] = ("CREATED", "PAYER_ACTION_REQUIRED")


@dataclass
class AccessToken:
    token: str
    client_id: str
    issued_at: float
    expires_at: float
    nonce: str
    revoked: bool = False


@dataclass
class Capture:
    id: str
    order_id: str
    unit_index: int
    status: str  # COMPLETED | PENDING | DECLINED
    amount: dict[str, str]
    fee: dict[str, str]
    net: dict[str, str]
    custom_id: str | None
    invoice_id: str | None
    create_time: float
    update_time: float
    status_reason: str | None = None  # status_details.reason (PENDING_REVIEW, ...)
    final_capture: bool = True


@dataclass
class Refund:
    """A refund of a capture (POST /v2/payments/captures/{id}/refund) or a reversal PayPal made
    (a chargeback: PAYMENT.CAPTURE.REVERSED)."""

    id: str
    capture_id: str
    order_id: str
    status: str  # COMPLETED | PENDING | FAILED | CANCELLED
    amount: dict[str, str]
    create_time: float
    update_time: float
    invoice_id: str | None = None
    custom_id: str | None = None
    note_to_payer: str | None = None
    status_reason: str | None = None  # status_details.reason (ECHECK for PENDING)
    reversal: bool = False  # made by PayPal (chargeback), not by the merchant's refund call


@dataclass
class Dispute:
    """A buyer's case against a capture (PayPal's Disputes API, v1)."""

    id: str
    capture_id: str
    order_id: str
    reason: str
    status: str  # OPEN | WAITING_FOR_SELLER_RESPONSE | UNDER_REVIEW | RESOLVED
    stage: str  # dispute_life_cycle_stage: INQUIRY | CHARGEBACK | PRE_ARBITRATION | ARBITRATION
    amount: dict[str, str]
    create_time: float
    update_time: float
    outcome: str | None = None  # dispute_outcome.outcome_code once RESOLVED


@dataclass
class Order:
    id: str
    intent: str
    status: str
    # What the order returns to when approval is undone (after INSTRUMENT_DECLINED).
    pre_approval_status: str
    purchase_units: list[dict[str, Any]]
    return_url: str | None
    cancel_url: str | None
    uses_payment_source: bool
    create_time: float
    update_time: float
    approved_at: float | None = None
    payer: dict[str, Any] | None = None
    captures: list[Capture] = field(default_factory=list)
    void_reason: str | None = None
    fingerprint: str = ""


@dataclass
class IdempotencyRecord:
    """What a PayPal-Request-Id produced, kept for request_id_retention_seconds."""

    scope: str  # create_order | capture_order | refund_capture
    request_id: str
    fingerprint: str  # body (create) or order id (capture)
    order_id: str | None
    created_at: float
    error: dict[str, Any] | None = None  # the earlier error body, replayed as is
    error_status: int | None = None
    refund_id: str | None = None  # what a refund_capture request made


@dataclass
class Webhook:
    id: str
    urls: list[str]  # PayPal has one URL per webhook; WH-LOCAL may hold several (simulator)
    event_types: list[str]  # "*" means every event
    builtin: bool = False

    def subscribes_to(self, event_type: str) -> bool:
        return "*" in self.event_types or event_type in self.event_types


@dataclass
class WebhookEvent:
    id: str
    event_type: str
    created_at: float
    body: dict[str, Any]
    order_id: str | None


@dataclass
class Delivery:
    """One transmission: an event POSTed to one URL for one webhook id."""

    seq: int
    event_id: str
    event_type: str
    webhook_id: str
    url: str
    transmission_id: str
    transmission_time: str
    signature: str
    cert_url: str
    auth_algo: str
    raw_body: bytes
    trigger: str  # automatic | retry | resend | admin
    attempt: int = 1
    status_code: int | None = None
    error: str | None = None
    state: str = "pending"  # pending | delivered | failed
    sent_at: float | None = None
    duration_ms: float | None = None
    next_retry_at: float | None = None
    retried: bool = False

    def headers(self) -> dict[str, str]:
        return {
            "Content-Type": "application/json",
            "User-Agent": "PayPal/AUHD-214.0-58452346",
            "PAYPAL-TRANSMISSION-ID": self.transmission_id,
            "PAYPAL-TRANSMISSION-TIME": self.transmission_time,
            "PAYPAL-TRANSMISSION-SIG": self.signature,
            "PAYPAL-CERT-URL": self.cert_url,
            "PAYPAL-AUTH-ALGO": self.auth_algo,
            "PAYPAL-AUTH-VERSION": "v2",
        }

    def describe(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "event_id": self.event_id,
            "event_type": self.event_type,
            "webhook_id": self.webhook_id,
            "url": self.url,
            "transmission_id": self.transmission_id,
            "transmission_time": self.transmission_time,
            "trigger": self.trigger,
            "attempt": self.attempt,
            "state": self.state,
            "status_code": self.status_code,
            "error": self.error,
            "sent_at": self.sent_at,
            "duration_ms": self.duration_ms,
            "next_retry_at": self.next_retry_at,
            "headers": self.headers(),
        }


@dataclass
class SimulatorState:
    config: PayPalSimulatorConfig
    settings: PayPalSimulatorConfig = field(init=False)
    clock: SimulatedClock = field(init=False)
    signer: WebhookSigner = field(init=False)
    lock: threading.RLock = field(default_factory=threading.RLock)
    faults: FaultInjector = field(default_factory=FaultInjector)
    capture_outcomes: CaptureOutcomes = field(default_factory=CaptureOutcomes)
    tokens: dict[str, AccessToken] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)
    captures: dict[str, Capture] = field(default_factory=dict)
    refunds: dict[str, Refund] = field(default_factory=dict)
    disputes: dict[str, Dispute] = field(default_factory=dict)
    # Statuses the next refunds are given (admin: POST /admin/refund-outcomes), first first.
    refund_outcomes: list[str] = field(default_factory=list)
    request_ids: dict[tuple[str, str], IdempotencyRecord] = field(default_factory=dict)
    webhooks: dict[str, Webhook] = field(default_factory=dict)
    events: dict[str, WebhookEvent] = field(default_factory=dict)
    deliveries: list[Delivery] = field(default_factory=list)
    transmissions: dict[str, Delivery] = field(default_factory=dict)
    paid_invoice_ids: set[str] = field(default_factory=set)
    # Root URL seen on the latest request, for work done outside a request (retries, sweeps).
    last_root_url: str = "http://127.0.0.1:9200"

    def __post_init__(self) -> None:
        self.clock = SimulatedClock(frozen=self.config.freeze_clock)
        self.signer = WebhookSigner()  # one RSA key per process: generation is the slow part
        self.reset()

    def reset(self) -> None:
        """Back to the state create_app() made: no orders, tokens, events, faults; clock at 0."""
        with self.lock:
            self.settings = copy.deepcopy(self.config)
            self.clock.reset(frozen=self.config.freeze_clock)
            self.faults.clear()
            self.capture_outcomes.clear()
            self.tokens.clear()
            self.orders.clear()
            self.captures.clear()
            self.refunds.clear()
            self.disputes.clear()
            self.refund_outcomes.clear()
            self.request_ids.clear()
            self.events.clear()
            self.deliveries.clear()
            self.transmissions.clear()
            self.paid_invoice_ids.clear()
            self.webhooks = {
                self.settings.webhook_id: Webhook(
                    id=self.settings.webhook_id,
                    urls=list(self.settings.webhook_urls),
                    event_types=["*"],
                    builtin=True,
                )
            }

    def remembered_request(self, scope: str, request_id: str) -> IdempotencyRecord | None:
        """The earlier result of a PayPal-Request-Id, unless its retention has run out."""
        record = self.request_ids.get((scope, request_id))
        if record is None:
            return None
        if self.clock.now() - record.created_at >= self.settings.request_id_retention_seconds:
            del self.request_ids[(scope, request_id)]
            return None
        return record
