"""Share with a buyer (issue 16) in Chromium: the owner makes a link in the web app, a buyer in
another browser opens the verification page, downloads the PDF and checks it; the owner revokes.

The buyer's browser is a separate context (no cookies, no storage shared with the owner's tab).
The order is the family account's two cars, paid with the tests' 100 % voucher (the quickest
way to a paid order).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import TIMEOUT_MS, Journey
from tests.browser.test_journeys import choose, connect, download, to_price, wait_for_reports

SHARE_DAYS = 7


@pytest.fixture
def buyer(chromium: Any, journey: Journey, request: pytest.FixtureRequest) -> Iterator[Any]:
    """Another person's browser: its own context, English, downloads allowed. On failure its
    page is saved beside the journey's (buyer-failure.png, buyer-failure.html)."""
    context = chromium.new_context(
        viewport={"width": 900, "height": 900}, locale="en-GB", accept_downloads=True
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            page.screenshot(path=str(journey.folder / "buyer-failure.png"), full_page=True)
            (journey.folder / "buyer-failure.html").write_text(
                f"<!-- {page.url} -->\n{page.content()}"
            )
        context.close()


def pay_for_the_family_order(trip: Journey) -> None:
    connect(trip, "family")
    choose(trip, "pro")
    to_price(trip, voucher="TEST-FREE")
    trip.page.get_by_role("button", name="Get my reports (nothing to pay)").click()
    wait_for_reports(trip)


def create_link(trip: Journey, car: Any) -> str:
    """Open the car's share panel, choose the expiry, create; the link as the page shows it."""
    toggle = car.get_by_role("button", name="Share with a buyer")
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    car.get_by_text("No links yet.").wait_for()
    car.get_by_label(f"{SHARE_DAYS} days").check()
    car.get_by_role("button", name="Create link").click()
    field = car.get_by_label("Link for the buyer")
    field.wait_for()
    expires = datetime.now(UTC) + timedelta(days=SHARE_DAYS)
    assert f"Works until {expires.day} {expires:%B %Y}" in car.locator(".share-result").inner_text()
    assert trip.page.evaluate("document.activeElement.id") == field.get_attribute("id")
    car.locator("[data-state=active]").wait_for()  # the list shows the new link
    return str(field.input_value())


def copy_link(trip: Journey, car: Any, url: str) -> None:
    trip.page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=trip.wui)
    car.get_by_role("button", name="Copy link").click()
    car.get_by_text("Copied.").wait_for()
    assert trip.page.evaluate("navigator.clipboard.readText()") == url


def assert_no_session_id(page: Any, session_id: str) -> None:
    assert session_id not in page.content()
    addresses = page.eval_on_selector_all(
        "[href], [src], [action]",
        "nodes => nodes.flatMap(n => ['href', 'src', 'action'].map(a => n.getAttribute(a) || ''))",
    )
    assert any(addresses) and not [address for address in addresses if session_id in address]


def buyer_download(page: Any, folder: Path) -> bytes:
    with page.expect_download() as started:
        page.get_by_role("link", name="Download the PDF").click()
    saved = folder / f"buyer-{started.value.suggested_filename}"
    started.value.save_as(saved)
    return saved.read_bytes()


def check_with_the_form(page: Any, document_url: str, pdf: Path) -> str:
    """Upload a file with the document page's form; the result page's heading."""
    page.goto(document_url)
    page.locator("form input[type=file]").set_input_files(str(pdf))
    with page.expect_response(lambda response: response.request.method == "POST") as posted:
        page.get_by_role("button", name="Check the PDF").click()
    assert posted.value.status == 200, f"{posted.value.status} {posted.value.url}"
    return str(page.locator("h1").inner_text())


