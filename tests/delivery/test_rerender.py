"""POST /tesla/vehicle-report/pdf: a car's PDF in another language, from the stored report only;
``pdf_url`` usable as it is; an Expert order's specs go out with the partner token."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from urllib.parse import urlsplit

import pypdf
import pytest

from shared.delivery.rerender import language_pdf_path
from shared.platform.settings import get_settings
from tests.delivery.conftest import pay_free, wait_for_status

ENDPOINT = "/api/v1/tesla/vehicle-report/pdf"


class _Messages(logging.Handler):
    """Collects a logger's messages (setup_logging drops stream handlers such as rerender_log's)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

    def clear(self) -> None:
        self.messages.clear()


@pytest.fixture
def rerender_log() -> Iterator[_Messages]:
    handler = _Messages()
    logger = logging.getLogger("shared.delivery.rerender")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_language_pdfs_are_stored_beside_the_report() -> None:
    assert language_pdf_path("ORD-1/42.json", "fi") == "ORD-1/42.fi.pdf"
    assert language_pdf_path("ORD-1/42.g2.json", "de") == "ORD-1/42.g2.de.pdf"


def test_expert_order_pdf_in_finnish_once_and_a_usable_pdf_url(
    order, fast_tesla, rerender_log: _Messages
) -> None:
    pay_free(order, account="solo", package="expert")
    wait_for_status(order, "complete")

    body = order.gateway.get(f"/api/v1/tesla/report/{order.session_id}").json
    (car,) = body["vehicles"]
    report = body["reports"][str(car["id"])]
    # Specs went out with our partner token, and the Expert report is complete.
    assert report["status"] == "complete" and report["specs"] is not None
    specs_calls = fast_tesla.ledger(endpoint="specs")["entries"]
    assert [(e["status"], e["token_type"]) for e in specs_calls] == [(200, "partner")]

    # pdf_url: an absolute URL on the API's public origin, usable as it is.
    url = urlsplit(car["pdf_url"])
    redirect = urlsplit(get_settings().tesla_redirect_uri)
    assert (url.scheme, url.netloc) == (redirect.scheme, redirect.netloc)
    assert "{" not in car["pdf_url"] and order.session_id in url.path
    assert order.gateway.get(url.path).data.startswith(b"%PDF")

    request = {"session_id": order.session_id, "vehicle_id": car["id"], "language": "fi"}
    first = order.gateway.post(ENDPOINT, json=request)
    assert first.status_code == 200 and first.data.startswith(b"%PDF")
    assert first.headers["Content-Disposition"].endswith('-fi.pdf"')
    assert "Ajoneuvon kuntoraportti" in _text(first.data)  # the Finnish title
    assert "report pdf rendered in another language" in rerender_log.messages

    rerender_log.clear()
    second = order.gateway.post(ENDPOINT, json=request)
    assert second.data == first.data
    assert rerender_log.messages.count("report pdf served from storage") == 1
    assert "report pdf rendered in another language" not in rerender_log.messages

    # The order's own language is the PDF the worker stored: served, never rendered.
    rerender_log.clear()
    english = order.gateway.post(ENDPOINT, json={**request, "language": "en"})
    assert english.data == order.gateway.get(url.path).data
    assert "report pdf rendered in another language" not in rerender_log.messages


def test_cars_outside_the_order_unpaid_orders_and_report_data_are_refused(order) -> None:
    order.ready("family", "pro")  # selected and quoted, not paid
    car_id = order.cars()[0]["id"]
    request = {"session_id": order.session_id, "vehicle_id": car_id, "language": "fi"}

    assert order.gateway.post(ENDPOINT, json=request).status_code == 409  # before payment
    forged = {**request, "report": {"battery": {"level": 100}}}
    assert order.gateway.post(ENDPOINT, json=forged).status_code == 422  # no report data taken
    assert order.gateway.post(ENDPOINT, json={**request, "language": "xx"}).status_code == 422


def test_a_car_outside_the_order_is_404(order, fast_tesla) -> None:
    pay_free(order, account="solo", package="basic")
    wait_for_status(order, "complete")
    request = {"session_id": order.session_id, "vehicle_id": 3744180002000017, "language": "fi"}
    assert order.gateway.post(ENDPOINT, json=request).status_code == 404
