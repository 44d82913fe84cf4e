"""The public side: a share link's page and PDF, a report's document page, and checking a PDF
(its exact bytes, or a digest) against what we issued. Nothing here needs or shows a session.

Abuse: every public request counts against a per-client-IP window in Firestore
(``rate_limits``: the client key is hashed, the counter expires with its window — the only
place an address is kept); Cloud Armor limits the same paths in front (infra/sharing.tf).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from shared.delivery import issued, report_store
from shared.delivery.issued import IssuedReport
from shared.delivery.reading import public_api_base
from shared.platform import rate_limits, signing
from shared.platform.settings import Settings
from shared.product.languages import ReportLanguage
from shared.reports.localisation import catalogue
from shared.sharing import links, pages
from shared.sharing.models import VerifiedCar, VerifyResponse

logger = logging.getLogger(__name__)

KEYS_PATH = "/.well-known/cpt-report-keys.json"
UPLOAD_PATH = "/verify"  # the route of POST /verify (functions/routes.py)


@dataclass(frozen=True)
class Page:
    html: str
    status: int
    language: ReportLanguage


def limit_public(settings: Settings, client_ip: str) -> None:
    """429 once one address used up its window of public share/verify requests."""
    rate_limits.enforce(
        settings,
        name="verify",
        client=client_ip,
        limit=settings.verify_rate_limit,
        window_s=settings.verify_rate_window_s,
    )


def _links(settings: Settings, **extra: str | None) -> pages.Links:
    prefix = settings.api_prefix
    return pages.Links(keys_href=prefix + KEYS_PATH, **extra)


def signature_valid(settings: Settings, report: IssuedReport) -> bool:
    keys = signing.signer(settings).public_keys()
    statement = issued.signed_statement(report.content_sha256)
    return signing.verify(keys, report.key_id, statement, report.signature)


def share_page(settings: Settings, token: str, language: ReportLanguage) -> Page:
    """The page of a share link: 200 with the report, 410 closed, 404 unknown. Counts an open."""
    try:
        record = links.open_link(settings, token)
        report = links.current_report(settings, record)
    except links.LinkUnknown:
        return unknown_page(settings, language)
    except links.LinkClosed as closed:
        return closed_page(settings, closed.state, language)
    stored = report_store.load_report_json(settings, report.json_path)
    view = pages.report_view(
        report, stored, language, signature_valid=signature_valid(settings, report)
    )
    prefix = settings.api_prefix
    html = pages.render(
        "share",
        language,
        _links(
            settings,
            pdf_href=f"{prefix}/verify/{token}/pdf" if report.pdf_path else None,
            document_href=prefix + issued.document_path(report.content_sha256),
        ),
        **view,
        expires=pages.date_text(record.valid_until, language),
    )
    return Page(html, 200, language)


def unknown_page(settings: Settings, language: ReportLanguage) -> Page:
    t = pages.words(language)
    html = pages.render(
        "unknown", language, _links(settings), heading=t["unknown_title"], message=t["unknown_link"]
    )
    return Page(html, 404, language)


def closed_page(settings: Settings, state: str, language: ReportLanguage) -> Page:
    t = pages.words(language)
    message = {"revoked": t["closed_revoked"], "used_up": t["closed_used_up"]}.get(
        state, t["closed_expired"]
    )
    html = pages.render(
        "closed", language, _links(settings), heading=t["closed_title"], message=message
    )
    return Page(html, 410, language)


def share_pdf(settings: Settings, token: str) -> tuple[bytes, str]:
    """The shared car's PDF (counts an open). LinkUnknown / LinkClosed as for the page."""
    record = links.open_link(settings, token)
    report = links.current_report(settings, record)
    pdf = report_store.load_pdf(settings, report.pdf_path) if report.pdf_path else None
    if pdf is None:
        raise links.LinkClosed("expired")
    return pdf, f"car-pulse-report-{report.order_id}-{report.vin_masked[-8:-4]}.pdf"


def document_page(settings: Settings, content_sha256: str, language: ReportLanguage) -> Page:
    """The public page of one issued report, by the content digest printed in its PDF."""
    report = issued.by_content(settings, content_sha256.lower())
    t = pages.words(language)
    if report is None:
        html = pages.render(
            "unknown", language, _links(settings, upload_href=settings.api_prefix + UPLOAD_PATH),
            heading=t["result_not_issued"], message=t["result_not_issued_detail"],
        )  # fmt: skip
        return Page(html, 404, language)
    stored = report_store.load_report_json(settings, report.json_path)
    view = pages.report_view(
        report, stored, language, signature_valid=signature_valid(settings, report)
    )
    html = pages.render(
        "document",
        language,
        _links(settings, upload_href=settings.api_prefix + UPLOAD_PATH),
        **view,
    )
    return Page(html, 200, language)


def verify_digest(settings: Settings, sha256: str) -> VerifyResponse:
    """A PDF's SHA-256, or the content digest printed in a report."""
    digest = sha256.lower()
    report = issued.by_pdf(settings, digest)
    if report is not None:
        return _answer(settings, report, "pdf_file")
    report = issued.by_content(settings, digest)
    if report is not None:
        return _answer(settings, report, "content_digest")
    return VerifyResponse(issued=False, match=None)


def verify_pdf(settings: Settings, pdf: bytes) -> VerifyResponse:
    """An uploaded file: issued only if its exact bytes are a PDF we stored."""
    report = issued.by_pdf(settings, hashlib.sha256(pdf).hexdigest())
    if report is None:
        return VerifyResponse(issued=False, match=None)
    return _answer(settings, report, "pdf_file")


def _answer(settings: Settings, report: IssuedReport, match: Any) -> VerifyResponse:
    valid = signature_valid(settings, report)
    return VerifyResponse(
        issued=valid,
        match=match if valid else None,
        car=VerifiedCar(model=report.model, year=report.model_year, vin=report.vin_masked),
        report_date=report.generated_at,
        package=report.package,
        report_status=report.report_status,
        content_sha256=report.content_sha256,
        key_id=report.key_id,
        signature_valid=valid,
        document_url=public_api_base(settings, settings.api_prefix)
        + issued.document_path(report.content_sha256),
    )


def result_page(settings: Settings, answer: VerifyResponse, language: ReportLanguage) -> Page:
    """The upload form's answer as a page (a browser posting the form gets HTML)."""
    context: dict[str, Any] = {"issued": answer.issued}
    if answer.issued and answer.car is not None and answer.report_date is not None:
        labels = catalogue(language)
        context.update(
            car_line=" ".join(str(p) for p in (answer.car.year, answer.car.model) if p),
            vin=answer.car.vin,
            report_date=pages.date_text(answer.report_date, language),
            package=labels.get(f"package_{answer.package}", answer.package or ""),
        )
    html = pages.render(
        "result",
        language,
        _links(settings, upload_href=settings.api_prefix + UPLOAD_PATH),
        **context,
    )
    return Page(html, 200, language)


def busy_page(settings: Settings, language: ReportLanguage) -> Page:
    t = pages.words(language)
    html = pages.render("busy", language, _links(settings), heading="429", message=t["too_many"])
    return Page(html, 429, language)


def key_set(settings: Settings) -> dict[str, list[dict[str, str]]]:
    return signing.key_set(signing.signer(settings).public_keys())
