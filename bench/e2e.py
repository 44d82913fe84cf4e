"""End to end on the local stack: N concurrent customers from connect to their reports.

What runs, as ``make up`` runs it: the local cloud (``dev.localcloud``: Firestore, Cloud Storage,
the Cloud Tasks emulator, localstripe), the Tesla simulator in this process, and every function
behind the gateway on a loopback port — Cloud Tasks delivers report tasks there and localstripe
its webhooks. Each customer, over HTTP only: ``POST /tesla/oauth/initiate`` → the simulator's
headless consent (``login_hint``) → the callback → vehicles → select every car → quote →
create-intent → localstripe attach ``pm_card_visa`` and confirm (as Stripe.js does) → poll
``GET /tesla/report/{id}`` until complete. Accounts: ``solo`` (1 car, Basic), ``family`` (2,
Pro) and every tenth customer ``fleet`` (12, Expert; its two offline cars bound the order by
the wake window, ``--wake-timeout``).

Printed: per-endpoint p50/p95, payment→first report and payment→complete per order size,
orders lost (not complete within ``--order-timeout``; must be 0) and responses ≥ 500 (must be
0), and the ratio of the first 12-car order's payment→complete to its slowest car ordered alone.
The abuse limits are raised for the bench through their settings (``CPT_OAUTH_RATE_LIMIT``).

    .venv/bin/python -m bench.e2e                          # 1, 10 and 30 customers
    .venv/bin/python -m bench.e2e --customers 1 10 --wake-timeout 5
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

PROJECT = "cpt-local"  # dev.up.LOCAL_PROJECT: the tasks queue is made in it
STRIPE_KEY = ("sk_test_local", "")
ACCOUNTS = {"solo": "basic", "family": "pro", "fleet": "expert"}
POLL_S = 0.5


@dataclass
class Stats:
    """Every call's latency by endpoint, the 5xx seen, and each order's milestones."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    server_errors: list[str] = field(default_factory=list)
    orders: list[dict[str, Any]] = field(default_factory=list)

    def record(self, name: str, seconds: float, status: int) -> None:
        with self.lock:
            self.latency[name].append(seconds)
            if status >= 500:
                self.server_errors.append(f"{name} {status}")


class Customer:
    def __init__(self, api: str, stripe: str, stats: Stats, http: requests.Session) -> None:
        self.api, self.stripe, self.stats, self.http = api, stripe, stats, http

    def call(self, name: str, method: str, url: str, **kwargs: Any) -> requests.Response:
        started = time.monotonic()
        response = self.http.request(method, url, timeout=60, allow_redirects=False, **kwargs)
        self.stats.record(name, time.monotonic() - started, response.status_code)
        return response

    def order(self, account: str, timeout_s: float, only: list[int] | None = None) -> dict:
        auth_url = self.call("initiate", "POST", f"{self.api}/tesla/oauth/initiate",
                             json={"brand": "tesla"}).json()["authUrl"]  # fmt: skip
        consent = self.http.get(auth_url, params={"login_hint": account}, allow_redirects=False,
                                timeout=30)  # fmt: skip
        callback = urlsplit(consent.headers["Location"])
        back = self.call("callback", "GET", f"{self.api}/tesla/oauth/callback?{callback.query}")
        session_id = parse_qs(urlsplit(back.headers["Location"]).query)["session_id"][0]
        cars = self.call("vehicles", "GET", f"{self.api}/tesla/session/{session_id}/vehicles")
        ids = only or [car["id"] for car in cars.json()["vehicles"]]
        self.call("select", "POST", f"{self.api}/tesla/session/{session_id}/select",
                  json={"vehicle_ids": ids, "package": ACCOUNTS[account]})  # fmt: skip
        self.call("quote", "POST", f"{self.api}/pricing/quote", json={"session_id": session_id})
        intent = self.call("create_intent", "POST", f"{self.api}/payment/create-intent",
                           json={"session_id": session_id, "method": "stripe"})  # fmt: skip
        intent_id = intent.json()["stripe"]["payment_intent_id"]
        card = {"payment_method": "pm_card_visa"}
        self.http.post(f"{self.stripe}/v1/payment_intents/{intent_id}", data=card,
                       auth=STRIPE_KEY, timeout=30)  # fmt: skip
        paid_at = time.monotonic()
        confirm = self.http.post(f"{self.stripe}/v1/payment_intents/{intent_id}/confirm",
                                 auth=STRIPE_KEY, timeout=30)  # fmt: skip
        assert confirm.json()["status"] == "succeeded", confirm.text
        return self._wait(session_id, len(ids), paid_at, timeout_s) | {"account": account}

    def _wait(self, session_id: str, cars: int, paid_at: float, timeout_s: float) -> dict:
        first = None
        deadline = paid_at + timeout_s
        body: dict[str, Any] = {}
        while time.monotonic() < deadline:
            response = self.call("report", "GET", f"{self.api}/tesla/report/{session_id}")
            body = response.json() if response.status_code == 200 else {}
            now = time.monotonic() - paid_at
            if first is None and body.get("reports"):
                first = now
            if body.get("status") == "complete":
                return {"cars": cars, "first_s": first, "complete_s": now, "lost": False,
                        "vehicles": body["vehicles"]}  # fmt: skip
            time.sleep(POLL_S)
        cars_state = [v.get("status") for v in body.get("vehicles", [])]
        return {"cars": cars, "first_s": first, "complete_s": None, "lost": True,
                "stuck": (body.get("status"), cars_state)}  # fmt: skip


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def local_stack(wake_timeout_s: float) -> Iterator[tuple[str, str, Any]]:
    """The stack ``make up`` starts, on free loopback ports; yields (API, localstripe, sim)."""
    from werkzeug.serving import make_server

    from dev.localcloud import LocalCloud
    from dev.serving import serve_in_thread
    from dev.up import local_app_environment
    from simulators.tesla_fleet import SimulatorConfig, create_app

    gateway_port = _free_port()
    callback = f"http://127.0.0.1:{gateway_port}/api/v1/tesla/oauth/callback"
    with ExitStack() as stack:
        cloud = stack.enter_context(LocalCloud(project=PROJECT))
        config = SimulatorConfig(redirect_uris=[callback])
        tesla_url = stack.enter_context(serve_in_thread(create_app(config), "tesla-sim"))
        os.environ.update(
            local_app_environment(cloud.env, tesla_url, "http://127.0.0.1:9", gateway_port)
        )
        os.environ.update({
            "CPT_REPORTS_BUCKET": "cpt-bench-e2e-reports",
            # The bench's customers all come from 127.0.0.1: the per-IP limit is raised, not off.
            "CPT_OAUTH_RATE_LIMIT": "100000",
            "CPT_TESLA_WAKE_TIMEOUT_S": str(wake_timeout_s),
        })  # fmt: skip
        from dev.gateway import Gateway
        from dev.seed import seed_demo_data
        from shared.platform.settings import get_settings

        get_settings.cache_clear()
        seed_demo_data(get_settings(), stripe_api_base=cloud.env["CPT_STRIPE_API_BASE"])
        server = make_server("127.0.0.1", gateway_port, Gateway(), threaded=True)
        threading.Thread(target=server.serve_forever, name="gateway", daemon=True).start()
        stack.callback(server.shutdown)
        requests.post(f"{tesla_url}/admin/settings", json={"wake_delay_seconds": 0}, timeout=10)
        yield f"http://127.0.0.1:{gateway_port}/api/v1", cloud.env["CPT_STRIPE_API_BASE"], tesla_url


