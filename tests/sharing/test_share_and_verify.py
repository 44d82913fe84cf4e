"""Share links and the public verification pages, end to end on the local cloud: a paid family
order (two cars), a link for one car, its page and PDF, the other car and the receipt out of
reach, revocation and expiry (410), exact-byte PDF verification, the key set, abuse limits."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pypdf
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from shared.delivery import issued
from shared.platform.clients import firestore_client
from shared.platform.settings import get_settings
from shared.sharing import links
from tests.delivery.conftest import pay_free, wait_for_status

API = "/api/v1"
SAVED_PAGES = Path(__file__).resolve().parents[2] / ".local" / "sharing"


@pytest.fixture
def paid(order, fast_tesla, seen_secrets):
    """The family order paid (100 % voucher) and complete: both cars' reports built."""
    pay_free(order, account="family", package="pro")
    wait_for_status(order, "complete")
    seen_secrets.add(order.session_id)
    return order


def _cars(order) -> list[dict]:
    return order.gateway.get(f"{API}/tesla/report/{order.session_id}").json["vehicles"]


def _share(order, vehicle_id, seen_secrets=None, **extra):
    response = order.gateway.post(
        f"{API}/tesla/report/{order.session_id}/share",
        json={"vehicle_id": vehicle_id, **extra},
    )
    assert response.status_code == 201, response.json
    token = response.json["url"].rsplit("/", 1)[1]
    if seen_secrets is not None:
        seen_secrets.add(token)
    return response.json, token


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def _set_share(token: str, **fields) -> None:
    collection = firestore_client().collection(get_settings().shares_collection)
    collection.document(links.token_hash(token)).update(fields)


