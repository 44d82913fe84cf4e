"""No stray pages: in every report, every page but the last is at least half full.

Measured from the PDF itself (pypdf): the lowest line of text in the page body (between the
running header and footer) tells how far down the page the content reaches. A page, not the
last, whose content ends in its top half is "mostly empty": a section forced onto a page of its
own, a note that spilled over alone, a table split after its heading.

Two tiers. The sample (integration: demo data from the Tesla simulator) renders every language ×
package once, rotating through cars chosen for what stretches the layout: ~27 PDFs, ~25 s on 2
cores. The full matrix (every language × package × demo car: 459 PDFs, ~7 CPU-minutes) is a
`system` test in a child process on two worker processes; it runs when CPT_LAYOUT_FULL=1 is set
(it would more than double the suite's wall time), or alone with

    .venv/bin/python -m tests.reports.test_layout
"""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from shared.product.catalog import PACKAGE_MODULES, Package
from shared.product.languages import SUPPORTED_LANGUAGES
from shared.reports.normalise import ModuleResult, build_report
from shared.reports.pdf import OrderSummary, render_pdf
from tests.reports.conftest import GENERATED_AT, CarInput, DemoData

REPO_ROOT = Path(__file__).resolve().parents[2]
MM = 72 / 25.4
PAGE_HEIGHT = 841.89  # A4, points
BODY_TOP = PAGE_HEIGHT - 22 * MM  # @page margins of report.css.j2: 22 mm top, 18 mm bottom
BODY_BOTTOM = 18 * MM
MIN_FILL = 0.5  # a page but the last whose content ends higher than half-way is a stray page

PACKAGES = [package.value for package in Package]
# The sample: long alert and release-note lists (JT3), many charging sessions (Family 3, Fleet
# 06), a US car in miles and °F (Blue Yonder), an older Model S (Silver S).
SAMPLE_CARS = ("JT3", "Family 3", "Fleet 06", "Blue Yonder", "Silver S")


def page_fills(pdf: bytes) -> list[float]:
    """How far down each page's body the text reaches: 0 = empty, 1 = to the footer."""
    fills: list[float] = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        lowest = BODY_TOP

        def visit(text: str, cm: Sequence[float], tm: Sequence[float], *_: object) -> None:
            nonlocal lowest
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]  # baseline in page space
            if text.strip() and BODY_BOTTOM < y < BODY_TOP:
                lowest = min(lowest, y)

        page.extract_text(visitor_text=visit)
        fills.append((BODY_TOP - lowest) / (BODY_TOP - BODY_BOTTOM))
    return fills


def stray_pages(pdf: bytes) -> list[tuple[int, float]]:
    """(page number, fill) of every page but the last that is mostly empty."""
    fills = page_fills(pdf)
    return [(number, fill) for number, fill in enumerate(fills[:-1], 1) if fill < MIN_FILL]


def _order(package: str) -> OrderSummary:
    return OrderSummary(
        order_id="CPT-2026-000123",
        package=package,  # type: ignore[arg-type]
        ordered_at=datetime(2026, 11, 1, 9, 12, tzinfo=UTC),
        vehicle_count=2,
    )


def _render(car: CarInput, package: str, language: str) -> bytes:
    report = build_report(
        vehicle=car.vehicle,
        package=package,
        modules=car.modules(),
        language=language,
        generated_at=GENERATED_AT,
    )
    return render_pdf(report, order=_order(package), language=language)


def _verdict(car: CarInput, package: str, language: str) -> tuple[str, int, int, str | None]:
    """(document, pages, bytes, problem or None) for one rendered report."""
    pdf = _render(car, package, language)
    document = f"{car.vehicle['display_name']} / {package} / {language}"
    stray = stray_pages(pdf)
    problem = (
        f"{document}: " + ", ".join(f"page {page} only {fill:.0%} full" for page, fill in stray)
        if stray
        else None
    )
    return document, len(PdfReader(io.BytesIO(pdf)).pages), len(pdf), problem


def _sample(demo: DemoData) -> Iterator[tuple[CarInput, str, str]]:
    cars = [demo.car(name) for name in SAMPLE_CARS]
    for row, language in enumerate(SUPPORTED_LANGUAGES):
        for column, package in enumerate(PACKAGES):
            yield cars[(row + column) % len(cars)], package, language


