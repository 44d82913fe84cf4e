"""The proof block printed at the end of a report PDF (issue 16): digest, signature, key id,
the verification address and a QR code of it.

A PDF cannot carry the digest of its own bytes, so what is signed is the report's content —
the canonical form of the stored report JSON (``shared.delivery.issued``); the PDF bytes are
registered separately when they are stored, so an uploaded file is checked exactly. The block
only lays out what it is given: it signs nothing and holds no key. Its wording, in the nine
report languages, lives in its template (``templates/proof.html.j2``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment
from markupsafe import Markup
from pydantic import BaseModel, ConfigDict

from shared.platform.templating import html_templates

from .localisation import resolve_language

_TEMPLATES = Path(__file__).resolve().parent / "templates"


class PrintedProof(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    content_sha256: str  # hex, of the canonical report JSON
    signature: str  # base64url Ed25519 signature of the signed statement
    key_id: str
    verification_url: str  # public; never holds a session id or a share token


def proof_html(proof: PrintedProof, language: str) -> str:
    """The proof block as an HTML fragment (the QR code an inline SVG image)."""
    return (
        _environment()
        .get_template("proof.html.j2")
        .render(
            lang=resolve_language(language),
            proof=proof,
            qr_svg=qr_svg(proof.verification_url),
        )
    )


def qr_svg(text: str) -> Markup:
    """A QR code of ``text`` as inline SVG (segno: pure Python, imported only here). Inline,
    not a data: URI: the PDF writer fetches no URL of any scheme."""
    import segno

    svg = segno.make(text, error="m", micro=False).svg_inline(scale=3, border=2, omitsize=True)
    return Markup(svg)  # noqa: S704  # segno's own markup of a QR matrix: no input text in it


@cache
def _environment() -> Environment:
    return html_templates(_TEMPLATES)
