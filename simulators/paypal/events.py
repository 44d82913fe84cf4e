"""Webhook events: build them in PayPal's shape, sign each transmission, deliver and retry.

Every event goes to each registered webhook that subscribes to its type, once per URL. Each
transmission gets its own ``PAYPAL-TRANSMISSION-ID``/``-TIME`` and an RSA signature over
``id|time|webhook_id|crc32(body)``; the exact bytes sent are kept so the verify API can tell
genuine transmissions from forged or altered ones.

Delivery modes (``webhook_delivery``): ``background`` (one worker thread, in publish order, like
PayPal's asynchronous sender), ``after_response`` (right after the triggering response is sent)
and ``inline`` (before the triggering response: fully deterministic). A delivery that does not
get a 2xx is retried on a schedule of simulated time, up to ``webhook_max_retries`` times.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from typing import Any

import requests
from flask import after_this_request, has_request_context

from .clock import paypal_event_time, paypal_time
from .ids import event_id as new_event_id
from .ids import transmission_id as new_transmission_id
from .responses import link, root_url
from .signing import AUTH_ALGO
from .state import Delivery, SimulatorState, WebhookEvent

RESOURCE_VERSION = "2.0"
EVENT_VERSION = "1.0"


def retry_delay_seconds(attempt: int) -> float:
    """Backoff after failed attempt N: 1, 2, 4 ... 128 minutes, then every 4 h (~3 days total)."""
    return float(min(60 * 2 ** (attempt - 1), 4 * 3600))


def serialize_event(body: dict[str, Any]) -> bytes:
    """Compact JSON, the way PayPal posts it; these bytes are what gets signed."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def create_event(
    state: SimulatorState,
    event_type: str,
    resource_type: str,
    resource: dict[str, Any],
    summary: str,
    order_id: str | None,
) -> WebhookEvent:
    """Store a new event (caller holds the lock); delivery is a separate step."""
    identifier = new_event_id()
    now = state.clock.now()
    event_url = f"{root_url(state)}/v1/notifications/webhooks-events/{identifier}"
    body: dict[str, Any] = {
        "id": identifier,
        "event_version": EVENT_VERSION,
        "create_time": paypal_event_time(now),
        "resource_type": resource_type,
        "resource_version": RESOURCE_VERSION,
        "event_type": event_type,
        "summary": summary,
        "resource": resource,
        "links": [link(event_url, "self"), link(f"{event_url}/resend", "resend", "POST")],
    }
    event = WebhookEvent(identifier, event_type, now, body, order_id)
    state.events[identifier] = event
    return event


def new_delivery(
    state: SimulatorState,
    event: WebhookEvent,
    webhook_id: str,
    url: str,
    trigger: str,
    attempt: int = 1,
) -> Delivery:
    """A fresh, signed transmission of an event (caller holds the lock)."""
    raw_body = serialize_event(event.body)
    transmission_id = new_transmission_id()
    transmission_time = paypal_time(state.clock.now())
    delivery = Delivery(
        seq=len(state.deliveries) + 1,
        event_id=event.id,
        event_type=event.event_type,
        webhook_id=webhook_id,
        url=url,
        transmission_id=transmission_id,
        transmission_time=transmission_time,
        signature=state.signer.sign(transmission_id, transmission_time, webhook_id, raw_body),
        cert_url=f"{root_url(state)}/v1/notifications/certs/{state.signer.cert_id}",
        auth_algo=AUTH_ALGO,
        raw_body=raw_body,
        trigger=trigger,
        attempt=attempt,
    )
    state.deliveries.append(delivery)
    state.transmissions[transmission_id] = delivery
    return delivery


