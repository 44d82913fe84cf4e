"""PayPal simulator fault injection over HTTP: 5xx bursts, lost responses, latency, admin state."""

from __future__ import annotations

import time

from tests.fixtures.paypal_sim import PayPalSimulator


def test_next_n_calls_fail_then_recover(paypal: PayPalSimulator) -> None:
    token = paypal.token()
    paypal.inject(kind="error", endpoint="create_order", status=503, count=2)
    statuses = [paypal.create_order(token=token).status_code for _ in range(3)]
    assert statuses == [503, 503, 201]
    assert paypal.admin("faults")["faults"] == [], "a count rule retires when used up"


def test_injected_error_has_paypal_shape(paypal: PayPalSimulator) -> None:
    paypal.inject(kind="error", endpoint="capture_order", status=500)
    response = paypal.capture(paypal.approved_order())
    assert response.status_code == 500
    body = response.json()
    assert body["name"] == "INTERNAL_SERVER_ERROR" and body["debug_id"]
    assert response.headers["Paypal-Debug-Id"] == body["debug_id"]


def test_lost_capture_response_is_recovered_by_request_id(paypal: PayPalSimulator) -> None:
    """The capture happens but the answer is a 503: retrying with the same id returns it."""
    order_id = paypal.approved_order()
    paypal.inject(kind="error", endpoint="capture_order", status=503, count=1, after=True)
    request_id = f"paypal-capture:{order_id}"

    lost = paypal.capture(order_id, request_id=request_id)
    retried = paypal.capture(order_id, request_id=request_id)

    assert (lost.status_code, retried.status_code) == (503, 200)
    assert retried.json()["status"] == "COMPLETED"
    assert len(paypal.events(event_type="PAYMENT.CAPTURE.COMPLETED")) == 1
    without_id = paypal.capture(order_id)
    assert without_id.json()["details"][0]["issue"] == "ORDER_ALREADY_CAPTURED"


def test_every_nth_and_token_faults(paypal: PayPalSimulator) -> None:
    token = paypal.token()
    order_id = paypal.create_order(token=token).json()["id"]
    rule = paypal.inject(kind="error", endpoint="get_order", status=429, every_nth=2)
    path = f"/v2/checkout/orders/{order_id}"
    statuses = [paypal.call("GET", path, token=token).status_code for _ in range(4)]
    assert statuses == [200, 429, 200, 429]
    paypal.admin(f"faults/{rule['id']}", method="DELETE")

    paypal.inject(kind="error", endpoint="token", status=503, count=1)
    response = paypal.http.post(
        f"{paypal.url}/v1/oauth2/token",
        auth=("cpt-local-paypal", "cpt-local-paypal-secret"),
        data={"grant_type": "client_credentials"},
        timeout=10,
    )
    assert response.status_code == 503 and response.headers["Retry-After"] == "1"


def test_latency(paypal: PayPalSimulator) -> None:
    token = paypal.token()
    paypal.inject(kind="latency", endpoint="create_order", seconds=0.2, count=1)
    started = time.monotonic()
    assert paypal.create_order(token=token).status_code == 201
    assert time.monotonic() - started >= 0.2


def test_bad_fault_rules_are_rejected(paypal: PayPalSimulator) -> None:
    for rule in ({"kind": "boom"}, {"endpoint": "nope"}, {"kind": "latency", "seconds": 0}):
        response = paypal.http.post(f"{paypal.url}/admin/faults", json=rule, timeout=10)
        assert response.status_code == 400, rule


def test_reset_clears_everything(paypal: PayPalSimulator) -> None:
    paypal.approved_order()
    paypal.inject(kind="error", status=500)
    paypal.advance(60)
    paypal.reset()
    assert paypal.admin("orders")["orders"] == []
    assert paypal.admin("faults")["faults"] == []
    assert paypal.admin("clock")["offset_seconds"] == 0
    assert paypal.http.get(f"{paypal.url}/health", timeout=10).json() == {"status": "ok"}


def test_cli_parses_options() -> None:
    import simulators.paypal.__main__ as cli

    captured = {}

    def fake_run_simple(host: str, port: int, app: object, **_: object) -> None:
        captured.update(host=host, port=port, state=app.extensions["paypal_state"])  # type: ignore[attr-defined]

    original = cli.run_simple
    cli.run_simple = fake_run_simple  # type: ignore[assignment]
    try:
        cli.main(
            [
                "--port",
                "9201",
                "--webhook-url",
                "http://127.0.0.1:1/a",
                "--webhook-url",
                "http://127.0.0.1:1/b",
            ]
        )
    finally:
        cli.run_simple = original
    assert captured["port"] == 9201
    assert captured["state"].webhooks["WH-LOCAL"].urls == [
        "http://127.0.0.1:1/a",
        "http://127.0.0.1:1/b",
    ]
