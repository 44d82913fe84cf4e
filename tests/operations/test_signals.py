"""The signals the code writes on real flows satisfy every metric filter of infra/monitoring.tf.

Real flows on the local cloud (emulators, localstripe, the Tesla simulator, the Cloud Tasks
emulator delivering to the worker): a card payment whose reports are built, the rare events
triggered on purpose (a forged webhook signature, a duplicate delivery, a dispute and a refund
event, a payment superseded by a new selection, a stuck and a repeatedly repaired order, a 500, a
Tesla module failing). Each signal line is captured as Cloud Logging receives it (the JSON the
formatter writes, after redaction), and every metric's filter must match at least one line, with
the fields its labels and value extract. No signal line carries a session id.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from shared.orders.manifests import receipt_path
from shared.payments import settlement
from shared.platform.logs import CloudLoggingFormatter
from shared.platform.settings import get_settings
from tests.delivery.conftest import pay_free, wait_for_status
from tests.infra.test_monitoring import METRICS, extracted_fields, matches
from tests.operations.conftest import age_order, delete_blob, reconcile, session_of
from tests.payments.conftest import PAID_OR_LATER, STRIPE_KEY
from tests.payments.test_stripe_payments import _deliver, _succeeded_event


class Lines(logging.Handler):
    """Every log line as Cloud Logging would receive it (JSON after redaction)."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(CloudLoggingFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines]

    def signals(self) -> list[dict[str, Any]]:
        return [record for record in self.records() if "signal" in record]


@pytest.fixture
def lines() -> Iterator[Lines]:
    capture = Lines()
    root = logging.getLogger()
    root.addHandler(capture)
    try:
        yield capture
    finally:
        root.removeHandler(capture)


def _event(event_id: str, event_type: str, resource: dict[str, Any]) -> dict[str, Any]:
    return {"id": event_id, "object": "event", "type": event_type, "data": {"object": resource}}


def _card_order(order, tesla) -> tuple[str, str]:
    """Family account, both cars, Pro; paid by card; returns (order id, intent id)."""
    order.ready()
    intent_id = order.create_intent().json["stripe"]["payment_intent_id"]
    assert order.pay_with_card(intent_id)["status"] == "succeeded"
    paid = order.wait_for(lambda s: s.status.value in PAID_OR_LATER - {"paid"})
    return paid.order_id, intent_id


def _rare_webhook_events(order, intent_id: str) -> None:
    forged = _deliver(order, _succeeded_event(intent_id, "evt_forged"), secret="whsec_wrong")
    assert forged.status_code == 400
    assert _deliver(order, _succeeded_event(intent_id, "evt_dup")).status_code == 200
    assert _deliver(order, _succeeded_event(intent_id, "evt_dup")).json["outcome"] == "duplicate"
    dispute = {"id": "dp_sig", "object": "dispute", "payment_intent": intent_id,
               "amount": 2999, "status": "needs_response", "reason": "fraudulent"}  # fmt: skip
    opened = _deliver(order, _event("evt_dispute_sig", "charge.dispute.created", dispute))
    assert opened.json["outcome"] == "recorded:disputes"
    refund = {"id": "ch_sig", "object": "charge", "payment_intent": intent_id,
              "amount": 2999, "amount_refunded": 2999, "status": "succeeded"}  # fmt: skip
    refunded = _deliver(order, _event("evt_refund_sig", "charge.refunded", refund))
    assert refunded.json["outcome"] == "recorded:refunds"


def _amount_mismatch(order) -> None:
    """Our own intent, its amount changed before the card confirms it (as a tampered client
    could): the webhook says succeeded for another amount than the quote."""
    order.ready(account="solo", package="basic")
    intent_id = order.create_intent().json["stripe"]["payment_intent_id"]
    changed = requests.post(
        f"{order.stripe_api}/v1/payment_intents/{intent_id}",
        data={"amount": 101},
        auth=STRIPE_KEY,
        timeout=10,
    )
    assert changed.status_code == 200, changed.text
    assert order.pay_with_card(intent_id)["status"] == "succeeded"
    order.wait_for(lambda s: bool(s.payment_issues))


def _superseded_and_refunded(order) -> None:
    """The card is charged, then the selection changes before the webhook arrives: the payment
    is recorded as superseded and refunded in full."""
    order.ready(account="family", package="basic")
    intent_id = order.create_intent().json["stripe"]["payment_intent_id"]
    assert order.pay_with_card(intent_id)["status"] == "succeeded"
    order.select([order.cars()[0]["id"]], "basic")
    order.wait_for(lambda s: bool(s.payment_issues) and s.payment_issues[0].refund_id is not None)


