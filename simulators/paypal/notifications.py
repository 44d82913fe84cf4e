"""Notifications v1: webhooks (register, list, show, delete), webhook events (list, show,
resend), the signature-verification postback and the signing certificate.

``verify-webhook-signature`` answers SUCCESS only for a transmission the simulator really sent:
the transmission id must exist, belong to that webhook id, carry that time, cert URL and
algorithm, its RSA signature must check out, and ``webhook_event`` must equal the body sent.
Anything forged or altered answers FAILURE (with 200, as PayPal does).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, request

from simulators.routing import Routes

from .errors import ErrorDetail, PayPalError
from .events import dispatch, new_delivery
from .ids import webhook_id as new_webhook_id
from .pipeline import Pipeline
from .responses import json_response, link, request_json, root_url
from .state import Delivery, SimulatorState, Webhook

EVENT_TYPES: dict[str, str] = {
    "CHECKOUT.ORDER.APPROVED": "An order has been approved by buyer.",
    "CHECKOUT.ORDER.COMPLETED": "Checkout Order Completed",
    "CHECKOUT.PAYMENT-APPROVAL.REVERSED": "A problem occurred after the buyer approved the order",
    "PAYMENT.CAPTURE.COMPLETED": "A payment capture completes.",
    "PAYMENT.CAPTURE.PENDING": "The state of a payment capture changes to pending.",
    "PAYMENT.CAPTURE.DENIED": "A payment capture is denied.",
    "PAYMENT.CAPTURE.DECLINED": "A payment capture is declined.",
    "PAYMENT.CAPTURE.REFUNDED": "A merchant refunds a payment capture.",
    "PAYMENT.CAPTURE.REVERSED": "PayPal reverses a payment capture.",
}
VERIFY_FIELDS: tuple[str, ...] = (
    "auth_algo",
    "cert_url",
    "transmission_id",
    "transmission_sig",
    "transmission_time",
    "webhook_id",
    "webhook_event",
)


def validation_error(field: str, issue: str) -> PayPalError:
    return PayPalError("VALIDATION_ERROR", [ErrorDetail(issue, field)])


def webhook_json(state: SimulatorState, webhook: Webhook) -> dict[str, Any]:
    self_url = f"{root_url(state)}/v1/notifications/webhooks/{webhook.id}"
    if "*" in webhook.event_types:
        types = [{"name": "*", "description": "ALL"}]
    else:
        types = [{"name": name, "description": EVENT_TYPES[name]} for name in webhook.event_types]
    return {
        "id": webhook.id,
        "url": webhook.urls[0] if webhook.urls else "",
        "event_types": types,
        "links": [
            link(self_url, "self"),
            link(self_url, "update", "PATCH"),
            link(self_url, "delete", "DELETE"),
        ],
    }


def check_webhook_url(url: Any) -> str:
    parts = urlsplit(url) if isinstance(url, str) else None
    # PayPal demands HTTPS on 443; the simulator also takes http:// for local receivers.
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise validation_error("url", "Invalid URL")
    return str(url)


def check_event_types(raw: Any) -> list[str]:
    if not isinstance(raw, list) or not raw:
        raise validation_error("event_types", "Required field is missing")
    names: list[str] = []
    for entry in raw:
        name = entry.get("name") if isinstance(entry, dict) else None
        if name != "*" and name not in EVENT_TYPES:
            raise validation_error("event_types", f"Invalid event type {name!r}")
        names.append(str(name))
    return names


def register_webhook(state: SimulatorState, url: str, event_types: list[str]) -> Webhook:
    """A new webhook, PayPal style: one URL each, unique URLs, at most max_webhooks."""
    if any(url in webhook.urls for webhook in state.webhooks.values()):
        raise PayPalError("WEBHOOK_URL_ALREADY_EXISTS")
    if len(state.webhooks) >= state.settings.max_webhooks:
        raise PayPalError("WEBHOOK_NUMBER_LIMIT_EXCEEDED")
    webhook = Webhook(id=new_webhook_id(), urls=[url], event_types=event_types)
    state.webhooks[webhook.id] = webhook
    return webhook


def verify_transmission(state: SimulatorState, claim: dict[str, Any]) -> bool:
    delivery = state.transmissions.get(str(claim["transmission_id"]))
    if delivery is None or claim["webhook_id"] not in state.webhooks:
        return False
    if (
        delivery.webhook_id != claim["webhook_id"]
        or delivery.transmission_time != claim["transmission_time"]
        or delivery.cert_url != claim["cert_url"]
        or delivery.auth_algo != claim["auth_algo"]
    ):
        return False
    if not state.signer.verify(
        str(claim["transmission_sig"]),
        delivery.transmission_id,
        delivery.transmission_time,
        delivery.webhook_id,
        delivery.raw_body,
    ):
        return False
    return bool(json.loads(delivery.raw_body) == claim["webhook_event"])


routes = Routes()


class NotificationsApi:
    """Notifications v1 of one simulator: every call goes through the pipeline as a v1 call."""

    def __init__(self, state: SimulatorState, pipeline: Pipeline) -> None:
        self.state = state
        self.pipeline = pipeline

    def v1(self, endpoint: str, handler: Any) -> Response:
        return self.pipeline.run(endpoint, handler, v1=True)

    # --- webhooks -------------------------------------------------------------------------------
    def create_webhook(self) -> Response:
        body = request_json()
        url = check_webhook_url(body.get("url"))
        event_types = check_event_types(body.get("event_types"))
        with self.state.lock:
            webhook = register_webhook(self.state, url, event_types)
            return json_response(webhook_json(self.state, webhook), 201)

    def list_webhooks(self) -> Response:
        state = self.state
        with state.lock:
            return json_response(
                {"webhooks": [webhook_json(state, w) for w in state.webhooks.values()]}
            )

    def find_webhook(self, webhook_id: str) -> Webhook:
        webhook = self.state.webhooks.get(webhook_id)
        if webhook is None:
            raise PayPalError("INVALID_RESOURCE_ID", message="Webhook id is invalid.")
        return webhook

    def show_webhook(self, webhook_id: str) -> Response:
        with self.state.lock:
            return json_response(webhook_json(self.state, self.find_webhook(webhook_id)))

    def delete_webhook(self, webhook_id: str) -> Response:
        with self.state.lock:
            self.find_webhook(webhook_id)
            del self.state.webhooks[webhook_id]
        return Response(status=204)

    @routes.post("/webhooks")
    def create_webhook_route(self) -> Response:
        return self.v1("webhooks", self.create_webhook)

    @routes.get("/webhooks")
    def list_webhooks_route(self) -> Response:
        return self.v1("webhooks", self.list_webhooks)

    @routes.get("/webhooks/<webhook_id>")
    def show_webhook_route(self, webhook_id: str) -> Response:
        return self.v1("webhooks", lambda: self.show_webhook(webhook_id))

    @routes.delete("/webhooks/<webhook_id>")
    def delete_webhook_route(self, webhook_id: str) -> Response:
        return self.v1("webhooks", lambda: self.delete_webhook(webhook_id))

    @routes.get("/webhooks-event-types")
    def event_types_route(self) -> Response:
        types = [{"name": name, "description": text} for name, text in EVENT_TYPES.items()]
        return self.v1("webhooks", lambda: json_response({"event_types": types}))

    # --- events ---------------------------------------------------------------------------------
    def list_events(self) -> Response:
        event_type = request.args.get("event_type")
        page_size = min(int(request.args.get("page_size", "10") or 10), 300)
        with self.state.lock:
            events = [
                event.body
                for event in reversed(self.state.events.values())
                if event_type is None or event.event_type == event_type
            ][:page_size]
        return json_response({"events": events, "count": len(events), "links": []})

    def find_event_body(self, event_id: str) -> dict[str, Any]:
        event = self.state.events.get(event_id)
        if event is None:
            raise PayPalError("INVALID_RESOURCE_ID", message="Resource id is invalid.")
        return event.body

    def show_event(self, event_id: str) -> Response:
        with self.state.lock:
            return json_response(self.find_event_body(event_id))

    def resend_event(self, event_id: str) -> Response:
        state = self.state
        body = request.get_json(silent=True) or {}
        wanted = body.get("webhook_ids") if isinstance(body, dict) else None
        with state.lock:
            event_body = self.find_event_body(event_id)
            event = state.events[event_id]
            targets = [
                webhook
                for webhook in state.webhooks.values()
                if (wanted and webhook.id in wanted)
                or (not wanted and webhook.subscribes_to(event.event_type))
            ]
            deliveries: list[Delivery] = [
                new_delivery(state, event, webhook.id, url, "resend")
                for webhook in targets
                for url in webhook.urls
            ]
        dispatch(state, self.pipeline.worker, deliveries)
        return json_response(event_body, 202)

    @routes.get("/webhooks-events")
    def list_events_route(self) -> Response:
        return self.v1("webhook_events", self.list_events)

    @routes.get("/webhooks-events/<event_id>")
    def show_event_route(self, event_id: str) -> Response:
        return self.v1("webhook_events", lambda: self.show_event(event_id))

    @routes.post("/webhooks-events/<event_id>/resend")
    def resend_event_route(self, event_id: str) -> Response:
        return self.v1("webhook_events", lambda: self.resend_event(event_id))

    # --- verification ---------------------------------------------------------------------------
    def verify(self) -> Response:
        claim = request_json()
        for name in VERIFY_FIELDS:
            if claim.get(name) in (None, ""):
                raise validation_error(name, "Required field is missing")
        if not isinstance(claim["webhook_event"], dict):
            raise validation_error("webhook_event", "Invalid data provided")
        with self.state.lock:
            genuine = verify_transmission(self.state, claim)
        return json_response({"verification_status": "SUCCESS" if genuine else "FAILURE"})

    @routes.post("/verify-webhook-signature")
    def verify_route(self) -> Response:
        return self.v1("verify_webhook_signature", self.verify)

    @routes.get("/certs/<cert_id>")
    def certificate(self, cert_id: str) -> Response:
        signer = self.state.signer
        if cert_id != signer.cert_id:
            return json_response({"name": "RESOURCE_NOT_FOUND"}, 404)
        return Response(signer.certificate_pem, mimetype="application/x-pem-file")


def create_notifications_blueprint(state: SimulatorState, pipeline: Pipeline) -> Blueprint:
    blueprint = Blueprint("paypal_notifications", __name__, url_prefix="/v1/notifications")
    return routes.register(blueprint, NotificationsApi(state, pipeline))
