"""Admin API under /admin: inspect and steer the simulator (JSON in, JSON out, no auth).

Tests use it to reset state, move the simulated clock, approve or cancel orders without a
browser, choose capture outcomes, inject faults, point webhooks at receivers, and read or replay
every event and delivery.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

from flask import Blueprint, Response, request

from simulators.routing import Routes

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
from .state import Delivery, SimulatorState, WebhookEvent


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def _bad_request(message: str) -> Response:
    return json_response({"error": message}, 400)


def _not_found(what: str) -> Response:
    return json_response({"error": f"no such {what}"}, 404)


routes = Routes()


class AdminApi:
    """The /admin handlers over one simulator's state and pipeline."""

    def __init__(self, state: SimulatorState, pipeline: Pipeline) -> None:
        self.state = state
        self.pipeline = pipeline

    @routes.post("/reset")
    def reset(self) -> Response:
        self.pipeline.worker.reset()  # queued background deliveries from before are dropped
        self.state.reset()
        return json_response({"reset": True, "now": self.state.clock.now()})

    # --- clock and settings ---------------------------------------------------------------------
    def clock_view(self) -> dict[str, Any]:
        clock = self.state.clock
        return {"now": clock.now(), "offset_seconds": clock.offset_seconds, "frozen": clock.frozen}

    @routes.get("/clock")
    def clock(self) -> Response:
        return json_response(self.clock_view())

    @routes.post("/clock")
    def clock_update(self) -> Response:
        body = _body()
        try:
            if "freeze" in body:
                self.state.clock.set_frozen(bool(body["freeze"]))
            if "advance_seconds" in body:
                self.state.clock.advance(float(body["advance_seconds"]))
        except (TypeError, ValueError) as error:
            return _bad_request(str(error))
        self.pipeline.housekeeping()  # expiries and due webhook retries happen "now"
        return json_response(self.clock_view())

    def settings_view(self) -> dict[str, Any]:
        return {name: getattr(self.state.settings, name) for name in RUNTIME_SETTINGS}

    @routes.get("/settings")
    def settings(self) -> Response:
        return json_response(self.settings_view())

    @routes.post("/settings")
    def settings_update(self) -> Response:
        body = _body()
        unknown = sorted(set(body) - set(RUNTIME_SETTINGS))
        if unknown:
            return _bad_request(f"unknown settings {unknown}; allowed: {list(RUNTIME_SETTINGS)}")
        if body.get("webhook_delivery", DELIVERY_MODES[0]) not in DELIVERY_MODES:
            return _bad_request(f"webhook_delivery must be one of {DELIVERY_MODES}")
        mismatch = body.get("idempotency_mismatch", IDEMPOTENCY_MISMATCH_MODES[0])
        if mismatch not in IDEMPOTENCY_MISMATCH_MODES:
            return _bad_request(f"idempotency_mismatch must be one of {IDEMPOTENCY_MISMATCH_MODES}")
        with self.state.lock:
            for name, value in body.items():
                setattr(self.state.settings, name, value)
            return json_response(self.settings_view())

    # --- orders and captures --------------------------------------------------------------------
    @routes.get("/orders")
    def orders(self) -> Response:
        state = self.state
        with state.lock:
            return json_response(
                {"orders": [describe_order(state, order) for order in state.orders.values()]}
            )

    @routes.get("/orders/<order_id>")
    def order(self, order_id: str) -> Response:
        with self.state.lock:
            found = self.state.orders.get(order_id)
            if found is None:
                return _not_found("order")
            return json_response(describe_order(self.state, found))

    def order_transition(self, order_id: str, action: str) -> Response:
        state = self.state
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
        self.pipeline.send(deliveries)
        return json_response(body)

    @routes.post("/orders/<order_id>/approve")
    def order_approve(self, order_id: str) -> Response:
        return self.order_transition(order_id, "approve")

    @routes.post("/orders/<order_id>/cancel")
    def order_cancel(self, order_id: str) -> Response:
        return self.order_transition(order_id, "cancel")

    @routes.post("/orders/<order_id>/void")
    def order_void(self, order_id: str) -> Response:
        return self.order_transition(order_id, "void")

    def capture_resolution(self, capture_id: str, complete: bool) -> Response:
        state = self.state
        with state.lock:
            try:
                deliveries = resolve_pending_capture(state, capture_id, complete)
            except KeyError:
                return _not_found("capture")
            except ValueError as error:
                return json_response({"error": str(error)}, 409)
            body = capture_resource(state, state.captures[capture_id])
        self.pipeline.send(deliveries)
        return json_response(body)

    @routes.post("/captures/<capture_id>/complete")
    def capture_complete(self, capture_id: str) -> Response:
        return self.capture_resolution(capture_id, complete=True)

    @routes.post("/captures/<capture_id>/deny")
    def capture_deny(self, capture_id: str) -> Response:
        return self.capture_resolution(capture_id, complete=False)

    @routes.get("/capture-outcomes")
    def capture_outcomes(self) -> Response:
        return json_response({"capture_outcomes": self.state.capture_outcomes.describe()})

    @routes.post("/capture-outcomes")
    def capture_outcome_add(self) -> Response:
        try:
            rule = self.state.capture_outcomes.add(_body())
        except (TypeError, ValueError) as error:
            return _bad_request(str(error))
        return json_response(asdict(rule), 201)

    @routes.delete("/capture-outcomes")
    def capture_outcomes_clear(self) -> Response:
        self.state.capture_outcomes.clear()
        return json_response({"capture_outcomes": []})

    # --- faults and tokens ----------------------------------------------------------------------
    @routes.get("/faults")
    def faults(self) -> Response:
        return json_response({"faults": self.state.faults.describe()})

    @routes.post("/faults")
    def fault_add(self) -> Response:
        state = self.state
        try:
            rule = state.faults.add(_body(), state.settings.max_injected_latency_seconds)
        except (TypeError, ValueError) as error:
            return _bad_request(str(error))
        return json_response(asdict(rule), 201)

    @routes.delete("/faults")
    def faults_clear(self) -> Response:
        self.state.faults.clear()
        return json_response({"faults": []})

    @routes.delete("/faults/<int:rule_id>")
    def fault_remove(self, rule_id: int) -> Response:
        if not self.state.faults.remove(rule_id):
            return _not_found("fault")
        return json_response({"removed": rule_id})

    @routes.post("/tokens/expire")
    def tokens_expire(self) -> Response:
        with self.state.lock:
            for token in self.state.tokens.values():
                token.revoked = True
            return json_response({"expired_access_tokens": len(self.state.tokens)})

    # --- webhooks, events, deliveries -----------------------------------------------------------
    @routes.get("/webhooks")
    def webhooks(self) -> Response:
        with self.state.lock:
            return json_response({"webhooks": [asdict(w) for w in self.state.webhooks.values()]})

    @routes.post("/webhooks")
    def webhook_add_url(self) -> Response:
        """Point a webhook (default WH-LOCAL) at one more URL."""
        state = self.state
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
            return json_response(asdict(webhook))

    @routes.delete("/webhooks/<webhook_id>/urls")
    def webhook_clear_urls(self, webhook_id: str) -> Response:
        with self.state.lock:
            webhook = self.state.webhooks.get(webhook_id)
            if webhook is None:
                return _not_found("webhook")
            webhook.urls.clear()
            return json_response(asdict(webhook))

    @routes.get("/events")
    def events(self) -> Response:
        event_type = request.args.get("event_type")
        order_id = request.args.get("order_id")
        with self.state.lock:
            found = [
                event.body
                for event in self.state.events.values()
                if (event_type is None or event.event_type == event_type)
                and (order_id is None or event.order_id == order_id)
            ]
        return json_response({"events": found})

    @routes.get("/deliveries")
    def deliveries(self) -> Response:
        filters = {
            key: request.args[key]
            for key in ("event_id", "event_type", "webhook_id", "state", "trigger", "url")
            if key in request.args
        }
        with self.state.lock:
            found = [
                delivery.describe()
                for delivery in self.state.deliveries
                if all(str(getattr(delivery, key)) == value for key, value in filters.items())
            ]
        return json_response({"deliveries": found})

    @routes.post("/events/<event_id>/deliver")
    def deliver(self, event_id: str) -> Response:
        """(Re)deliver a stored event to any URL.

        Body: ``url`` (default: every URL of the webhook), ``webhook_id`` (default WH-LOCAL,
        the id the transmission is signed for), ``transmission_id`` (replay that exact
        transmission: same headers, same signature, same bytes), ``mode`` (default inline, so
        the answer carries the receiver's status).
        """
        state = self.state
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
            planned = self._plan_deliveries(event, body, url)
            if isinstance(planned, Response):
                return planned
        if mode == "inline":
            for delivery in planned:
                send(state, delivery)
        else:
            dispatch(state, self.pipeline.worker, planned, mode)
        with state.lock:
            return json_response({"deliveries": [delivery.describe() for delivery in planned]})

    def _plan_deliveries(
        self, event: WebhookEvent, body: dict[str, Any], url: str | None
    ) -> list[Delivery] | Response:
        """A replay of ``transmission_id``, or new deliveries to ``url`` or the webhook's URLs."""
        state = self.state
        replayed_id = body.get("transmission_id")
        if replayed_id is not None:
            original = state.transmissions.get(replayed_id)
            if original is None or original.event_id != event.id:
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
            return [copy]
        webhook_id = body.get("webhook_id") or state.settings.webhook_id
        webhook = state.webhooks.get(webhook_id)
        urls = [url] if url else (webhook.urls if webhook else [])
        if not urls:
            return _bad_request("no url given and the webhook has none")
        return [new_delivery(state, event, webhook_id, target, "admin") for target in urls]

    @routes.post("/webhooks/retry")
    def webhooks_retry(self) -> Response:
        self.pipeline.housekeeping()
        pending = sum(
            1 for d in self.state.deliveries if d.next_retry_at is not None and not d.retried
        )
        return json_response({"pending_retries": pending})

    @routes.get("/signing")
    def signing(self) -> Response:
        signer = self.state.signer
        return json_response(
            {"cert_id": signer.cert_id, "certificate_pem": signer.certificate_pem.decode("ascii")}
        )


def create_admin_blueprint(state: SimulatorState, pipeline: Pipeline) -> Blueprint:
    blueprint = Blueprint("paypal_admin", __name__, url_prefix="/admin")
    return routes.register(blueprint, AdminApi(state, pipeline))
