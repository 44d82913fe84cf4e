"""Admin API under /admin: inspect and steer the simulator (JSON in, JSON out, no auth).

Tests use it to reset state, move the simulated clock, approve or cancel orders without a
browser, choose capture outcomes, inject faults, point webhooks at receivers, and read or replay
every event and delivery.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

from flask import Blueprint, Response, request

from .config import DELIVERY_MODES, IDEMPOTENCY_MISMATCH_MODES, RUNTIME_SETTINGS
from .errors import PayPalError
from .events import dispatch, new_delivery, send
from .lifecycle import (
    approve_order,
    describe_order,
    redirect_target,
    resolve_pending_capture,
    void_order,
)
from .notifications import check_webhook_url
from .pipeline import Pipeline
from .representations import capture_resource
from .responses import json_response
from .state import Delivery, SimulatorState, Webhook


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def _bad_request(message: str) -> Response:
    return json_response({"error": message}, 400)


def _not_found(what: str) -> Response:
    return json_response({"error": f"no such {what}"}, 404)


def create_admin_blueprint(state: SimulatorState, pipeline: Pipeline) -> Blueprint:
    blueprint = Blueprint("paypal_admin", __name__, url_prefix="/admin")

    @blueprint.post("/reset")
    def reset() -> Response:
        pipeline.worker.reset()  # queued background deliveries from before are dropped
        state.reset()
        return json_response({"reset": True, "now": state.clock.now()})

    # --- clock and settings ---------------------------------------------------------------------
    def clock_view() -> dict[str, Any]:
        return {
            "now": state.clock.now(),
            "offset_seconds": state.clock.offset_seconds,
            "frozen": state.clock.frozen,
        }

    @blueprint.get("/clock")
    def clock() -> Response:
        return json_response(clock_view())

    @blueprint.post("/clock")
    def clock_update() -> Response:
        body = _body()
        try:
            if "freeze" in body:
                state.clock.set_frozen(bool(body["freeze"]))
            if "advance_seconds" in body:
                state.clock.advance(float(body["advance_seconds"]))
        except (TypeError, ValueError) as error:
            return _bad_request(str(error))
        pipeline.housekeeping()  # expiries and due webhook retries happen "now"
        return json_response(clock_view())

    def settings_view() -> dict[str, Any]:
        return {name: getattr(state.settings, name) for name in RUNTIME_SETTINGS}

    @blueprint.get("/settings")
    def settings() -> Response:
        return json_response(settings_view())

    @blueprint.post("/settings")
    def settings_update() -> Response:
        body = _body()
        unknown = sorted(set(body) - set(RUNTIME_SETTINGS))
        if unknown:
            return _bad_request(f"unknown settings {unknown}; allowed: {list(RUNTIME_SETTINGS)}")
        if body.get("webhook_delivery", DELIVERY_MODES[0]) not in DELIVERY_MODES:
            return _bad_request(f"webhook_delivery must be one of {DELIVERY_MODES}")
        mismatch = body.get("idempotency_mismatch", IDEMPOTENCY_MISMATCH_MODES[0])
        if mismatch not in IDEMPOTENCY_MISMATCH_MODES:
            return _bad_request(f"idempotency_mismatch must be one of {IDEMPOTENCY_MISMATCH_MODES}")
        with state.lock:
            for name, value in body.items():
                setattr(state.settings, name, value)
            return json_response(settings_view())

    # --- orders and captures --------------------------------------------------------------------
    @blueprint.get("/orders")
    def orders() -> Response:
        with state.lock:
            return json_response(
                {"orders": [describe_order(state, order) for order in state.orders.values()]}
            )

    @blueprint.get("/orders/<order_id>")
    def order(order_id: str) -> Response:
        with state.lock:
            found = state.orders.get(order_id)
            if found is None:
                return _not_found("order")
            return json_response(describe_order(state, found))

    def order_transition(order_id: str, action: str) -> Response:
        deliveries: list[Delivery] = []
        with state.lock:
            found = state.orders.get(order_id)
            if found is None:
                return _not_found("order")
            try:
                if action == "approve":
                    payer = _body().get("payer")
                    deliveries = approve_order(
                        state, found, payer if isinstance(payer, dict) else None
                    )
                elif action == "void":
                    deliveries = void_order(state, found, "VOIDED_BY_ADMIN")
                # "cancel": the buyer leaves the checkout page; the order itself is unchanged.
            except ValueError as error:
                return json_response({"error": str(error), "status": found.status}, 409)
            body = describe_order(state, found)
            body["redirect_url"] = (
                None if action == "void" else redirect_target(found, approved=action == "approve")
            )
        pipeline.send(deliveries)
        return json_response(body)

    @blueprint.post("/orders/<order_id>/approve")
    def order_approve(order_id: str) -> Response:
        return order_transition(order_id, "approve")

    @blueprint.post("/orders/<order_id>/cancel")
    def order_cancel(order_id: str) -> Response:
        return order_transition(order_id, "cancel")

    @blueprint.post("/orders/<order_id>/void")
    def order_void(order_id: str) -> Response:
        return order_transition(order_id, "void")

    def capture_resolution(capture_id: str, complete: bool) -> Response:
        with state.lock:
            try:
                deliveries = resolve_pending_capture(state, capture_id, complete)
            except KeyError:
                return _not_found("capture")
            except ValueError as error:
                return json_response({"error": str(error)}, 409)
            body = capture_resource(state, state.captures[capture_id])
        pipeline.send(deliveries)
        return json_response(body)

    @blueprint.post("/captures/<capture_id>/complete")
    def capture_complete(capture_id: str) -> Response:
        return capture_resolution(capture_id, complete=True)

    @blueprint.post("/captures/<capture_id>/deny")
    def capture_deny(capture_id: str) -> Response:
        return capture_resolution(capture_id, complete=False)

    @blueprint.get("/capture-outcomes")
    def capture_outcomes() -> Response:
        return json_response({"capture_outcomes": state.capture_outcomes.describe()})

    @blueprint.post("/capture-outcomes")
    def capture_outcome_add() -> Response:
        try:
            rule = state.capture_outcomes.add(_body())
        except (TypeError, ValueError) as error:
            return _bad_request(str(error))
        return json_response(asdict(rule), 201)

    @blueprint.delete("/capture-outcomes")
    def capture_outcomes_clear() -> Response:
        state.capture_outcomes.clear()
        return json_response({"capture_outcomes": []})

    # --- faults and tokens ----------------------------------------------------------------------
    @blueprint.get("/faults")
    def faults() -> Response:
        return json_response({"faults": state.faults.describe()})

    @blueprint.post("/faults")
    def fault_add() -> Response:
        try:
            rule = state.faults.add(_body(), state.settings.max_injected_latency_seconds)
        except (TypeError, ValueError) as error:
            return _bad_request(str(error))
        return json_response(asdict(rule), 201)

    @blueprint.delete("/faults")
    def faults_clear() -> Response:
        state.faults.clear()
        return json_response({"faults": []})

    @blueprint.delete("/faults/<int:rule_id>")
    def fault_remove(rule_id: int) -> Response:
        if not state.faults.remove(rule_id):
            return _not_found("fault")
        return json_response({"removed": rule_id})

    @blueprint.post("/tokens/expire")
    def tokens_expire() -> Response:
        with state.lock:
            for token in state.tokens.values():
                token.revoked = True
            return json_response({"expired_access_tokens": len(state.tokens)})

    # --- webhooks, events, deliveries -----------------------------------------------------------
    def webhook_view(webhook: Webhook) -> dict[str, Any]:
        return asdict(webhook)

    @blueprint.get("/webhooks")
    def webhooks() -> Response:
        with state.lock:
            return json_response({"webhooks": [webhook_view(w) for w in state.webhooks.values()]})

    @blueprint.post("/webhooks")
    def webhook_add_url() -> Response:
        """Point a webhook (default WH-LOCAL) at one more URL."""
        body = _body()
        try:
            url = check_webhook_url(body.get("url"))
        except PayPalError:
            return _bad_request("url must be an http(s) URL")
        with state.lock:
            webhook = state.webhooks.get(body.get("webhook_id") or state.settings.webhook_id)
            if webhook is None:
                return _not_found("webhook")
            if url not in webhook.urls:
                webhook.urls.append(url)
            return json_response(webhook_view(webhook))

    @blueprint.delete("/webhooks/<webhook_id>/urls")
    def webhook_clear_urls(webhook_id: str) -> Response:
        with state.lock:
            webhook = state.webhooks.get(webhook_id)
            if webhook is None:
                return _not_found("webhook")
            webhook.urls.clear()
            return json_response(webhook_view(webhook))

    @blueprint.get("/events")
    def events() -> Response:
        event_type = request.args.get("event_type")
        order_id = request.args.get("order_id")
        with state.lock:
            found = [
                event.body
                for event in state.events.values()
                if (event_type is None or event.event_type == event_type)
                and (order_id is None or event.order_id == order_id)
            ]
        return json_response({"events": found})

    @blueprint.get("/deliveries")
    def deliveries() -> Response:
        filters = {
            key: request.args[key]
            for key in ("event_id", "event_type", "webhook_id", "state", "trigger", "url")
            if key in request.args
        }
        with state.lock:
            found = [
                delivery.describe()
                for delivery in state.deliveries
                if all(str(getattr(delivery, key)) == value for key, value in filters.items())
            ]
        return json_response({"deliveries": found})

    @blueprint.post("/events/<event_id>/deliver")
    def deliver(event_id: str) -> Response:
        """(Re)deliver a stored event to any URL.

        Body: ``url`` (default: every URL of the webhook), ``webhook_id`` (default WH-LOCAL,
        the id the transmission is signed for), ``transmission_id`` (replay that exact
        transmission: same headers, same signature, same bytes), ``mode`` (default inline, so
        the answer carries the receiver's status).
        """
        body = _body()
        mode = body.get("mode", "inline")
        if mode not in DELIVERY_MODES:
            return _bad_request(f"mode must be one of {DELIVERY_MODES}")
        url = body.get("url")
        if url is not None:
            try:
                url = check_webhook_url(url)
            except PayPalError:
                return _bad_request("url must be an http(s) URL")
        with state.lock:
            event = state.events.get(event_id)
            if event is None:
                return _not_found("event")
            replayed_id = body.get("transmission_id")
            if replayed_id is not None:
                original = state.transmissions.get(replayed_id)
                if original is None or original.event_id != event_id:
                    return _not_found("transmission of this event")
                copy = replace(
                    original,
                    seq=len(state.deliveries) + 1,
                    url=url or original.url,
                    trigger="replay",
                    status_code=None,
                    error=None,
                    state="pending",
                    sent_at=None,
                    duration_ms=None,
                    next_retry_at=None,
                    retried=False,
                )
                state.deliveries.append(copy)
                planned = [copy]
            else:
                webhook_id = body.get("webhook_id") or state.settings.webhook_id
                webhook = state.webhooks.get(webhook_id)
                urls = [url] if url else (webhook.urls if webhook else [])
                if not urls:
                    return _bad_request("no url given and the webhook has none")
                planned = [
                    new_delivery(state, event, webhook_id, target, "admin") for target in urls
                ]
        if mode == "inline":
            for delivery in planned:
                send(state, delivery)
        else:
            dispatch(state, pipeline.worker, planned, mode)
        with state.lock:
            return json_response({"deliveries": [delivery.describe() for delivery in planned]})

    @blueprint.post("/webhooks/retry")
    def webhooks_retry() -> Response:
        pipeline.housekeeping()
        return json_response(
            {
                "pending_retries": sum(
                    1 for d in state.deliveries if d.next_retry_at is not None and not d.retried
                )
            }
        )

    @blueprint.get("/signing")
    def signing() -> Response:
        return json_response(
            {
                "cert_id": state.signer.cert_id,
                "certificate_pem": state.signer.certificate_pem.decode("ascii"),
            }
        )

    return blueprint