def _stuck_and_repeatedly_repaired(order, firestore_db, monkeypatch) -> None:
    """Paid, generation never started, 31 minutes ago: stuck; then its receipt keeps vanishing."""
    monkeypatch.setattr(settlement, "start_reports", lambda settings, stored: stored)
    pay_free(order, "solo", "basic")
    monkeypatch.undo()
    session = session_of(order)
    age_order(firestore_db, session.session_key, seconds=31 * 60)
    reconcile(order)  # stuck_order (paid) and reconciler_repair generation_not_started
    wait_for_status(order, "complete")
    limit = int(reconciler_repeat_limit())
    for _ in range(limit + 1):
        delete_blob(receipt_path(session.order_id))
        reconcile(order)


def reconciler_repeat_limit() -> float:
    from tests.infra.test_monitoring import INFRA_STATE

    return float(INFRA_STATE.default("reconciler_repeat_limit"))


def _a_500(order, monkeypatch) -> None:
    from shared.orders import selection

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    order.session_id = order.browser.connect("solo").session_id
    monkeypatch.setattr(selection, "vehicles_of", broken)
    response = order.gateway.get(f"/api/v1/tesla/session/{order.session_id}/vehicles")
    assert response.status_code == 500
    monkeypatch.undo()


def _a_partial_report(order, tesla) -> None:
    """Tesla fails one module of the package: the car's report is partial (module_failed)."""
    tesla.admin("faults", {"kind": "error", "endpoint": "release_notes", "status": 404})
    order.ready(account="solo", package="pro", voucher="PILOT2026")
    assert order.create_intent().json["status"] == "paid"
    wait_for_status(order, "complete")


def test_every_metric_filter_matches_a_line_the_code_writes(
    order, tesla, firestore_db, monkeypatch, lines
):
    order_id, intent_id = _card_order(order, tesla)
    wait_for_status(order, "complete")
    card_session_id = order.session_id
    _rare_webhook_events(order, intent_id)
    _amount_mismatch(order)
    _superseded_and_refunded(order)
    _stuck_and_repeatedly_repaired(order, firestore_db, monkeypatch)
    _a_500(order, monkeypatch)
    _a_partial_report(order, tesla)

    signals = lines.signals()
    unmatched = []
    for name, metric in METRICS.items():
        fields = extracted_fields(metric)
        hits = [record for record in signals if matches(metric, record)]
        if not hits:
            unmatched.append(name)
            continue
        for label, field in fields.items():
            if label == "value":
                assert all(isinstance(hit[field], int | float) for hit in hits), name
            elif label != "reason":  # empty on a complete car: extracted as ""
                assert all(field in hit for hit in hits), f"{name}: {label}"
    assert not unmatched, f"metrics whose filter matches no line the code wrote: {unmatched}"

    by_signal = {record["signal"] for record in signals}
    outcomes = {(r["signal"], r.get("outcome")) for r in signals}
    webhooks = {outcome for signal, outcome in outcomes if signal == "webhook"}
    assert {"verified", "duplicate", "refused_signature", "amount_mismatch"} <= webhooks
    assert ("car_report", "partial") in outcomes and ("refund", "refunded") in outcomes
    assert {"stuck_order", "reconciler_repair", "dispute", "http_5xx"} <= by_signal

    # The card order's own story: connected → selected → paid → complete, with its Tesla cost.
    own = [record for record in signals if record.get("order_id") == order_id]
    steps = [r["signal"] for r in own if r["signal"].startswith("order_")]
    assert steps == ["order_connected", "order_selected", "order_paid", "order_complete"], steps
    complete = next(r for r in own if r["signal"] == "order_complete")
    assert complete["latency_s"] >= 0 and complete["vehicle_count"] == 2
    cost = sum(r["cost_micro_usd"] for r in own if r["signal"] == "tesla_calls")
    assert cost > 0

    # No session id in any signal line, whatever its key.
    for line in lines.lines:
        record = json.loads(line)
        if "signal" in record:
            assert card_session_id not in line and order.session_id not in line
            assert not any("session" in key for key in record), record


def test_each_function_and_task_of_an_order_logs_its_order_id(order, tesla, lines):
    """Following one order by its id: every function and task it went through wrote at least
    one line naming it (the runbook's query, jsonPayload.order_id="ord_…", finds them all)."""
    order_id, _ = _card_order(order, tesla)
    wait_for_status(order, "complete")
    routes = {
        record.get("route") for record in lines.records() if record.get("order_id") == order_id
    }
    expected = {
        "tesla_oauth_callback",
        "tesla_session_select",
        "payment_create_intent",
        "payment_verify",
        "reports_worker",
    }
    assert expected <= routes, expected - routes
    assert get_settings().environment == "local"