def test_owner_shares_one_car_and_the_buyer_sees_only_that_car(journey: Journey, buyer: Any):
    trip, page = journey, journey.page
    pay_for_the_family_order(trip)
    session_id = trip.session_id()
    cars = page.locator("li.report")
    assert cars.count() == 2
    shared, other = cars.nth(0), cars.nth(1)
    shared_id, other_id = shared.get_attribute("data-vehicle"), other.get_attribute("data-vehicle")
    _, owners_pdf = download(trip, shared.locator("a.pdf"))

    url = create_link(trip, shared)
    token = url.rsplit("/verify/", 1)[1]
    api = url.rsplit("/verify/", 1)[0]
    assert session_id not in url and re.fullmatch(r"[A-Za-z0-9_-]{43}", token)
    copy_link(trip, shared, url)
    trip.shot("share-link-created")

    # The buyer's page: the car, masked VIN, nothing of the session anywhere on it.
    answer = buyer.goto(url)
    assert answer is not None and answer.status == 200
    assert answer.headers["cache-control"] == "no-store, private"
    text = buyer.inner_text("main")
    car_line = shared.locator(".car-meta").inner_text()  # "Model 3 · 2022 · VIN …****…"
    model, year, vin = (part.removeprefix("VIN ") for part in car_line.split(" · "))
    assert model in text and year in text and vin in text and "****" in vin
    assert_no_session_id(buyer, session_id)
    trip.shot("verify-page", readme_name="verify-page.png", page=buyer)

    pdf = buyer_download(buyer, trip.folder)
    assert pdf.startswith(b"%PDF-") and pdf == owners_pdf
    assert session_id.encode() not in pdf

    # The token opens nothing else: not the other car, not the receipt, not the order.
    for path in (
        f"/tesla/report/{token}/pdf/{other_id}",
        f"/tesla/report/{token}/pdf/{shared_id}",
        f"/tesla/report/{token}/receipt",
        f"/tesla/report/{token}",
        f"/verify/{token}/pdf/{other_id}",
    ):
        refused = buyer.request.get(api + path)
        assert refused.status in (404, 405), (path, refused.status)
        assert not refused.body().startswith(b"%PDF")

    # The owner revokes in the web app; the buyer's reload says so, and nothing more.
    shared.get_by_role("button", name="Revoke").click()
    shared.locator("[data-state=revoked]").wait_for()
    assert not shared.locator(".share-result .share-url").count()  # the revoked link is gone
    assert "opened 2 times" in shared.locator(".share-links").inner_text()  # the page, the PDF
    trip.shot("share-revoked")
    closed = buyer.goto(url)
    assert closed is not None and closed.status == 410
    assert "The owner has revoked this link." in buyer.inner_text("main")
    assert vin not in buyer.content()
    trip.shot("verify-page-revoked", page=buyer)
    trip.assert_clean()


def test_a_buyer_checks_a_pdf_with_the_document_pages_form(journey: Journey, buyer: Any):
    trip, page = journey, journey.page
    connect(trip, "solo")
    choose(trip, "basic")
    to_price(trip, voucher="TEST-FREE")
    page.get_by_role("button", name="Get my reports (nothing to pay)").click()
    wait_for_reports(trip)
    name, pdf = download(trip, page.locator("a.pdf"))
    original = trip.folder / name
    edited = trip.folder / "edited.pdf"
    changed = bytearray(pdf)
    changed[len(changed) // 2] ^= 0x01
    edited.write_bytes(bytes(changed))
    # The address printed in the PDF (and its QR code): the report's document page.
    api = page.locator("a.pdf").get_attribute("href").split("/tesla/report/", 1)[0]
    answer = buyer.request.post(
        f"{api}/verify", data=pdf, headers={"Content-Type": "application/pdf"}
    )
    document_url = answer.json()["document_url"]

    assert check_with_the_form(buyer, document_url, original) == "This file is a report we issued."
    trip.shot("file-issued", page=buyer)
    assert (
        check_with_the_form(buyer, document_url, edited) == "This file is not a report we issued."
    )
    trip.shot("edited-file-not-issued", page=buyer)
    trip.assert_clean()
