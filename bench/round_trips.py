"""Firestore round trips per endpoint: how many RPCs one request of each costs, counted.

What runs: the real emulators (``dev.localcloud.LocalCloud``: Firestore, Cloud Storage, Cloud
Tasks, localstripe) and the Tesla and PayPal simulators in this process; every request goes
through ``dev.gateway.Gateway`` (the functions as functions-framework loads them), as the WUI
makes it. The Firestore client the functions share (``shared.platform.clients``) gets its GAPIC
methods wrapped by ``RpcCounter``: a pass-through that counts each call — one call is one RPC
(a streamed ``batch_get_documents`` or ``run_query`` counts once). Cloud Tasks deliver to a port
nobody serves: the worker's own round trips are not part of any endpoint here.

The table: endpoint → reads (gets, queries), writes (commits), other RPCs (begin/rollback of
transactions), total. Each row is one request, in the order a customer makes them.

    .venv/bin/python -m bench.round_trips
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from simulators.admin_client import AdminClient

PROJECT = "cpt-bench-rt"
BUCKET = "cpt-bench-rt-reports"
STRIPE_KEY = ("sk_test_local", "")

# GAPIC methods of firestore_v1's FirestoreClient, by kind of round trip.
READS = frozenset(
    {
        "get_document",
        "batch_get_documents",
        "list_documents",
        "run_query",
        "run_aggregation_query",
        "partition_query",
        "list_collection_ids",
    }
)
WRITES = frozenset(
    {"commit", "batch_write", "create_document", "update_document", "delete_document"}
)
OTHER = frozenset({"begin_transaction", "rollback", "listen", "write"})


@dataclass(frozen=True)
class Tally:
    reads: int
    writes: int
    other: int
    methods: dict[str, int]

    @property
    def total(self) -> int:
        return self.reads + self.writes + self.other


class RpcCounter:
    """Counts the Firestore RPCs a client makes: wraps its GAPIC methods, changes nothing.

    Only calls made by the thread that opened ``measuring`` count: a webhook or task delivered
    to a server thread of the same process meanwhile is not part of the request measured.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: Counter[str] = Counter()
        self._thread: int | None = None
        self._originals: list[tuple[Any, str, Any]] = []

    def install(self, client: Any) -> None:
        api = client._firestore_api  # the GAPIC client, created once per Firestore client
        for name in sorted(READS | WRITES | OTHER):
            original = getattr(api, name, None)
            if original is None:
                continue
            self._originals.append((api, name, original))
            setattr(api, name, self._counting(name, original))

    def uninstall(self) -> None:
        for api, name, original in reversed(self._originals):
            setattr(api, name, original)
        self._originals.clear()

    def _counting(self, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any, **kwargs: Any) -> Any:
            if threading.get_ident() == self._thread:
                with self._lock:
                    self._calls[name] += 1
            return original(*args, **kwargs)

        return counted

    def tally(self) -> Tally:
        with self._lock:
            calls = dict(self._calls)
        return Tally(
            reads=sum(n for name, n in calls.items() if name in READS),
            writes=sum(n for name, n in calls.items() if name in WRITES),
            other=sum(n for name, n in calls.items() if name in OTHER),
            methods=calls,
        )

    @contextlib.contextmanager
    def measuring(self) -> Iterator[Callable[[], Tally]]:
        """``with counter.measuring() as tally: ...; tally()`` — the RPCs made inside."""
        with self._lock:
            self._calls.clear()
            self._thread = threading.get_ident()
        try:
            yield self.tally
        finally:
            self._thread = None


@contextlib.contextmanager
def counting_rpcs() -> Iterator[RpcCounter]:
    """A counter on the functions' shared Firestore client (created here if not yet)."""
    from shared.platform.clients import firestore_client

    counter = RpcCounter()
    counter.install(firestore_client())
    try:
        yield counter
    finally:
        counter.uninstall()


# ── The customer's requests ──────────────────────────────────────────────────────────────────


@dataclass
class Row:
    endpoint: str
    status: int
    tally: Tally


