"""OIDC tokens as Cloud Tasks attaches them, signed by a local key, and the keys to check them.

For a task with ``oidc_token`` Cloud Tasks sends ``Authorization: Bearer <Google-signed ID
token>``: RS256, ``iss`` https://accounts.google.com, ``aud`` the configured audience (default:
the target URL), ``email`` the service account, ``email_verified`` true, ``sub``/``azp`` the
account's numeric unique id, ``exp`` = ``iat`` + 1 h. Google publishes its keys as a JWK set
(https://www.googleapis.com/oauth2/v3/certs) and as PEM certificates
(https://www.googleapis.com/oauth2/v1/certs); the emulator serves both shapes for its own keys
at the same paths, so a worker verifies against the emulator exactly as against Google.

Token times are **wall-clock** (not the simulated clock): the worker checks ``exp`` and ``iat``
against its own clock.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import threading
import time
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

KEEP_KEYS = 3  # after rotations, older keys stay published for tokens still in flight


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def service_account_unique_id(email: str) -> str:
    """A stable 21-digit id standing in for the account's unique id (``sub`` and ``azp``)."""
    digest = int(hashlib.sha256(email.encode()).hexdigest(), 16)
    return "1" + str(digest % 10**20).zfill(20)


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey
    certificate_pem: str

    @classmethod
    def generate(cls) -> SigningKey:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public_der = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        # Google's key ids are 40 hex digits.
        kid = hashlib.sha1(public_der, usedforsecurity=False).hexdigest()
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cloud-tasks-emulator.local")])
        now = dt.datetime.now(dt.UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .sign(key, hashes.SHA256())
        )
        pem = certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")
        return cls(kid=kid, private_key=key, certificate_pem=pem)

    def jwk(self) -> dict[str, str]:
        numbers = self.private_key.public_key().public_numbers()
        return {
            "kty": "RSA",
            "alg": "RS256",
            "use": "sig",
            "kid": self.kid,
            "n": _b64url_uint(numbers.n),
            "e": _b64url_uint(numbers.e),
        }


class OidcSigner:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: list[SigningKey] = [SigningKey.generate()]

    @property
    def current_kid(self) -> str:
        with self._lock:
            return self._keys[0].kid

    def rotate(self) -> str:
        """Sign with a new key from now on; the previous ones stay published for a while."""
        key = SigningKey.generate()
        with self._lock:
            self._keys = [key, *self._keys][:KEEP_KEYS]
        return key.kid

    def claims(
        self, *, issuer: str, audience: str, email: str, lifetime: int, issued_at: int
    ) -> dict[str, Any]:
        unique_id = service_account_unique_id(email)
        return {
            "aud": audience,
            "azp": unique_id,
            "email": email,
            "email_verified": True,
            "exp": issued_at + lifetime,
            "iat": issued_at,
            "iss": issuer,
            "sub": unique_id,
        }

    def sign(self, claims: dict[str, Any]) -> str:
        with self._lock:
            key = self._keys[0]
        return jwt.encode(
            claims, key.private_key, algorithm="RS256", headers={"kid": key.kid, "typ": "JWT"}
        )

    def token(
        self,
        *,
        issuer: str,
        audience: str,
        email: str,
        lifetime: int = 3600,
        issued_at: int | None = None,
    ) -> str:
        issued = int(time.time()) if issued_at is None else issued_at
        return self.sign(
            self.claims(
                issuer=issuer, audience=audience, email=email, lifetime=lifetime, issued_at=issued
            )
        )

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        with self._lock:
            return {"keys": [key.jwk() for key in self._keys]}

    def pem_certificates(self) -> dict[str, str]:
        with self._lock:
            return {key.kid: key.certificate_pem for key in self._keys}
