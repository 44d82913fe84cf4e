"""Webhook transmission signatures the way PayPal makes them, with a local key and certificate.

PayPal signs ``<transmission_id>|<transmission_time>|<webhook_id>|<crc32 of the raw body>`` with
RSA-SHA256 (``PAYPAL-AUTH-ALGO: SHA256withRSA``) and publishes the certificate at
``PAYPAL-CERT-URL``. The simulator does the same with a key generated at start-up and serves the
self-signed certificate at ``/v1/notifications/certs/{cert_id}``, so a backend can verify either
through the postback API or offline.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import zlib

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

AUTH_ALGO = "SHA256withRSA"


def signed_message(
    transmission_id: str, transmission_time: str, webhook_id: str, body: bytes
) -> bytes:
    crc = zlib.crc32(body) & 0xFFFFFFFF
    return f"{transmission_id}|{transmission_time}|{webhook_id}|{crc}".encode()


class WebhookSigner:
    def __init__(self) -> None:
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name(
            [x509.NameAttribute(NameOID.COMMON_NAME, "messageverificationcerts.local")]
        )
        now = dt.datetime.now(dt.UTC)
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .sign(self._key, hashes.SHA256())
        )
        fingerprint = hashlib.sha256(self.certificate_pem).hexdigest()
        # PayPal's cert ids look like CERT-360caa42-fca2a594-1d93a270.
        self.cert_id = f"CERT-{fingerprint[:8]}-{fingerprint[8:16]}-{fingerprint[16:24]}"

    @property
    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def sign(
        self, transmission_id: str, transmission_time: str, webhook_id: str, body: bytes
    ) -> str:
        message = signed_message(transmission_id, transmission_time, webhook_id, body)
        signature = self._key.sign(message, padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(signature).decode("ascii")

    def verify(
        self,
        signature: str,
        transmission_id: str,
        transmission_time: str,
        webhook_id: str,
        body: bytes,
    ) -> bool:
        try:
            raw_signature = base64.b64decode(signature, validate=True)
        except (ValueError, TypeError):
            return False
        message = signed_message(transmission_id, transmission_time, webhook_id, body)
        try:
            self._key.public_key().verify(
                raw_signature, message, padding.PKCS1v15(), hashes.SHA256()
            )
        except InvalidSignature:
            return False
        return True
