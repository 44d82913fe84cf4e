"""The whole journey in Chromium: connect, choose, quote, pay (card, PayPal, nothing), reports.

Each test clicks through the web app as a person would, saves screenshots of its key pages
(tests/browser/artifacts/<test>/) and ends with no script error, no CORS failure and no failed
request but the ones the journey expects. Waits are on what the page shows (the report list is
polled by the app itself), never fixed sleeps.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from shared.orders import sessions
from shared.platform.settings import get_settings
from tests.browser.conftest import Journey
from tests.fixtures.tesla_sim import TeslaSimulator

REPORTS_READY_MS = 45_000
# While the provider's webhook is on its way the report list answers 409 (not paid yet).
SETTLING = ("409 /tesla/report/",)
THREE_D_SECURE_CARD = ("4000002760003184", "12", "34", "123", "00100")


def connect(trip: Journey, account: str, *, approve: bool = True) -> None:
    """From the start page through the Tesla simulator's consent page and back."""
    page = trip.page
    page.goto(trip.wui)
    page.get_by_role("heading", name="A health report for your car").wait_for()
    page.get_by_role("button", name="Connect your car account").click()
    page.get_by_role("heading", name="Tesla Fleet API simulator").wait_for()
    page.check(f"input[name=account][value={account}]")
    trip.shot("tesla-consent")
    page.click("#approve" if approve else "#deny")


def choose(trip: Journey, package: str, *, cars: int | None = None) -> None:
    page = trip.page
    page.get_by_role("heading", name="Choose cars and a package").wait_for()
    boxes = page.locator("input[name=car]")
    if cars is not None:
        for index in range(cars, boxes.count()):
            boxes.nth(index).uncheck()
    page.check(f"input[name=package][value={package}]")


def to_price(trip: Journey, voucher: str | None = None) -> None:
    page = trip.page
    page.get_by_role("button", name="Continue to price").click()
    page.locator("#total").wait_for()
    if voucher:
        page.get_by_label("Voucher code (optional)").fill(voucher)
        page.get_by_role("button", name="Apply").click()
        page.locator("#discount").wait_for()


def wait_for_reports(trip: Journey) -> None:
    trip.page.locator("#order-status[data-status=complete]").wait_for(timeout=REPORTS_READY_MS)


def download(trip: Journey, locator: Any) -> tuple[str, bytes]:
    with trip.page.expect_download() as started:
        locator.click()
    saved = trip.folder / started.value.suggested_filename
    started.value.save_as(saved)
    return started.value.suggested_filename, Path(saved).read_bytes()


def stored_session(trip: Journey) -> sessions.OrderSession:
    return sessions.load_session(get_settings(), trip.session_id())


def test_family_pays_by_card_with_a_voucher_and_downloads_two_pdfs_and_the_receipt(
    journey: Journey,
):
    trip, page = journey, journey.page
    connect(trip, "family")
    choose(trip, "pro")
    cars = page.locator("ul.cars > li")
    assert cars.count() == 2
    texts = " ".join(cars.all_inner_texts())
    assert "Model 3" in texts and "Model Y" in texts and "2022" in texts and "2023" in texts
    assert texts.count("****") == 2  # masked VINs
    assert "Everything in Basic Report, plus:" in page.inner_text(".packages")
    trip.shot("cars-and-package", readme_name="wui-cars.png")

    to_price(trip, voucher="test-fixed-500")  # case-insensitive, from the tests' own vouchers
    quote = page.inner_text("#quote")
    assert "Voucher TEST-FIXED-500" in quote and "−" in quote and "of which VAT" in quote
    page.get_by_label("Report language").select_option("fi")
    trip.shot("quote-with-voucher", readme_name="wui-quote.png")

    page.get_by_role("button", name="Continue to pay").click()
    inputs = page.locator("#card-element input")
    inputs.first.wait_for()
    for index, value in enumerate(THREE_D_SECURE_CARD):
        inputs.nth(index).fill(value)
    trip.shot("card")
    page.get_by_role("button", name="Pay €").click()
    # localstripe's Stripe.js stand-in shows its 3-D Secure step: confirmCardPayment runs.
    page.get_by_role("button", name="Complete authentication").click()
    wait_for_reports(trip)
    trip.shot("reports-ready", readme_name="wui-reports.png")

    assert stored_session(trip).language == "fi"  # the language switch reached create-intent
    pdf_links = page.locator("a.pdf")
    assert pdf_links.count() == 2
    for index in range(2):
        name, body = download(trip, pdf_links.nth(index))
        assert name.startswith("car-pulse-report-") and body.startswith(b"%PDF")
    name, body = download(trip, page.get_by_role("link", name="Download the receipt (PDF)"))
    assert name.startswith("car-pulse-receipt-") and body.startswith(b"%PDF")
    trip.assert_clean(allowed=SETTLING)