def run_phase(api: str, stripe: str, customers: int, timeout_s: float, stats: Stats) -> float:
    accounts = ["fleet" if i % 10 == 9 else ("family" if i % 2 else "solo")
                for i in range(customers)]  # fmt: skip
    started = time.monotonic()

    def one(account: str) -> dict:
        with requests.Session() as http:
            return Customer(api, stripe, stats, http).order(account, timeout_s)

    with ThreadPoolExecutor(max_workers=customers) as pool:
        for result in pool.map(one, accounts):
            stats.orders.append(result | {"phase": customers})
    return time.monotonic() - started


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _print(stats: Stats, phases: dict[int, float], ratio: tuple[float, float] | None) -> None:
    print(
        f"\nphases (customers → wall s): {', '.join(f'{n} → {s:.1f}' for n, s in phases.items())}"
    )
    print(f"\n{'endpoint':<16}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}")
    for name, values in stats.latency.items():
        p50, p95 = _pct(values, 0.5) * 1000, _pct(values, 0.95) * 1000
        print(f"{name:<16}{len(values):>6}{p50:>10.0f}{p95:>10.0f}")
    print("\nseconds after payment: first report p50/p95, complete p50/p95")
    for cars in sorted({o["cars"] for o in stats.orders}):
        done = [o for o in stats.orders if o["cars"] == cars and not o["lost"]]
        if not done:
            continue
        first = [o["first_s"] for o in done if o["first_s"] is not None] or [0.0]
        complete = [o["complete_s"] for o in done]
        print(f"{cars:>2}-car{'':<6}{len(done):>4}{_pct(first, .5):>11.1f}{_pct(first, .95):>11.1f}"
              f"{_pct(complete, .5):>10.1f}{_pct(complete, .95):>10.1f}")  # fmt: skip
    lost = sum(o["lost"] for o in stats.orders)
    for o in stats.orders:
        if o["lost"]:
            print(f"lost: {o['account']} {o['stuck']}")
    print(f"\norders: {len(stats.orders)}, lost: {lost}, 5xx: {len(stats.server_errors)}")
    if ratio:
        whole, alone = ratio
        print(f"12-car Expert fleet order: {whole:.1f} s; its slowest car alone: {alone:.1f} s; "
              f"ratio {whole / alone:.2f} (target ≤ 1.2)")  # fmt: skip


def _fleet_ratio(api: str, stripe: str, timeout_s: float) -> tuple[float, float] | None:
    """A 12-car Expert order on the idle stack against its slowest car (an offline one, bound by
    the wake window, else the highest id) ordered alone, also on the idle stack."""
    with requests.Session() as http:
        customer = Customer(api, stripe, Stats(), http)
        whole = customer.order("fleet", timeout_s)
        if whole["lost"]:
            return None
        slowest = max(whole["vehicles"], key=lambda v: (v["status"] != "complete", v["id"]))
        alone = customer.order("fleet", timeout_s, only=[slowest["id"]])
    return None if alone["lost"] else (whole["complete_s"], alone["complete_s"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, nargs="+", default=[1, 10, 30])
    parser.add_argument("--order-timeout", type=float, default=150.0)
    parser.add_argument("--wake-timeout", type=float, default=10.0)
    args = parser.parse_args(argv)
    import logging

    logging.basicConfig(level=logging.WARNING)
    stats = Stats()
    phases: dict[int, float] = {}
    with local_stack(args.wake_timeout) as (api, stripe, _tesla):
        for customers in args.customers:
            phases[customers] = run_phase(api, stripe, customers, args.order_timeout, stats)
            print(f"{customers} customers: {phases[customers]:.1f} s", flush=True)
        ratio = _fleet_ratio(api, stripe, args.order_timeout)
    _print(stats, phases, ratio)
    lost = sum(o["lost"] for o in stats.orders)
    return 1 if lost or stats.server_errors else 0


if __name__ == "__main__":
    sys.exit(main())
