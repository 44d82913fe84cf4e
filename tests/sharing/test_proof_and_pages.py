"""Pure parts of share and verify: signatures, digests, link states, languages, the pages."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from shared.delivery.issued import (
    IssuedReport,
    canonical_content,
    content_digest,
    signed_statement,
)
from shared.platform import errors, signing
from shared.platform.settings import Settings
from shared.reports.proof import PrintedProof, proof_html
from shared.sharing import links, pages

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SEED = bytes(range(32))


def _record(**changes) -> links.ShareRecord:
    fields = {
        "share_id": "abc",
        "owner_key": "0" * 64,
        "order_id": "ORD-1",
        "vehicle_id": 1,
        "vin_masked": "5YJ3E7EB2NF00****",
        "created_at": NOW,
        "valid_until": NOW + timedelta(days=30),
        "expires_at": NOW + timedelta(days=60),
    }
    return links.ShareRecord(**{**fields, **changes})


def test_a_link_is_active_until_it_expires_is_revoked_or_used_up() -> None:
    assert _record().state(NOW) == "active"
    assert _record().state(NOW + timedelta(days=30)) == "expired"
    assert _record(revoked=True).state(NOW) == "revoked"
    assert _record(max_opens=2, opens=1).state(NOW) == "active"
    assert _record(max_opens=2, opens=2).state(NOW) == "used_up"


def test_link_expiry_defaults_caps_and_never_outlives_the_report() -> None:
    settings = Settings()
    far = NOW + timedelta(days=365)
    assert links.valid_until(settings, NOW, far, None) == NOW + timedelta(days=30)
    assert links.valid_until(settings, NOW, far, 180) == NOW + timedelta(days=180)
    assert links.valid_until(settings, NOW, NOW + timedelta(days=5), 30) == NOW + timedelta(5)
    with pytest.raises(errors.ValidationFailed):
        links.valid_until(settings, NOW, far, 181)


def test_local_signatures_verify_with_the_published_key_and_nothing_else() -> None:
    signer = signing.LocalSigner(SEED)
    signature = signer.sign(b"statement")
    keys = signer.public_keys()
    assert signature.key_id == signer.key_id == keys[0].key_id
    assert len(signature.value) == 64 and len(signature.text) == 86
    assert signing.verify(keys, signer.key_id, b"statement", signature.text)
    assert not signing.verify(keys, signer.key_id, b"statemenT", signature.text)
    assert not signing.verify(keys, "unknown", b"statement", signature.text)
    assert not signing.verify(keys, signer.key_id, b"statement", "not-base64!")
    # Offline, with nothing but the published JWK: RFC 8037 "x" is the raw public key.
    jwk = signing.key_set(keys)["keys"][0]
    assert (jwk["kty"], jwk["crv"], jwk["kid"]) == ("OKP", "Ed25519", signer.key_id)
    raw = base64.urlsafe_b64decode(jwk["x"] + "=")
    assert hashlib.sha256(raw).hexdigest()[:16] == jwk["kid"]
    Ed25519PublicKey.from_public_bytes(raw).verify(signature.value, b"statement")
    # Deterministic: the same report re-rendered signs to the same bytes.
    assert signer.sign(b"statement") == signature


def test_content_digest_is_canonical_and_any_change_alters_it() -> None:
    report = {"b": 1, "a": {"z": [1, 2], "y": "å"}, "generated_at": "2026-12-01T12:00:00Z"}
    reordered = json.loads(json.dumps(report, indent=3, sort_keys=False))
    assert canonical_content(report) == canonical_content(reordered)
    assert content_digest(report) == hashlib.sha256(canonical_content(report)).hexdigest()
    assert content_digest({**report, "b": 2}) != content_digest(report)
    assert signed_statement("ab" * 32) == b"cpt-report-v1:" + b"ab" * 32


def test_proof_block_prints_digest_signature_key_url_and_a_qr_code() -> None:
    proof = PrintedProof(
        content_sha256="ab" * 32,
        signature="s" * 86,
        key_id="0123456789abcdef",
        verification_url="https://api.example.com/api/v1/verify/document/" + "ab" * 32,
    )
    for language in ("en", "fi", "de", "no"):
        html = proof_html(proof, language)
        for value in (proof.content_sha256, proof.signature, proof.key_id):
            assert value in html
        assert proof.verification_url in html
        assert "<svg" in html and "<script" not in html
    assert "Tarkista tämä raportti" in proof_html(proof, "fi")


@pytest.mark.parametrize(
    ("query", "header", "expected"),
    [
        ("fi", "de-DE,de;q=0.9", "fi"),
        (None, "de-DE,de;q=0.9,en;q=0.5", "de"),
        (None, "xx, sv;q=0.4, fr;q=0.8", "fr"),
        (None, "nb-NO", "no"),
        ("xx", None, "en"),
        (None, None, "en"),
    ],
)
def test_page_language_from_query_then_accept_language(query, header, expected) -> None:
    assert pages.choose_language(query, header) == expected


def test_every_page_language_has_every_key() -> None:
    catalogue = json.loads((pages._HERE / "i18n.json").read_text(encoding="utf-8"))
    assert set(catalogue) == {"en", "fi", "sv", "no", "da", "de", "fr", "es", "it"}
    for language, words in catalogue.items():
        assert set(words) == set(catalogue["en"]), language
        assert all(value.strip() for value in words.values()), language


def _issued() -> IssuedReport:
    return IssuedReport(
        content_sha256="cd" * 32,
        signature="s" * 86,
        key_id="0123456789abcdef",
        order_id="ORD-XYZ",
        owner_key="f" * 64,
        vehicle_id=42,
        vin_masked="5YJ3E7EB2NF00****",
        model="Model 3",
        model_year=2022,
        package="pro",
        report_status="complete",
        generated_at=NOW,
        modules={"vehicle_data": "ok", "charging_history": "unavailable", "options": "missing"},
        json_path="ORD-XYZ/42.json",
        issued_at=NOW,
        expires_at=NOW + timedelta(days=90),
    )


def test_the_report_page_shows_the_car_and_never_the_owner() -> None:
    stored = {
        "battery": {"battery_level_pct": 81, "health": {"health_pct": 93.4}},
        "odometer": {"value": 48211.4, "unit": "km"},
        "region_context": {"distance_unit": "km"},
    }
    view = pages.report_view(_issued(), stored, "de", signature_valid=True)
    links_ = pages.Links(keys_href="/api/v1/.well-known/cpt-report-keys.json")
    html = pages.render("document", "de", links_, **view)
    for text in ("2022 Model 3", "5YJ3E7EB2NF00****", "ORD-XYZ", "1. Dezember 2026", "93 %"):
        assert text in html, text
    assert "48.211 km" in html and "81 %" in html
    assert "f" * 64 not in html  # the owner key
    assert "<script" not in html and 'name="robots" content="noindex' in html
    assert "options" not in view["modules"]  # a module outside the package is not listed


def test_closed_page_says_so_and_nothing_else() -> None:
    links_ = pages.Links(keys_href="/k")
    html = pages.render("closed", "en", links_, heading="This link no longer works",
                        message="The owner has revoked this link.")  # fmt: skip
    assert "revoked" in html and "VIN" not in html and "<form" not in html