def test_fleet_pays_with_paypal_for_expert(journey: Journey):
    trip, page = journey, journey.page
    connect(trip, "fleet")
    choose(trip, "expert", cars=3)
    assert page.locator("ul.cars > li").count() == 12
    trip.shot("fleet-cars")
    to_price(trip)
    assert "Expert report · 3–5 vehicles" in page.inner_text("#quote caption")
    page.check("input[name=method][value=paypal]")
    page.get_by_role("button", name="Continue to pay").click()

    page.get_by_role("heading", name="PayPal (simulator)").wait_for()
    trip.shot("paypal-approve")
    page.get_by_role("button", name="Pay now").click()
    wait_for_reports(trip)  # back on our return URL: captured, then the reports
    trip.shot("reports-ready")
    assert page.locator("li.report").count() == 3
    assert page.locator("a.pdf").count() == 3
    assert stored_session(trip).payment.method == "paypal"
    trip.assert_clean(allowed=SETTLING)


@pytest.mark.phone
def test_zero_total_order_on_a_phone(journey: Journey):
    trip, page = journey, journey.page
    connect(trip, "solo")
    choose(trip, "basic")
    trip.shot("cars-on-a-phone")
    to_price(trip, voucher="TEST-FREE")
    assert "€0.00" in page.inner_text("#total")
    trip.shot("nothing-to-pay")
    page.get_by_role("button", name="Get my reports (nothing to pay)").click()
    wait_for_reports(trip)
    trip.shot("reports-ready")
    # The share panel with its long link fits too.
    page.get_by_role("button", name="Share with a buyer").click()
    page.get_by_role("button", name="Create link").click()
    page.get_by_label("Link for the buyer").wait_for()
    trip.shot("share-link-on-a-phone")
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the page scrolls sideways on a phone: {width}"
    name, body = download(trip, page.get_by_role("link", name="Download the receipt (PDF)"))
    assert name.startswith("car-pulse-receipt-") and body.startswith(b"%PDF")
    trip.assert_clean()


def test_cancelled_consent_explains_and_connects_again_by_keyboard(journey: Journey):
    trip, page = journey, journey.page
    connect(trip, "family", approve=False)
    page.get_by_role("heading", name="Connection cancelled").wait_for()
    assert page.locator("[data-reason=access_denied]").is_visible()
    assert "What to do" in page.inner_text("[role=alert]")
    assert "session_id" not in page.url and "oauth" not in page.url  # address bar cleaned
    trip.shot("access-denied")
    # Focus is on the heading; the button is the next stop for the keyboard.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "retry"
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Tesla Fleet API simulator").wait_for()
    trip.assert_clean()


def test_empty_account_says_there_are_no_cars(journey: Journey):
    trip, page = journey, journey.page
    connect(trip, "empty")
    page.get_by_role("heading", name="No cars on this Tesla account").wait_for()
    trip.shot("no-vehicles")
    trip.assert_clean()


def test_reconnect_after_a_revoked_token_finishes_the_reports(
    journey: Journey, tesla_for_browser: TeslaSimulator
):
    trip, page = journey, journey.page
    connect(trip, "solo")
    choose(trip, "basic")
    to_price(trip, voucher="TEST-FREE")
    # Like a password change at Tesla: access and refresh tokens stop working.
    tesla_for_browser.admin("tokens/expire", {"account": "solo", "refresh_tokens": True})
    page.get_by_role("button", name="Get my reports (nothing to pay)").click()
    reconnect = page.get_by_role("button", name="Reconnect your Tesla account")
    reconnect.wait_for(timeout=REPORTS_READY_MS)
    assert page.locator("li.report[data-status=waiting_reconnect]").count() == 1
    trip.shot("reconnect-required")
    reconnect.click()
    page.get_by_role("heading", name="Tesla Fleet API simulator").wait_for()
    page.check("input[name=account][value=solo]")
    page.click("#approve")
    page.get_by_text("Reconnected. Your reports continue.").wait_for()
    wait_for_reports(trip)
    trip.shot("reports-after-reconnect")
    assert stored_session(trip).payment.method == "voucher"  # paid once, never again
    trip.assert_clean()


def test_an_expired_order_session_says_so_and_starts_again(journey: Journey):
    trip, page = journey, journey.page
    connect(trip, "solo")
    choose(trip, "basic")
    settings = get_settings()
    from shared.platform.clients import firestore_client

    firestore_client().collection(settings.sessions_collection).document(
        sessions.session_key(trip.session_id())
    ).update({"expires_at": datetime.now(UTC) - timedelta(minutes=1)})
    page.get_by_role("button", name="Continue to price").click()
    page.get_by_role("heading", name="Your order session has expired").wait_for()
    trip.shot("session-expired")
    page.get_by_role("button", name="Start a new order").click()
    page.get_by_role("heading", name="A health report for your car").wait_for()
    trip.assert_clean(allowed=("410 /tesla/session/",))