def test_share_page_pdf_and_nothing_else_of_the_order(paid, seen_secrets) -> None:
    order = paid
    first, second = _cars(order)
    created, token = _share(order, str(first["id"]), seen_secrets)
    assert created["state"] == "active" and created["opens"] == 0
    assert created["vin"] == first["vin"] and created["vehicle_id"] == str(first["id"])
    expires = datetime.fromisoformat(created["expires_at"])
    assert abs(expires - (datetime.now(UTC) + timedelta(days=30))) < timedelta(minutes=5)
    assert order.session_id not in json.dumps(created)

    page = order.gateway.get(f"{API}/verify/{token}", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    SAVED_PAGES.mkdir(parents=True, exist_ok=True)
    (SAVED_PAGES / "verify-page.en.html").write_text(html, encoding="utf-8")
    assert first["model"] in html and str(first["year"]) in html and first["vin"] in html
    assert second["vin"] not in html
    session = order.session()
    for shown in ("Pro", "Battery", "Battery level", "Vehicle data", "This link works until",
                  session.order_id, "Signature valid", f"/verify/{token}/pdf"):  # fmt: skip
        assert shown in html, shown
    assert order.session_id not in html and session.session_key not in html
    assert "<script" not in html
    headers = page.headers
    assert headers["Cache-Control"] == "no-store, private"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "noindex" in headers["X-Robots-Tag"] and 'content="noindex' in html
    assert "default-src 'none'" in headers["Content-Security-Policy"]

    finnish = order.gateway.get(f"{API}/verify/{token}?lang=fi").get_data(as_text=True)
    assert "Auton kuntoraportti" in finnish and "Akku" in finnish
    (SAVED_PAGES / "verify-page.fi.html").write_text(finnish, encoding="utf-8")

    pdf = order.gateway.get(f"{API}/verify/{token}/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    own = order.gateway.get(f"{API}/tesla/report/{order.session_id}/pdf/{first['id']}").data
    assert pdf.data == own  # exactly the stored PDF of that car
    assert order.session_id.encode() not in pdf.data and order.session_id not in _text(pdf.data)
    assert "/verify/document/" in _text(pdf.data)  # the proof block with its address

    # The token opens that car only: not the order, the other car, or the receipt.
    elsewhere = ("", "/receipt", f"/pdf/{second['id']}", f"/pdf/{first['id']}", "/shares")
    for suffix in elsewhere:
        path = f"/tesla/report/{token}{suffix}"
        assert order.gateway.get(API + path).status_code in (404, 410), path
    assert order.gateway.get(f"{API}/verify/{token}/pdf/{second['id']}").status_code == 404

    listed = order.gateway.get(f"{API}/tesla/report/{order.session_id}/shares").json["shares"]
    assert [(s["share_id"], s["opens"]) for s in listed] == [(created["share_id"], 3)]
    assert token not in json.dumps(listed)


def test_revoked_and_expired_links_answer_410_and_say_nothing_else(paid, seen_secrets) -> None:
    order = paid
    car = _cars(order)[0]
    revoked, revoked_token = _share(order, car["id"], seen_secrets)
    expired, expired_token = _share(order, car["id"], seen_secrets)
    capped, capped_token = _share(order, car["id"], seen_secrets, max_opens=1)

    path = f"{API}/tesla/report/{order.session_id}/shares/{revoked['share_id']}"
    answer = order.gateway.delete(path)
    assert answer.status_code == 200 and answer.json["state"] == "revoked"
    assert order.gateway.delete(path).json["state"] == "revoked"  # idempotent
    gone = order.gateway.get(f"{API}/verify/{revoked_token}")
    html = gone.get_data(as_text=True)
    assert gone.status_code == 410 and "revoked" in html
    assert car["vin"] not in html and car["model"] not in html and "<form" not in html
    assert order.gateway.get(f"{API}/verify/{revoked_token}/pdf").status_code == 410

    # Time moves on for the link: its end is put in the past, as the clock would.
    _set_share(expired_token, valid_until=datetime.now(UTC) - timedelta(seconds=1))
    gone = order.gateway.get(f"{API}/verify/{expired_token}", headers={"Accept-Language": "de"})
    assert gone.status_code == 410 and "abgelaufen" in gone.get_data(as_text=True)
    assert car["vin"] not in gone.get_data(as_text=True)

    assert order.gateway.get(f"{API}/verify/{capped_token}").status_code == 200
    assert order.gateway.get(f"{API}/verify/{capped_token}/pdf").status_code == 410

    listed = order.gateway.get(f"{API}/tesla/report/{order.session_id}/shares").json["shares"]
    assert {s["share_id"]: s["state"] for s in listed} == {
        revoked["share_id"]: "revoked",
        expired["share_id"]: "expired",
        capped["share_id"]: "used_up",
    }
    assert order.gateway.get(f"{API}/verify/{'x' * 43}").status_code == 404


def test_link_rules_owner_only_and_limits(paid, seen_secrets) -> None:
    order = paid
    car = _cars(order)[0]
    base = f"{API}/tesla/report/{order.session_id}/share"
    too_long = order.gateway.post(base, json={"vehicle_id": car["id"], "expires_in_days": 181})
    assert too_long.status_code == 422
    outside = order.gateway.post(base, json={"vehicle_id": "1234567"})
    assert outside.status_code == 404  # not a car of this order
    stranger = order.gateway.post(
        f"{API}/tesla/report/{'A' * 43}/share", json={"vehicle_id": car["id"]}
    )
    assert stranger.status_code == 404
    assert order.gateway.get(f"{API}/tesla/report/{'A' * 43}/shares").status_code == 404
    created, _ = _share(order, car["id"], seen_secrets, expires_in_days=180)
    report = issued.of_car(get_settings(), order.session().session_key, int(car["id"]))[0]
    # Never after the stored report is deleted (reports_retention_days after it was issued).
    assert datetime.fromisoformat(created["expires_at"]) == report.expires_at
    assert report.expires_at - report.issued_at == timedelta(days=90)


def test_share_works_after_the_order_session_expired(paid, seen_secrets) -> None:
    """The owner keeps the report's whole life: the session's own expiry does not matter."""
    from shared.orders import sessions

    order = paid
    sessions.update_session_by_key(
        get_settings(),
        order.session().session_key,
        lambda s: s.model_copy(update={"expires_at": datetime.now(UTC) - timedelta(seconds=1)}),
        allow_expired=True,
    )
    assert order.gateway.get(f"{API}/tesla/report/{order.session_id}").status_code == 410
    shares = order.gateway.get(f"{API}/tesla/report/{order.session_id}/shares")
    assert shares.status_code == 200
    vehicle_id = _issued_vehicle(order)
    _, token = _share(order, vehicle_id, seen_secrets)
    assert order.gateway.get(f"{API}/verify/{token}").status_code == 200


def _issued_vehicle(order) -> str:
    from google.cloud.firestore_v1.base_query import FieldFilter

    key = hashlib.sha256(order.session_id.encode()).hexdigest()
    documents = (
        issued.collection(get_settings()).where(filter=FieldFilter("owner_key", "==", key)).get()
    )
    return str(documents[0].to_dict()["vehicle_id"])


def test_a_pdf_edited_by_one_byte_is_not_ours_and_the_original_is(paid) -> None:
    order = paid
    car = _cars(order)[0]
    original = order.gateway.get(f"{API}/tesla/report/{order.session_id}/pdf/{car['id']}").data

    upload = order.gateway.post(f"{API}/verify", data=original, content_type="application/pdf")
    answer = upload.json
    assert upload.status_code == 200 and answer["issued"] is True, answer
    assert answer["match"] == "pdf_file" and answer["signature_valid"] is True
    assert answer["car"]["vin"] == car["vin"] and answer["package"] == "pro"
    assert order.session_id not in json.dumps(answer)

    middle = len(original) // 2
    edited = original[:middle] + bytes([original[middle] ^ 0x01]) + original[middle + 1 :]
    refused = order.gateway.post(f"{API}/verify", data=edited, content_type="application/pdf")
    assert refused.json["issued"] is False and refused.json["match"] is None
    assert refused.json["car"] is None and refused.json["content_sha256"] is None

    # The page's form (multipart) from a browser gets a page; the digest alone works too.
    form = order.gateway.post(
        f"{API}/verify",
        data={"file": (io.BytesIO(original), "report.pdf"), "lang": "fi"},
        content_type="multipart/form-data",
        headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"},
    )
    assert form.status_code == 200 and "myöntämämme raportti" in form.get_data(as_text=True)
    by_digest = order.gateway.post(
        f"{API}/verify", json={"sha256": hashlib.sha256(original).hexdigest()}
    )
    assert by_digest.json["issued"] is True and by_digest.json["match"] == "pdf_file"
    by_content = order.gateway.post(f"{API}/verify", json={"sha256": answer["content_sha256"]})
    assert by_content.json["match"] == "content_digest"
    assert order.gateway.post(f"{API}/verify", json={"sha256": "00" * 32}).json["issued"] is False
    assert order.gateway.post(f"{API}/verify", json={"sha256": "nope"}).status_code == 422

    # The printed address needs no token: the document page, with the upload form.
    document = order.gateway.get(f"{API}/verify/document/{answer['content_sha256']}")
    html = document.get_data(as_text=True)
    assert document.status_code == 200 and car["vin"] in html and "<form" in html
    assert order.session_id not in html
    assert order.gateway.get(f"{API}/verify/document/{'0' * 64}").status_code == 404

    # Offline: the published key verifies the signature printed in the PDF.
    keys = order.gateway.get(f"{API}/.well-known/cpt-report-keys.json").json["keys"]
    record = issued.by_content(get_settings(), answer["content_sha256"])
    assert record is not None and record.signature in _text(original).replace("\n", "")
    jwk = next(key for key in keys if key["kid"] == record.key_id)
    public = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(jwk["x"] + "="))
    signature = base64.urlsafe_b64decode(record.signature + "==")
    public.verify(signature, issued.signed_statement(record.content_sha256))


def test_public_requests_are_rate_limited_per_address(paid, monkeypatch, seen_secrets) -> None:
    order = paid
    _, token = _share(order, _cars(order)[0]["id"], seen_secrets)
    monkeypatch.setenv("CPT_VERIFY_RATE_LIMIT", "2")
    monkeypatch.setenv("CPT_SHARE_WRITES_PER_ORDER", "1")
    get_settings.cache_clear()
    try:
        headers = {"X-Forwarded-For": "203.0.113.77"}
        statuses = [
            order.gateway.get(f"{API}/verify/{token}", headers=headers).status_code
            for _ in range(3)
        ]
        assert (
            statuses[-1] == 429
            and "Retry-After" in order.gateway.get(f"{API}/verify/{token}", headers=headers).headers
        )
        car = _cars(order)[0]
        writes = [
            order.gateway.post(
                f"{API}/tesla/report/{order.session_id}/share", json={"vehicle_id": car["id"]}
            ).status_code
            for _ in range(2)
        ]
        assert writes[-1] == 429
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def test_openapi_lists_the_share_and_verify_routes(gateway) -> None:
    document = gateway.get(f"{API}/openapi.json").json
    paths = document["paths"]
    for path, method in (
        ("/api/v1/tesla/report/{session_id}/share", "post"),
        ("/api/v1/tesla/report/{session_id}/shares", "get"),
        ("/api/v1/tesla/report/{session_id}/shares/{share_id}", "delete"),
        ("/api/v1/verify/{token}", "get"),
        ("/api/v1/verify/{token}/pdf", "get"),
        ("/api/v1/verify/document/{content_sha256}", "get"),
        ("/api/v1/verify", "post"),
        ("/api/v1/.well-known/cpt-report-keys.json", "get"),
    ):
        assert method in paths[path], path
