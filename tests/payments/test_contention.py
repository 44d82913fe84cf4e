"""Bursts of concurrent writes to one order: never a 500, and the order stays consistent.

Real concurrency: threads call the functions over HTTP (the live gateway, threaded, on the
Firestore emulator and localstripe) at the same moment (a barrier). A request that loses the race
for good answers a clean 409 or 503 in the JSON error shape — with Retry-After when trying again
will do.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from shared.orders.records import PaymentState
from tests.payments.conftest import STRIPE_KEY, OrderDriver

Call = Callable[[], requests.Response]


def burst(calls: list[Call]) -> list[requests.Response]:
    """Every call at once (released together), each on its own thread."""
    start = threading.Barrier(len(calls))

    def run(call: Call) -> requests.Response:
        start.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def assert_clean(responses: list[requests.Response], *, retry_after: bool) -> None:
    """No 5xx but a clean 503; every refusal in the error shape (with Retry-After if asked)."""
    for response in responses:
        assert response.status_code < 500 or response.status_code == 503, response.text
        if response.ok:
            continue
        assert response.status_code in (409, 503), response.text
        error = response.json()["error"]
        assert error["code"] and error["message"], error
        if retry_after:
            assert int(response.headers["Retry-After"]) >= 1, response.headers


def intents_of(stripe_api: str, order_id: str) -> list[dict[str, Any]]:
    listing = requests.get(
        f"{stripe_api}/v1/payment_intents", params={"limit": 100}, auth=STRIPE_KEY, timeout=10
    )
    assert listing.status_code == 200, listing.text
    return [pi for pi in listing.json()["data"] if pi["metadata"].get("order_id") == order_id]


def api(live_gateway: str, path: str, body: dict[str, Any]) -> Call:
    return lambda: requests.post(f"{live_gateway}/api/v1{path}", json=body, timeout=60)


@pytest.mark.parametrize("concurrency", [8, 20])
def test_concurrent_create_intent_calls_make_one_payment_intent(
    order: OrderDriver, live_gateway: str, stripe_api: str, concurrency: int
):
    order.ready("family", "pro")
    create = api(live_gateway, "/payment/create-intent",
                 {"session_id": order.session_id, "method": "stripe"})  # fmt: skip

    responses = burst([create] * concurrency)

    assert_clean(responses, retry_after=True)
    ok = [r.json() for r in responses if r.ok]
    assert ok, [r.text for r in responses]
    intent_ids = {body["stripe"]["payment_intent_id"] for body in ok}
    assert len(intent_ids) == 1, intent_ids
    for body in ok:
        order.browser.ledger.add(body["stripe"]["client_secret"])
    session = order.session()
    assert session.status == "vehicles_selected"
    assert session.payment is not None and session.payment.state == PaymentState.PENDING
    assert {session.payment.intent_id} == intent_ids
    assert [pi["id"] for pi in intents_of(stripe_api, session.order_id)] == list(intent_ids)
    # The burst over, the next click gets the same intent at once.
    again = create()
    assert again.status_code == 200
    assert again.json()["stripe"]["payment_intent_id"] in intent_ids


def test_concurrent_select_quote_and_create_intent_leave_a_consistent_order(
    order: OrderDriver, live_gateway: str, stripe_api: str
):
    order.ready("family", "pro")
    both = [car["id"] for car in order.cars()]
    sid = order.session_id
    selections = [api(live_gateway, f"/tesla/session/{sid}/select",
                      {"vehicle_ids": ids, "package": "pro"})
                  for ids in (both[:1], both, both[:1], both)]  # fmt: skip
    quotes = [api(live_gateway, "/pricing/quote", {"session_id": sid})] * 4
    pay = {"session_id": sid, "method": "stripe"}
    creates = [api(live_gateway, "/payment/create-intent", pay)] * 8

    responses = burst([*selections, *quotes, *creates])

    # A refusal here may be "the order changed: ask for a new quote" (no Retry-After: the WUI
    # must quote again), so Retry-After is only required of Busy answers.
    assert_clean(responses, retry_after=False)
    for response in responses:
        if not response.ok and "retry_after_s" in response.json()["error"]:
            assert int(response.headers["Retry-After"]) >= 1
    for body in (r.json() for r in responses if r.ok and "stripe" in r.json()):
        order.browser.ledger.add((body.get("stripe") or {}).get("client_secret"))

    # Afterwards: at most one live intent, and it is the one the session holds.
    session = order.session()
    live = [pi for pi in intents_of(stripe_api, session.order_id) if pi["status"] != "canceled"]
    pending = session.payment
    if pending is not None and pending.state == PaymentState.PENDING:
        assert [pi["id"] for pi in live] == [pending.intent_id]
    else:
        assert live == []
    # And the order still goes on: quote, pay, paid.
    order.quote()
    paid = order.create_intent()
    assert paid.status_code == 200, paid.json
    intent = paid.json["stripe"]
    order.browser.ledger.add(intent["client_secret"])
    assert order.pay_with_card(intent["payment_intent_id"])["status"] == "succeeded"
    order.wait_for(lambda s: s.status in ("paid", "generating", "complete"))
    live = [pi for pi in intents_of(stripe_api, session.order_id) if pi["status"] != "canceled"]
    assert [pi["id"] for pi in live] == [intent["payment_intent_id"]]