def test_page_fill_measures_the_lowest_line() -> None:
    html = "<p>one line</p>"
    from shared.platform.pdf_render import write_pdf

    pdf = write_pdf(html, stamped_at=GENERATED_AT)
    [fill] = page_fills(pdf)
    assert fill < 0.1
    assert stray_pages(pdf) == []  # the only page is the last


REAL_PAYLOADS = sorted((Path(__file__).parent / "fixtures" / "real").glob("*.json"))


@pytest.mark.parametrize("index", range(len(REAL_PAYLOADS)))
def test_no_stray_pages_with_a_real_payload(index: int) -> None:
    """Published Tesla vehicle_data samples (tests/reports/fixtures/real), one package and
    language each, rotating; the other modules are unavailable, as in test_real_payloads."""
    path = REAL_PAYLOADS[index]
    payload = json.loads(path.read_text())
    body = payload.get("response", payload)
    package = PACKAGES[index % len(PACKAGES)]
    language = SUPPORTED_LANGUAGES[index % len(SUPPORTED_LANGUAGES)]
    modules = {
        str(module): ModuleResult.unavailable("no published sample of this endpoint")
        for module in PACKAGE_MODULES[Package(package)]
    }
    modules["vehicle_data"] = ModuleResult.ok(payload)
    vehicle = {key: body[key] for key in ("id", "vin", "display_name", "state") if key in body}
    report = build_report(
        vehicle=vehicle,
        package=package,
        modules=modules,
        language=language,
        generated_at=GENERATED_AT,
    )
    pdf = render_pdf(report, order=_order(package), language=language)
    assert stray_pages(pdf) == [], f"{path.stem} / {package} / {language}"


def test_no_stray_pages_in_a_sample_of_every_language_and_package(demo: DemoData) -> None:
    problems = [problem for *_, problem in (_verdict(*case) for case in _sample(demo)) if problem]
    assert not problems, "mostly empty pages:\n" + "\n".join(problems)


@pytest.mark.skipif(
    os.environ.get("CPT_LAYOUT_FULL") != "1", reason="full matrix: set CPT_LAYOUT_FULL=1"
)
def test_no_stray_pages_in_any_language_package_and_demo_car() -> None:
    """The full matrix, in a child process (its own simulator, two rendering processes)."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.reports.test_layout"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]


def _demo_data() -> DemoData:
    from dev.serving import serve_in_thread
    from simulators.tesla_fleet import SimulatorConfig, create_app
    from tests.fixtures.tesla_sim import TeslaSimulator
    from tests.reports.conftest import DEMO_ACCOUNTS, _fetch_account

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    config = SimulatorConfig()
    app = create_app(config)
    demo = DemoData()
    with serve_in_thread(app, "tesla-sim") as url:
        simulator = TeslaSimulator(url=url, app=app, config=config)
        try:
            for account in DEMO_ACCOUNTS:
                _fetch_account(simulator, account, demo)
        finally:
            simulator.http.close()
    return demo


def main() -> int:
    """Render the full matrix; print the pages and bytes per package and every stray page."""
    demo = _demo_data()
    cases = [
        (car, package, language)
        for car in demo.cars
        for package in PACKAGES
        for language in SUPPORTED_LANGUAGES
    ]
    began = time.perf_counter()
    with ProcessPoolExecutor(max_workers=2) as pool:
        verdicts = list(pool.map(_verdict, *zip(*cases, strict=True), chunksize=4))
    seconds = time.perf_counter() - began
    problems = [problem for *_, problem in verdicts if problem]
    for package in PACKAGES:
        sizes = [(pages, size) for doc, pages, size, _ in verdicts if f" / {package} / " in doc]
        print(
            f"{package:<7} {len(sizes)} PDFs: pages {min(p for p, _ in sizes)}-"
            f"{max(p for p, _ in sizes)} (mean {sum(p for p, _ in sizes) / len(sizes):.1f}), "
            f"bytes mean {sum(b for _, b in sizes) / len(sizes):,.0f}"
        )
    print(f"{len(cases)} PDFs in {seconds:.0f} s on 2 processes; {len(problems)} with stray pages")
    print("\n".join(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
