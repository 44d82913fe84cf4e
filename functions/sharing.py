"""Share and verify (issue 16; docs/sharing.md).

The owner (holder of the session id): POST /tesla/report/{id}/share, GET /tesla/report/{id}/shares,
DELETE /tesla/report/{id}/shares/{share_id}. Anyone: GET /verify/{token} (the page),
GET /verify/{token}/pdf, GET /verify/document/{digest}, POST /verify (a PDF or a digest),
GET /.well-known/cpt-report-keys.json.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

import functions_framework
from pydantic import ValidationError
from werkzeug.wrappers import Response

from functions.routes import endpoint
from shared.delivery.issued import is_sha256
from shared.delivery.reading import public_api_base
from shared.platform import errors
from shared.platform.http import Call, json_response, read_body, validation_problems
from shared.product.languages import ReportLanguage
from shared.sharing import links, pages, verification
from shared.sharing.models import (
    KeySetResponse,
    ShareCreated,
    ShareListResponse,
    ShareView,
    VerifyDigestRequest,
    VerifyResponse,
)

# Multipart framing around the file (boundaries, part headers, the language field).
MULTIPART_OVERHEAD_BYTES = 16 * 1024


@functions_framework.http
@endpoint("tesla_report_share_create")
def tesla_report_share_create(call: Call) -> ShareCreated:
    body = call.body
    record, token = links.create(
        call.settings,
        call.path_params["session_id"],
        body.vehicle_id,
        days=body.expires_in_days,
        max_opens=body.max_opens,
    )
    base = public_api_base(call.settings, call.settings.api_prefix)
    return ShareCreated(
        **links.public_fields(record, datetime.now(UTC)),
        url=f"{base}/verify/{token}",
        pdf_url=f"{base}/verify/{token}/pdf",
    )


@functions_framework.http
@endpoint("tesla_report_shares")
def tesla_report_shares(call: Call) -> ShareListResponse:
    now = datetime.now(UTC)
    records = links.list_for_owner(call.settings, call.path_params["session_id"])
    return ShareListResponse(
        shares=[ShareView(**links.public_fields(record, now)) for record in records]
    )


@functions_framework.http
@endpoint("tesla_report_share_revoke")
def tesla_report_share_revoke(call: Call) -> ShareView:
    record = links.revoke(
        call.settings, call.path_params["session_id"], call.path_params["share_id"]
    )
    return ShareView(**links.public_fields(record, datetime.now(UTC)))


def _language(call: Call, form_lang: str | None = None) -> ReportLanguage:
    return pages.choose_language(
        form_lang or call.request.args.get("lang"), call.request.headers.get("Accept-Language")
    )


def _page(page: verification.Page) -> Response:
    return pages.page_response(page.html, page.status, page.language)


def _limited_page(call: Call, language: ReportLanguage) -> Response | None:
    """The busy page (429) once the caller's address used up its window; None otherwise."""
    try:
        verification.limit_public(call.settings, call.client_ip)
    except errors.TooManyRequests as busy:
        response = _page(verification.busy_page(call.settings, language))
        response.headers.update(busy.headers())
        return response
    return None


def _token(call: Call) -> str:
    """The link's token; a path segment of another shape is the API's JSON 404 (only a
    well-formed token gets a page, so probing paths costs no page render and no count)."""
    token = call.path_params["token"]
    if not links.TOKEN_PATTERN.match(token):
        raise errors.NotFound("No such share link.")
    return token


@functions_framework.http
@endpoint("verify_share_page")
def verify_share_page(call: Call) -> Response:
    token = _token(call)
    language = _language(call)
    busy = _limited_page(call, language)
    if busy is not None:
        return busy
    return _page(verification.share_page(call.settings, token, language))


@functions_framework.http
@endpoint("verify_share_pdf")
def verify_share_pdf(call: Call) -> Response:
    token = _token(call)
    language = _language(call)
    busy = _limited_page(call, language)
    if busy is not None:
        return busy
    try:
        pdf, filename = verification.share_pdf(call.settings, token)
    except links.LinkUnknown:
        return _page(verification.unknown_page(call.settings, language))
    except links.LinkClosed as closed:
        return _page(verification.closed_page(call.settings, closed.state, language))
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers.update(pages.PAGE_HEADERS)
    return response


@functions_framework.http
@endpoint("verify_document_page")
def verify_document_page(call: Call) -> Response:
    digest = call.path_params["content_sha256"].lower()
    if not is_sha256(digest):
        raise errors.NotFound("No such report.")
    language = _language(call)
    busy = _limited_page(call, language)
    if busy is not None:
        return busy
    return _page(verification.document_page(call.settings, digest, language))


@functions_framework.http
@endpoint("verify_report")
def verify_report(call: Call) -> Response:
    """A JSON digest, a raw PDF body, or the page's upload form (multipart); a browser posting
    the form gets the answer as a page, anyone else as JSON."""
    verification.limit_public(call.settings, call.client_ip)
    content_type = call.request.mimetype
    form_lang: str | None = None
    if content_type == "application/json":
        answer = verification.verify_digest(call.settings, _digest_body(call).sha256)
    elif content_type == "application/pdf":
        answer = verification.verify_pdf(call.settings, _upload_body(call))
    elif content_type == "multipart/form-data":
        pdf, form_lang = _multipart_file(call)
        answer = verification.verify_pdf(call.settings, pdf)
    else:
        raise errors.UnsupportedMediaType(
            "Send application/json {sha256}, application/pdf, or multipart/form-data (file)."
        )
    if call.request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html":
        page = verification.result_page(call.settings, answer, _language(call, form_lang))
        return _page(page)
    return _answer_json(answer)


def _digest_body(call: Call) -> VerifyDigestRequest:
    try:
        return VerifyDigestRequest.model_validate_json(call.raw_body() or b"{}")
    except ValidationError as error:
        raise errors.ValidationFailed(validation_problems(error, "body")) from None


def _answer_json(answer: VerifyResponse) -> Response:
    return json_response(answer.model_dump(mode="json"), 200, {"Cache-Control": "no-store"})


def _upload_body(call: Call) -> bytes:
    return read_body(call.request, call.settings.verify_upload_max_bytes)


def _multipart_file(call: Call) -> tuple[bytes, str | None]:
    """The ``file`` part of a multipart body read with a size cap (never spooled unbounded)."""
    from werkzeug.formparser import parse_form_data

    limit = call.settings.verify_upload_max_bytes
    raw = read_body(call.request, limit + MULTIPART_OVERHEAD_BYTES)
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": call.request.headers.get("Content-Type", ""),
        "CONTENT_LENGTH": str(len(raw)),
        "wsgi.input": io.BytesIO(raw),
    }
    _, form, files = parse_form_data(environ)
    upload = files.get("file")
    if upload is None:
        raise errors.ValidationFailed([{"field": "file", "problem": "is required (a PDF)"}])
    pdf = upload.read(limit + 1)
    if len(pdf) > limit:
        raise errors.PayloadTooLarge(f"The file is larger than {limit} bytes.")
    return pdf, form.get("lang")


@functions_framework.http
@endpoint("report_keys")
def report_keys(call: Call) -> KeySetResponse:
    return KeySetResponse.model_validate(verification.key_set(call.settings))