def publish(
    state: SimulatorState,
    event_type: str,
    resource_type: str,
    resource: dict[str, Any],
    summary: str,
    order_id: str | None,
) -> tuple[WebhookEvent, list[Delivery]]:
    """Create an event and one transmission per subscribed webhook URL (caller holds the lock)."""
    event = create_event(state, event_type, resource_type, resource, summary, order_id)
    deliveries = [
        new_delivery(state, event, webhook.id, url, "automatic")
        for webhook in state.webhooks.values()
        if webhook.subscribes_to(event_type)
        for url in webhook.urls
    ]
    return event, deliveries


def send(state: SimulatorState, delivery: Delivery) -> Delivery:
    """POST one transmission (never under the state lock) and record the outcome."""
    started = time.monotonic()
    status_code: int | None = None
    error: str | None = None
    try:
        with requests.Session() as session:
            session.trust_env = False  # loopback receivers must not go through a proxy
            response = session.post(
                delivery.url,
                data=delivery.raw_body,
                headers=delivery.headers(),
                timeout=state.settings.webhook_timeout_seconds,
                allow_redirects=False,
            )
            status_code = response.status_code
    except requests.RequestException as failure:
        error = f"{type(failure).__name__}: {failure}"
    with state.lock:
        delivery.sent_at = state.clock.now()
        delivery.duration_ms = round((time.monotonic() - started) * 1000, 1)
        delivery.status_code = status_code
        delivery.error = error
        succeeded = status_code is not None and 200 <= status_code < 300
        delivery.state = "delivered" if succeeded else "failed"
        # Only PayPal's own deliveries are retried; replays sent by an admin are one-shot.
        if (
            not succeeded
            and delivery.trigger in ("automatic", "retry")
            and delivery.attempt <= state.settings.webhook_max_retries
        ):
            delivery.next_retry_at = delivery.sent_at + retry_delay_seconds(delivery.attempt)
    return delivery


class DeliveryWorker:
    """One background thread sending transmissions in the order they were published."""

    def __init__(self, state: SimulatorState) -> None:
        self._state = state
        self._queue: queue.Queue[tuple[int, Delivery]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.generation = 0  # bumped on reset so queued work from before is dropped

    def submit(self, deliveries: list[Delivery]) -> None:
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="paypal-sim-webhooks", daemon=True
                )
                self._thread.start()
        for delivery in deliveries:
            self._queue.put((self.generation, delivery))

    def _run(self) -> None:
        while True:
            generation, delivery = self._queue.get()
            try:
                if generation == self.generation:
                    send(self._state, delivery)
            finally:
                self._queue.task_done()

    def reset(self) -> None:
        self.generation += 1


def dispatch(
    state: SimulatorState,
    worker: DeliveryWorker,
    deliveries: list[Delivery],
    mode: str | None = None,
) -> None:
    """Send transmissions the configured way (call without holding the lock)."""
    if not deliveries:
        return
    chosen = mode or state.settings.webhook_delivery
    if chosen == "inline":
        for delivery in deliveries:
            send(state, delivery)
    elif chosen == "after_response" and has_request_context():

        @after_this_request
        def _send_after(response: Any) -> Any:
            # Runs when the WSGI server closes the response, i.e. after the body went out.
            response.call_on_close(lambda: [send(state, d) for d in deliveries])
            return response

    else:
        worker.submit(deliveries)


def due_retries(state: SimulatorState) -> list[Delivery]:
    """New transmissions for failed deliveries whose retry time has come (caller holds lock)."""
    now = state.clock.now()
    retries: list[Delivery] = []
    for delivery in list(state.deliveries):
        if delivery.next_retry_at is None or delivery.retried or delivery.next_retry_at > now:
            continue
        event = state.events.get(delivery.event_id)
        webhook = state.webhooks.get(delivery.webhook_id)
        delivery.retried = True
        if event is None or webhook is None or delivery.url not in webhook.urls:
            continue  # the webhook was deleted or moved: PayPal stops retrying
        retries.append(
            new_delivery(
                state, event, delivery.webhook_id, delivery.url, "retry", delivery.attempt + 1
            )
        )
    return retries