class Customer:
    """Drives the gateway the way the WUI and the providers do; records one row per request."""

    def __init__(self, gateway: Any, counter: RpcCounter, tesla_url: str, stripe_api: str) -> None:
        self.gateway = gateway
        self.counter = counter
        self.tesla_url = tesla_url
        self.stripe_api = stripe_api
        self.http = requests.Session()
        self.rows: list[Row] = []

    def call(self, label: str, method: str, path: str, **kwargs: Any) -> Any:
        with self.counter.measuring() as tally:
            response = self.gateway.open(_api(path), method=method, **kwargs)
        self.rows.append(Row(label, response.status_code, tally()))
        if response.status_code >= 400:
            raise RuntimeError(f"{label}: HTTP {response.status_code} {response.get_data()!r}")
        return response

    def connect(self, account: str, *, record: bool) -> str:
        call = self.call if record else self._uncounted
        auth_url = call("oauth initiate", "POST", "/tesla/oauth/initiate", json={"brand": "tesla"})
        consent = self.http.get(
            auth_url.json["authUrl"], params={"login_hint": account}, allow_redirects=False,
            timeout=30,
        )  # fmt: skip
        parts = urlsplit(consent.headers["Location"])
        back = call("oauth callback", "GET", f"{parts.path}?{parts.query}")
        params = {k: v[0] for k, v in parse_qs(urlsplit(back.headers["Location"]).query).items()}
        return params["session_id"]

    def _uncounted(self, label: str, method: str, path: str, **kwargs: Any) -> Any:
        response = self.gateway.open(_api(path), method=method, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{label}: HTTP {response.status_code} {response.get_data()!r}")
        return response

    def ready(
        self, account: str, package: str, voucher: str | None = None, *, record: bool = False
    ) -> str:
        """Connected, cars selected, quoted: an order ready to pay. Returns its session id."""
        call = self.call if record else self._uncounted
        session_id = self.connect(account, record=record)
        cars = call("vehicles", "GET", f"/tesla/session/{session_id}/vehicles").json["vehicles"]
        ids = [car["id"] for car in cars]
        body = {"vehicle_ids": ids, "package": package}
        call("select", "POST", f"/tesla/session/{session_id}/select", json=body)
        quote: dict[str, Any] = {"session_id": session_id}
        if voucher:
            quote["voucher_code"] = voucher
        call("quote" + (" + voucher" if voucher else ""), "POST", "/pricing/quote", json=quote)
        return session_id

    def pay_with_card(self, intent_id: str) -> None:
        """What Stripe.js does in the browser (no Firestore: not counted)."""
        base = f"{self.stripe_api}/v1/payment_intents/{intent_id}"
        self.http.post(base, data={"payment_method": "pm_card_visa"}, auth=STRIPE_KEY, timeout=10)
        confirmed = self.http.post(f"{base}/confirm", auth=STRIPE_KEY, timeout=10).json()
        if confirmed.get("status") != "succeeded":
            raise RuntimeError(f"card payment: {confirmed}")

    def stripe_webhook(self, label: str, intent_id: str) -> None:
        import stripe

        from shared.platform.settings import get_settings

        body = json.dumps(
            {
                "id": f"evt_bench_{intent_id}",
                "object": "event",
                "type": "payment_intent.succeeded",
                "data": {"object": {"id": intent_id, "object": "payment_intent"}},
            }
        )
        secret = get_settings().stripe_webhook_secret.get_secret_value()
        stamp = int(time.time())
        signature = stripe.WebhookSignature._compute_signature(f"{stamp}.{body}", secret)
        self.call(
            label, "POST", "/payment/verify", data=body, content_type="application/json",
            headers={"Stripe-Signature": f"t={stamp},v1={signature}"},
        )  # fmt: skip


def _api(path: str) -> str:
    return path if path.startswith("/api/") else f"/api/v1{path}"


def scenario(customer: Customer, paypal: AdminClient) -> list[Row]:
    """Three orders: a card payment to reports, a 100 % voucher, a PayPal payment."""
    call = customer.call
    # 1. Card: connect → vehicles → select → quote → create-intent ×2 → webhook → reports.
    session_id = customer.ready("family", "pro", record=True)
    first = call(
        "create-intent stripe (first click)", "POST", "/payment/create-intent",
        json={"session_id": session_id, "method": "stripe"},
    ).json  # fmt: skip
    call(
        "create-intent stripe (again: reuse)", "POST", "/payment/create-intent",
        json={"session_id": session_id, "method": "stripe"},
    )  # fmt: skip
    intent_id = first["stripe"]["payment_intent_id"]
    customer.pay_with_card(intent_id)
    customer.stripe_webhook("stripe webhook (paid)", intent_id)
    call("reports generate (retry)", "POST", "/reports/generate", json={"session_id": session_id})
    call("reports read", "GET", f"/tesla/report/{session_id}")

    # 2. A 100 % voucher: quoted with the code, paid by create-intent without a provider.
    free = customer.ready("solo", "basic", voucher="PILOT2026", record=False)
    customer.rows.append(_quote_row(customer, free, "PILOT2026"))
    call(
        "create-intent (100 % voucher)", "POST", "/payment/create-intent",
        json={"session_id": free, "method": "stripe"},
    )  # fmt: skip

    # 3. PayPal: create-intent, the buyer approves at PayPal, the WUI captures.
    pp = customer.ready("solo", "pro")
    created = call(
        "create-intent paypal (first click)", "POST", "/payment/create-intent",
        json={"session_id": pp, "method": "paypal"},
    ).json  # fmt: skip
    paypal.admin(f"orders/{created['paypal']['order_id']}/approve", {})
    call("paypal capture", "POST", "/payment/paypal/capture", json={"session_id": pp})
    return customer.rows


def _quote_row(customer: Customer, session_id: str, voucher: str) -> Row:
    """The same voucher quote again, counted (the first one ran uncounted inside ``ready``)."""
    customer.call(
        "quote + voucher", "POST", "/pricing/quote",
        json={"session_id": session_id, "voucher_code": voucher},
    )  # fmt: skip
    return customer.rows.pop()


@dataclass
class SimulatorAdmin(AdminClient):
    """The admin API of a simulator served in this process."""

    url: str
    http: requests.Session = field(default_factory=requests.Session)


# ── Setup ────────────────────────────────────────────────────────────────────────────────────


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # released at once: nothing listens there


def configure(env: dict[str, str], tesla_url: str, paypal_url: str) -> None:
    """The functions' environment, as tests/conftest.py ``app_env`` sets it."""
    from shared.platform.clients import reset_clients
    from shared.platform.settings import get_settings

    os.environ.update(env)
    os.environ.update(
        {
            "GOOGLE_CLOUD_PROJECT": PROJECT,
            "CPT_ENVIRONMENT": "local",
            "CPT_PROJECT_ID": PROJECT,
            "CPT_REPORTS_BUCKET": BUCKET,
            "CPT_TESLA_AUTH_URL": f"{tesla_url}/oauth2/v3",
            "CPT_TESLA_FLEET_URL_TEMPLATE": f"{tesla_url}/{{region}}",
            "CPT_PAYPAL_API_BASE": paypal_url,
            # Cloud Tasks deliver to a port nobody listens on: no worker runs during the bench.
            "CPT_WORKER_URL": f"http://127.0.0.1:{closed_port()}/api/v1/internal/reports/worker",
        }
    )
    get_settings.cache_clear()
    reset_clients()


def print_table(rows: list[Row], out: Any = sys.stdout) -> None:
    width = max(len(row.endpoint) for row in rows)
    header = f"{'endpoint':<{width}}  {'reads':>5}  {'writes':>6}  {'other':>5}  {'total':>5}"
    print(header, file=out)
    print("-" * len(header), file=out)
    for row in rows:
        t = row.tally
        line = f"{row.endpoint:<{width}}  {t.reads:>5}  {t.writes:>6}  {t.other:>5}  {t.total:>5}"
        print(line + ("" if row.status < 400 else f"  (HTTP {row.status})"), file=out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--methods", action="store_true", help="also list the RPCs by method")
    args = parser.parse_args()
    from shared.platform.logs import setup_logging

    setup_logging(logging.WARNING)  # first: the functions' own later call then changes nothing
    for noisy in ("werkzeug", "weasyprint", "fontTools"):
        logging.getLogger(noisy).setLevel(logging.ERROR)

    import dataclasses

    from werkzeug.test import Client

    from dev.localcloud import CLOUD_REPORTS_QUEUE, LocalCloud, ensure_bucket
    from dev.serving import serve_in_thread
    from simulators.paypal import PayPalSimulatorConfig
    from simulators.paypal import create_app as paypal_app
    from simulators.tesla_fleet import SimulatorConfig
    from simulators.tesla_fleet import create_app as tesla_app

    began = time.perf_counter()
    with ExitStack() as stack:
        # One attempt per task: the bench counts the requests' own round trips, no worker runs.
        one_attempt = dataclasses.replace(CLOUD_REPORTS_QUEUE, max_attempts=1)
        cloud = stack.enter_context(LocalCloud(project=PROJECT, tasks_queue=one_attempt))
        tesla_url = stack.enter_context(serve_in_thread(tesla_app(SimulatorConfig()), "tesla"))
        paypal_url = stack.enter_context(
            serve_in_thread(paypal_app(PayPalSimulatorConfig()), "paypal")
        )
        configure(cloud.env, tesla_url, paypal_url)
        ensure_bucket(BUCKET, cloud.env["STORAGE_EMULATOR_HOST"])
        counter = stack.enter_context(counting_rpcs())

        from dev.gateway import Gateway

        paypal = SimulatorAdmin(paypal_url)
        customer = Customer(Client(Gateway()), counter, tesla_url, cloud.env["CPT_STRIPE_API_BASE"])
        rows = scenario(customer, paypal)
        print(f"Firestore RPCs per request ({time.perf_counter() - began:.0f} s):\n")
        print_table(rows)
        if args.methods:
            print()
            for row in rows:
                print(f"{row.endpoint}: {dict(sorted(row.tally.methods.items()))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
