"""The buyer's side: ``GET /checkoutnow?token={order_id}``, PayPal's hosted approval page.

The page shows the order and two buttons. Approve marks the order APPROVED (and sends
CHECKOUT.ORDER.APPROVED), then redirects to ``return_url?token={id}&PayerID={payer_id}``;
Cancel leaves the order as it is, as PayPal does, and redirects to ``cancel_url?token={id}``.
A checkbox lets a person make the next capture of this order fail with INSTRUMENT_DECLINED.
"""

from __future__ import annotations

import html

from flask import Blueprint, Response, redirect, request

from simulators.routing import Routes

from .errors import PayPalError
from .lifecycle import approve_order, find_order, redirect_target
from .pipeline import Pipeline
from .state import PRE_APPROVAL_STATUSES, Order, SimulatorState


def _page(title: str, content: str, status: int = 200) -> Response:
    body = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{html.escape(title)} - PayPal simulator</title></head>
<body style="font-family: sans-serif; max-width: 36em; margin: 2em auto">
<h1>PayPal (simulator)</h1>
{content}
</body></html>"""
    return Response(body, status=status, mimetype="text/html")


def _approval_page(state: SimulatorState, order: Order) -> Response:
    rows = "".join(
        f"<tr><td>{html.escape(str(unit.get('description') or unit['reference_id']))}</td>"
        f"<td>{html.escape(unit['amount']['value'])} "
        f"{html.escape(unit['amount']['currency_code'])}</td></tr>"
        for unit in order.purchase_units
    )
    settings = state.settings
    token = html.escape(order.id)
    content = f"""<p>Pay <b>{html.escape(settings.merchant_email)}</b> as
<b>{html.escape(settings.buyer_email)}</b>.</p>
<table border="1" cellpadding="4">{rows}</table>
<form method="post" action="/checkoutnow?token={token}">
<p><label><input type="checkbox" name="decline_capture" value="1"> make the capture fail
(INSTRUMENT_DECLINED)</label></p>
<button type="submit" name="decision" value="approve">Pay now</button>
<button type="submit" name="decision" value="cancel">Cancel and return to merchant</button>
</form>"""
    return _page("Approve payment", content)


def _finish(order: Order, approved: bool) -> Response:
    target = redirect_target(order, approved)
    if target is not None:
        return redirect(target, 302)
    message = "Payment approved" if approved else "Payment cancelled"
    return _page(message, f"<p>{message}. You can close this window.</p>")


routes = Routes()


class CheckoutPage:
    """The buyer's approval page of one simulator."""

    def __init__(self, state: SimulatorState, pipeline: Pipeline) -> None:
        self.state = state
        self.pipeline = pipeline

    def _awaiting_approval(self) -> Order | Response:
        """The order of ``?token=``, or the page saying why it cannot be approved."""
        token = request.args.get("token", "")
        try:
            order = find_order(self.state, token)
        except PayPalError:
            return _page("Unknown order", "<p>This checkout link is not valid.</p>", 404)
        if order.status not in PRE_APPROVAL_STATUSES:
            status = html.escape(order.status)
            return _page("Order", f"<p>This order is {status} and needs no approval.</p>", 409)
        return order

    def show(self) -> Response:
        with self.state.lock:
            order = self._awaiting_approval()
            if isinstance(order, Response):
                return order
            return _approval_page(self.state, order)

    def submit(self) -> Response:
        state = self.state
        decision = request.form.get("decision")
        deliveries = []
        with state.lock:
            order = self._awaiting_approval()
            if isinstance(order, Response):
                return order
            if decision == "approve":
                if request.form.get("decline_capture"):
                    state.capture_outcomes.add(
                        {"outcome": "instrument_declined", "order_id": order.id}
                    )
                deliveries = approve_order(state, order)
            elif decision != "cancel":
                return _page("Bad request", "<p>decision must be approve or cancel</p>", 400)
            response = _finish(order, approved=decision == "approve")
        self.pipeline.send(deliveries)
        return response

    @routes.get("/checkoutnow")
    def checkout_page(self) -> Response:
        return self.pipeline.run("checkout", self.show, authenticated=False)

    @routes.post("/checkoutnow")
    def checkout_submit(self) -> Response:
        return self.pipeline.run("checkout", self.submit, authenticated=False)


def create_checkout_blueprint(state: SimulatorState, pipeline: Pipeline) -> Blueprint:
    return routes.register(Blueprint("paypal_checkout", __name__), CheckoutPage(state, pipeline))
