"""Reports we issued: the signed proof printed in each PDF, and the register a buyer checks.

Why two digests (docs/sharing.md, "Proof"):

- A PDF cannot contain the digest of its own bytes (printing it changes them). So the proof
  printed in the PDF is over the report's *content*: SHA-256 of the canonical form of the stored
  report JSON (keys sorted, no whitespace, UTF-8), signed as the statement
  ``cpt-report-v1:<hex digest>`` with our key (``shared.platform.signing``). The same report in
  any language has the same content digest, and its verification address
  ``/verify/document/<content digest>`` (printed, and as a QR code) needs no share token and
  no session.
- The exact bytes of every PDF we store are registered too (SHA-256 of the file), so an
  uploaded file is checked exactly: one edited byte and it is not a document we issued.

One Firestore document per report content, ``issued_reports/{content digest}``: what the public
verification answers (masked VIN, model, year, package, report date, outcomes), the PDFs' byte
digests, where the report lives, and the order it belongs to (order reference and the session
*key* — the SHA-256 the sessions collection is keyed by, never the session id — so the owner can
manage share links for the report's whole life, after the order session itself has expired).
It expires with the stored report (``reports_retention_days`` after it is issued).
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from shared.platform.clients import firestore_client
from shared.platform.settings import Settings

if TYPE_CHECKING:
    from google.cloud.firestore import CollectionReference

    from shared.reports.proof import PrintedProof

logger = logging.getLogger(__name__)

STATEMENT_PREFIX = "cpt-report-v1:"


class IssuedReport(BaseModel):
    """``issued_reports/{content_sha256}``."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    content_sha256: str
    signature: str
    key_id: str
    order_id: str
    owner_key: str  # the order session's key (SHA-256 of the session id), for the owner only
    vehicle_id: int
    vin_masked: str
    model: str | None = None
    model_year: int | None = None
    package: str
    report_status: str
    generated_at: datetime
    modules: dict[str, str] = Field(default_factory=dict)  # module → outcome
    json_path: str
    pdf_path: str | None = None  # the order-language PDF the worker stored
    pdf_sha256: list[str] = Field(default_factory=list)  # every PDF issued for this content
    generation: int = 0
    issued_at: datetime
    expires_at: datetime  # Firestore TTL: with the stored report


def canonical_content(report: dict[str, Any]) -> bytes:
    """Pure: the bytes the content digest is taken over."""
    return json.dumps(report, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_digest(report: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_content(report)).hexdigest()


def signed_statement(content_sha256: str) -> bytes:
    """Pure: what the signature is over (a versioned prefix, so it can mean nothing else)."""
    return f"{STATEMENT_PREFIX}{content_sha256}".encode()


def document_path(content_sha256: str) -> str:
    """The public verification path of a report (below the API prefix)."""
    return f"/verify/document/{content_sha256}"


def prepare_proof(settings: Settings, report: dict[str, Any]) -> PrintedProof | None:
    """The signed proof to print in the report's PDF; None (logged) if signing failed — the
    report is still delivered, without the block, and is then not verifiable."""
    from shared.delivery.reading import public_api_base
    from shared.platform.signing import signer
    from shared.reports.proof import PrintedProof

    digest = content_digest(report)
    try:
        signature = signer(settings).sign(signed_statement(digest))
    except Exception:
        logger.exception("report signing failed")
        return None
    return PrintedProof(
        content_sha256=digest,
        signature=signature.text,
        key_id=signature.key_id,
        verification_url=public_api_base(settings, settings.api_prefix) + document_path(digest),
    )


def collection(settings: Settings) -> CollectionReference:
    return firestore_client().collection(settings.issued_reports_collection)


def register(
    settings: Settings,
    *,
    owner_key: str,
    order_id: str,
    vehicle_id: int,
    report: dict[str, Any],
    proof: PrintedProof,
    pdf: bytes,
    json_path: str,
    pdf_path: str | None,
    generation: int | None = None,
) -> str:
    """Record a stored PDF (and its report, the first time); returns the PDF's SHA-256.

    Idempotent: the report's fields are set again as they are, and the PDF digest is added to
    a set (a re-rendered PDF of the same report is byte-identical anyway). ``pdf_path`` is the
    worker's order-language PDF (with its task ``generation``); a PDF in another language passes
    neither and leaves them as they are.
    """
    from google.cloud import firestore

    pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    identity = report.get("identity") or {}
    now = datetime.now(UTC)
    fields: dict[str, Any] = {
        "content_sha256": proof.content_sha256,
        "signature": proof.signature,
        "key_id": proof.key_id,
        "order_id": order_id,
        "owner_key": owner_key,
        "vehicle_id": vehicle_id,
        "vin_masked": identity.get("vin_masked") or "",
        "model": identity.get("model"),
        "model_year": identity.get("model_year"),
        "package": str(report.get("package")),
        "report_status": str(report.get("status")),
        "generated_at": datetime.fromisoformat(str(report["generated_at"])),
        "modules": {m["module"]: m["outcome"] for m in report.get("modules") or []},
        "json_path": json_path,
        "pdf_sha256": firestore.ArrayUnion([pdf_sha256]),
        "issued_at": now,
        "expires_at": now + timedelta(days=settings.reports_retention_days),
    }
    if pdf_path is not None:
        fields["pdf_path"] = pdf_path
    if generation is not None:
        fields["generation"] = generation
    collection(settings).document(proof.content_sha256).set(fields, merge=True)
    return pdf_sha256


def by_content(settings: Settings, content_sha256: str) -> IssuedReport | None:
    """The issued report with this content digest (None: unknown, or past its retention)."""
    if not is_sha256(content_sha256):
        return None
    snapshot = collection(settings).document(content_sha256).get()
    return _live(snapshot.to_dict() if snapshot.exists else None)


def by_pdf(settings: Settings, pdf_sha256: str) -> IssuedReport | None:
    """The issued report one of whose PDFs has exactly these bytes' SHA-256."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    if not is_sha256(pdf_sha256):
        return None
    matches = (
        collection(settings)
        .where(filter=FieldFilter("pdf_sha256", "array_contains", pdf_sha256))
        .limit(1)
        .get()
    )
    return _live(matches[0].to_dict() if matches else None)


def of_car(settings: Settings, owner_key: str, vehicle_id: int) -> list[IssuedReport]:
    """The reports issued for one car of one order, newest first (equality filters only: no
    composite index needed)."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    query = (
        collection(settings)
        .where(filter=FieldFilter("owner_key", "==", owner_key))
        .where(filter=FieldFilter("vehicle_id", "==", vehicle_id))
    )
    found = [_live(snapshot.to_dict()) for snapshot in query.stream()]
    live = [report for report in found if report is not None]
    return sorted(live, key=lambda r: (r.generation, r.issued_at), reverse=True)


def _live(document: dict[str, Any] | None) -> IssuedReport | None:
    if document is None:
        return None
    issued = IssuedReport.model_validate(document)
    return issued if issued.expires_at > datetime.now(UTC) else None


def is_sha256(value: str) -> bool:
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)
