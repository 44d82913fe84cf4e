"""A deployed function that sells refuses to start where the environment cannot sell.

Functions are started the way the Python buildpack starts them: ``functions-framework
--target=T --source=main.py`` from a copy of the deploy upload (``dev/deploy_source.py``), with
``CPT_ENVIRONMENT=prd`` and what else a production start needs (an https WUI URL, the tasks
invoker account, Google's OIDC keys; secrets the route is not given are empty, as deployed),
against the Firestore emulator. Without a price book or with the placeholder seller the process
exits, its output naming what is missing; with a published price book and a real seller it serves
quotes from that book.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from dev.deploy_source import assemble
from shared.platform.settings import get_settings
from shared.pricing.book import (
    PLACEHOLDER_BUSINESS_ID,
    PLACEHOLDER_VAT_NUMBER,
    clear_commerce_cache,
    publish_price_book,
    set_seller,
)
from shared.pricing.tiers import DEFAULT_PRICE_BOOK, price_book_from_data
from tests.connect.conftest import Browser
from tests.fixtures.localcloud import TEST_PROJECT, LocalCloud

FUNCTIONS_FRAMEWORK = Path(sys.executable).parent / "functions-framework"
START_TIMEOUT_S = 45.0
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

REAL_SELLER = {
    "name": "Startup Test Oy",
    "business_id": "7654321-0",
    "vat_number": "FI76543210",
    "address_lines": ["Testikatu 1", "00100 Helsinki"],
    "email": "billing@example.test",
}
PLACEHOLDER_SELLER = REAL_SELLER | {
    "business_id": PLACEHOLDER_BUSINESS_ID,
    "vat_number": PLACEHOLDER_VAT_NUMBER,
}
# Not the seed's price: a quote at this price came from the published book.
PUBLISHED_PRO_ONE_CAR_CENTS = 1777


@dataclass
class Started:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture(scope="module")
def upload(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("upload")
    assemble(copy)
    return copy


def _production_env(local_cloud: LocalCloud) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.upper().startswith("CPT_") and name != "PYTHONPATH"
    }
    # The emulators' hosts, but not the local Cloud Tasks keys: prd trusts Google's only.
    env |= {k: v for k, v in local_cloud.env.items() if not k.startswith("CPT_")}
    return env | {
        "GOOGLE_CLOUD_PROJECT": TEST_PROJECT,
        "CPT_ENVIRONMENT": "prd",
        "CPT_PROJECT_ID": TEST_PROJECT,
        "CPT_WUI_URL": "https://app.example.test",
        "CPT_TASKS_INVOKER_SERVICE_ACCOUNT": "cpt-tasks@cpt-test.iam.gserviceaccount.com",
        "PYTHONUNBUFFERED": "1",
    }


@contextmanager
def started(upload: Path, local_cloud: LocalCloud, target: str) -> Iterator[Started]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    log = upload.parent / f"{target}-{port}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(FUNCTIONS_FRAMEWORK), f"--target={target}", "--source=main.py",
             "--host=127.0.0.1", f"--port={port}"],
            cwd=upload, env=_production_env(local_cloud), stdout=output,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
    try:
        yield Started(process, port, log)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)


def _exit_status(function: Started) -> int:
    """The status the process exits with (it must not come up)."""
    try:
        return function.process.wait(timeout=START_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"still running:\n{function.output()[-2000:]}") from None


def _call(function: Started, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    """The first answer, waiting for the server to come up."""
    deadline = time.monotonic() + START_TIMEOUT_S
    data = None if body is None else json.dumps(body).encode()
    while True:
        if function.process.poll() is not None:
            raise AssertionError(f"exited {function.process.returncode}:\n{function.output()}")
        request = urllib.request.Request(
            f"http://127.0.0.1:{function.port}{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"} if data else {},
        )
        try:
            with _opener.open(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")
        except (ConnectionError, urllib.error.URLError, TimeoutError):
            if time.monotonic() > deadline:
                raise AssertionError(f"no answer:\n{function.output()[-2000:]}") from None
            time.sleep(0.1)


def _publish(price_book: bool, seller: dict | None) -> None:
    settings = get_settings()
    if price_book:
        data = DEFAULT_PRICE_BOOK.to_data()
        data["prices_cents"] = data["prices_cents"] | {
            "pro": [PUBLISHED_PRO_ONE_CAR_CENTS, *data["prices_cents"]["pro"][1:]]
        }
        publish_price_book(settings, price_book_from_data(data, version=0), by="test")
    if seller is not None:
        set_seller(settings, seller, by="test")
    clear_commerce_cache()


@pytest.mark.parametrize(
    ("price_book", "seller", "named"),
    [
        (False, None, ["no price book published", "no seller identity"]),
        (False, REAL_SELLER, ["no price book published"]),
        (True, PLACEHOLDER_SELLER, ["the seller identity is still the placeholder"]),
    ],
    ids=["nothing", "no-price-book", "placeholder-seller"],
)
def test_a_selling_function_refuses_to_start_naming_what_is_missing(
    upload, local_cloud, app_env, firestore_db, price_book, seller, named
):
    _publish(price_book, seller)
    with started(upload, local_cloud, "pricing_quote") as function:
        assert _exit_status(function) != 0
        output = function.output()
    assert "pricing_quote refuses to start: environment 'prd' is not ready to sell" in output
    for missing in named:
        assert missing in output, output[-2000:]
    assert "python -m admin" in output  # and says what provides it


def test_the_receipt_function_refuses_too_and_a_function_that_does_not_sell_starts(
    upload, local_cloud, app_env, firestore_db
):
    with (
        started(upload, local_cloud, "tesla_report_receipt") as receipt,
        started(upload, local_cloud, "health") as health,
    ):
        assert _exit_status(receipt) != 0
        assert "tesla_report_receipt refuses to start" in receipt.output()
        status, _ = _call(health, "GET", "/api/v1/health")
        assert status == 200, health.output()[-2000:]


def test_with_a_published_price_book_it_serves_quotes_from_it(
    upload, local_cloud, app_env, firestore_db, gateway, tesla, seen_secrets
):
    _publish(price_book=True, seller=REAL_SELLER)
    browser = Browser(gateway, tesla, seen_secrets)
    session_id = browser.connect("solo").session_id
    [car] = gateway.get(f"/api/v1/tesla/session/{session_id}/vehicles").json["vehicles"]
    selected = gateway.post(
        f"/api/v1/tesla/session/{session_id}/select",
        json={"vehicle_ids": [car["id"]], "package": "pro"},
    )
    assert selected.status_code == 200, selected.json
    with started(upload, local_cloud, "pricing_quote") as function:
        status, body = _call(function, "POST", "/api/v1/pricing/quote", {"session_id": session_id})
    assert status == 200, body
    assert body["tier_price_cents"] == PUBLISHED_PRO_ONE_CAR_CENTS == body["total_cents"]


def test_the_selling_functions_are_routes_and_every_pricing_or_payment_route_is_one() -> None:
    from functions.routes import ROUTES, ROUTES_BY_TARGET
    from main import COMMERCE_TARGETS

    assert COMMERCE_TARGETS.issubset(ROUTES_BY_TARGET)
    selling_tags = {route.target for route in ROUTES if route.tag in ("pricing", "payment")}
    assert selling_tags <= COMMERCE_TARGETS
    assert "tesla_report_receipt" in COMMERCE_TARGETS and "health" not in COMMERCE_TARGETS
