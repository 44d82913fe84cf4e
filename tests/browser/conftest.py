"""The web app (wui/) in Debian's Chromium, driven by Playwright, against the tests' local cloud.

``wui`` serves the web app (dev/wui.py) on a free port, pointed at ``live_gateway`` (every
function on a real port, on the emulators and simulators); the API's settings point back at that
origin (CORS, the OAuth hand-over, PayPal's return URL) for this package's tests only. ``page``
is a fresh browser context per test that records the console and network failures; ``Journey``
saves numbered screenshots under tests/browser/artifacts/<test>/ and, when the test fails, the
page as it was and its console log.

Chromium is ``/usr/bin/chromium`` (``python -m dev.browser`` installs it; ``make test`` does so
first). Playwright's own browser download is never used. Without Chromium these tests skip,
saying why.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from dev.browser import CHROMIUM, chromium_path
from dev.wui import WuiApp
from tests.conftest import _forget_cached_configuration
from tests.fixtures.localcloud import LocalCloud
from tests.fixtures.tesla_sim import TeslaSimulator

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
README_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "img"
# CPT_README_SCREENSHOTS=1 also writes the README's screenshots into docs/img/.
WRITE_README_IMAGES = os.environ.get("CPT_README_SCREENSHOTS") == "1"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1100, "height": 800}
PHONE = {"width": 390, "height": 844}  # an iPhone 12-class viewport
TIMEOUT_MS = 15_000
CORS_FAILURE = re.compile(r"CORS|Access-Control-Allow-Origin", re.IGNORECASE)


@pytest.fixture(scope="package")
def chromium() -> Iterator[Any]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    executable = chromium_path()
    if executable is None:
        pytest.skip(f"no {CHROMIUM}: run `python -m dev.browser` (make test does)")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="package")
def wui(live_gateway: str, local_cloud: LocalCloud, tesla_sim: TeslaSimulator) -> Iterator[str]:
    """The web app's URL; for this package the API redirects to it and allows its origin."""
    from dev.serving import serve_in_thread
    from shared.platform.settings import get_settings

    app = WuiApp(
        api_base=f"{live_gateway}/api/v1",
        stripe_api_base=local_cloud.env["CPT_STRIPE_API_BASE"],
        stripe_secret_key=get_settings().stripe_secret_key.get_secret_value(),
    )
    with serve_in_thread(app, "wui") as url, pytest.MonkeyPatch.context() as patch:
        patch.setenv("CPT_WUI_URL", url)
        # Tesla sends the browser back to the tests' gateway (and PDF links name its origin).
        patch.setenv("CPT_TESLA_REDIRECT_URI", f"{live_gateway}/api/v1/tesla/oauth/callback")
        _forget_cached_configuration()
        yield url
    _forget_cached_configuration()


@pytest.fixture
def tesla_for_browser(tesla: TeslaSimulator, live_gateway: str) -> Iterator[TeslaSimulator]:
    """The simulator, reset, with the tests' gateway registered as a redirect URI; reset again
    afterwards so no later test inherits these settings."""
    tesla.admin("redirect_uris", {"redirect_uri": f"{live_gateway}/api/v1/tesla/oauth/callback"})
    # A sleeping car still needs its wake-up, just not the 15 s that would dominate the tier.
    tesla.admin("settings", {"wake_delay_seconds": 1.0})
    yield tesla
    tesla.reset()


@dataclass
class Journey:
    """One test's browser page plus what it saw: screenshots, console, failed requests."""

    page: Any
    wui: str
    folder: Path
    console: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    failed_responses: list[str] = field(default_factory=list)
    shots: int = 0

    def shot(self, name: str, readme_name: str | None = None, *, page: Any = None) -> Path:
        """A numbered screenshot of the journey's page (or of ``page``: another tab/context)."""
        self.shots += 1
        path = self.folder / f"{self.shots:02d}-{name}.png"
        (page or self.page).screenshot(path=str(path), full_page=True)
        if readme_name and WRITE_README_IMAGES:
            save_small_png(path, README_IMAGES / readme_name)
        return path

    def session_id(self) -> str:
        return str(self.page.evaluate("JSON.parse(sessionStorage.getItem('cpt.order')).sessionId"))

    def assert_clean(self, allowed: tuple[str, ...] = ()) -> None:
        """No script error, no CORS failure, no failed request but the ``allowed`` ones
        (``"409 /tesla/report/"``: status and a part of the URL)."""
        unexpected = [
            failure
            for failure in self.failed_responses
            if not any(
                failure.startswith(rule.split(" ", 1)[0]) and rule.split(" ", 1)[1] in failure
                for rule in allowed
            )
        ]
        assert not self.problems, self.problems
        assert not unexpected, unexpected


def save_small_png(source: Path, target: Path) -> None:
    """A screenshot for the README: a 64-colour palette keeps the PNG small in git."""
    from PIL import Image

    target.parent.mkdir(parents=True, exist_ok=True)
    with Image.open(source) as image:
        image.convert("RGB").quantize(colors=64).save(target, optimize=True)


@pytest.fixture
def clean_store(firestore_db: Any) -> None:
    """An empty Firestore and no cached commerce data: the tests' own vouchers and price book
    (app_env's files) apply, whatever an earlier test on this pytest worker published."""
    from shared.pricing.book import clear_commerce_cache

    clear_commerce_cache()


@pytest.fixture
def journey(
    chromium: Any,
    wui: str,
    request: pytest.FixtureRequest,
    tesla_for_browser: TeslaSimulator,
    clean_store: None,
) -> Iterator[Journey]:
    folder = ARTIFACTS / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    viewport = PHONE if request.node.get_closest_marker("phone") else DESKTOP
    context = chromium.new_context(viewport=viewport, accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    trip = Journey(page=page, wui=wui, folder=folder)

    def on_console(message: Any) -> None:
        trip.console.append(f"[{message.type}] {message.text} ({message.location.get('url')})")
        if CORS_FAILURE.search(message.text):
            trip.problems.append(f"CORS: {message.text}")
        elif message.type == "error" and not message.text.startswith("Failed to load resource"):
            trip.problems.append(f"console error: {message.text}")

    def on_response(response: Any) -> None:
        # Our own origins only: the simulators' pages may lack a favicon.
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            trip.failed_responses.append(f"{response.status} {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: trip.problems.append(f"page error: {error}"))

    def on_request_failed(request: Any) -> None:
        # A link to a PDF (Content-Disposition: attachment) becomes a download: Chromium ends
        # that navigation with ERR_ABORTED, which is not a failure.
        download = request.is_navigation_request() and request.failure == "net::ERR_ABORTED"
        if not download:
            trip.problems.append(f"request failed: {request.url} ({request.failure})")

    page.on("requestfailed", on_request_failed)
    page.on("response", on_response)
    try:
        yield trip
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            page.screenshot(path=str(folder / "failure.png"), full_page=True)
            (folder / "console.log").write_text("\n".join(trip.console) + "\n")
            (folder / "failed-requests.log").write_text("\n".join(trip.failed_responses) + "\n")
        context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)  # the journey fixture reads it at teardown
    return report


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "phone: run the journey at a phone's viewport")
