"""The proof block in a real report PDF: printed in full, and no page left mostly empty by it."""

from __future__ import annotations

import io
import json

import pypdf
import pytest

from shared.delivery.issued import content_digest, signed_statement
from shared.platform import signing
from shared.reports.normalise import build_report
from shared.reports.pdf import render_pdf
from shared.reports.proof import PrintedProof
from tests.reports.conftest import GENERATED_AT
from tests.reports.test_layout import _order, stray_pages

SIGNER = signing.LocalSigner(bytes(range(32)))


@pytest.mark.parametrize(
    ("name", "package", "language"),
    [("Fleet 01", "expert", "de"), ("Family Y", "basic", "fi"), ("JT3", "pro", "en")],
)
def test_the_proof_block_prints_whole_without_stray_pages(demo, name, package, language) -> None:
    car = demo.car(name)
    report = build_report(
        vehicle=car.vehicle,
        package=package,
        modules=car.modules(),
        language=language,
        generated_at=GENERATED_AT,
    )
    digest = content_digest(json.loads(report.model_dump_json()))
    signature = SIGNER.sign(signed_statement(digest))
    proof = PrintedProof(
        content_sha256=digest,
        signature=signature.text,
        key_id=signature.key_id,
        verification_url=f"https://dev.api.carpulsetracker.com/api/v1/verify/document/{digest}",
    )
    plain = render_pdf(report, order=_order(package), language=language)
    signed = render_pdf(report, order=_order(package), language=language, proof=proof)
    assert signed == render_pdf(report, order=_order(package), language=language, proof=proof)
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(signed)).pages)
    flat = text.replace("\n", "").replace(" ", "")
    for printed in (digest, signature.text, signature.key_id, "/verify/document/"):
        assert printed in flat, printed
    assert stray_pages(signed) == []
    assert len(signed) - len(plain) < 40_000  # the block and its QR code are small
