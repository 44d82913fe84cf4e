"""Signing what we issue (report PDFs): Ed25519, one interface, two key holders.

- ``local``: an Ed25519 key derived from ``Settings.report_signing_local_seed``. The default
  seed is in the repository, so a local signature proves nothing to anyone; deployed
  environments never use it (the environment decides, not a flag that could be left on).
- deployed (``dev``/``tst``/``prd``): a Cloud KMS key with algorithm ``EC_SIGN_ED25519``
  (infra/sharing.tf). The private key never leaves KMS; ``asymmetricSign`` takes the message
  itself (PureEdDSA, no pre-hash) and returns the 64-byte signature. Called over KMS's REST API
  with the function's own credentials (google-auth, already a dependency of the Google
  clients), so no KMS client library is added to every function. UNTESTED here: no KMS
  emulator exists; the request and response shapes follow the v1 REST reference.

Both give the same signatures (Ed25519 is deterministic: the same message signs to the same
bytes, so a report re-rendered is byte-identical), verified the same way with the public key.

A key id is the first 16 hex digits of SHA-256 over the raw 32-byte public key: anyone holding
the key can recompute it, and a rotation (a new KMS key version) gets a new id by itself. The
published key set (``key_set``) lists every key version up to the current one, so documents
signed before a rotation still verify.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from shared.platform.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Sequence

ALGORITHM = "Ed25519"
KMS_API = "https://cloudkms.googleapis.com/v1"
KMS_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class PublicKey:
    key_id: str
    raw: bytes  # the 32-byte Ed25519 public key

    def as_jwk(self) -> dict[str, str]:
        """RFC 8037 (OKP / Ed25519) JSON Web Key, with our key id."""
        return {
            "kty": "OKP",
            "crv": "Ed25519",
            "alg": "EdDSA",
            "use": "sig",
            "kid": self.key_id,
            "x": _b64url(self.raw),
        }


@dataclass(frozen=True)
class Signature:
    key_id: str
    value: bytes  # 64 bytes

    @property
    def text(self) -> str:
        """The signature as printed and stored: base64url without padding (86 characters)."""
        return _b64url(self.value)


class Signer(Protocol):
    """What issuing a document needs from a key holder."""

    @property
    def key_id(self) -> str: ...

    def sign(self, message: bytes) -> Signature: ...

    def public_keys(self) -> Sequence[PublicKey]:
        """Every key a document we issued may be signed with (current one last)."""
        ...


def key_id_of(raw_public_key: bytes) -> str:
    return hashlib.sha256(raw_public_key).hexdigest()[:16]


class LocalSigner:
    """An in-process Ed25519 key (the local stack and tests)."""

    def __init__(self, seed: bytes) -> None:
        if len(seed) != 32:
            raise ValueError("an Ed25519 seed is 32 bytes")
        self._private = Ed25519PrivateKey.from_private_bytes(seed)
        raw = self._private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self._public = PublicKey(key_id_of(raw), raw)

    @property
    def key_id(self) -> str:
        return self._public.key_id

    def sign(self, message: bytes) -> Signature:
        return Signature(self.key_id, self._private.sign(message))

    def public_keys(self) -> Sequence[PublicKey]:
        return (self._public,)


class KmsSigner:
    """A Cloud KMS ``EC_SIGN_ED25519`` key; ``version`` signs, versions 1..version verify.

    Public keys are fetched once per instance (they never change for a key version); a version
    that is disabled or destroyed is left out of the published set.
    """

    def __init__(self, key_name: str, version: int, session: Any = None) -> None:
        self._key_name = key_name  # projects/P/locations/L/keyRings/R/cryptoKeys/K
        self._version = version
        self._session = session  # google.auth.transport.requests.AuthorizedSession
        self._keys: tuple[PublicKey, ...] | None = None
        self._lock = threading.Lock()

    def _http(self) -> Any:
        if self._session is None:
            import google.auth
            from google.auth.transport.requests import AuthorizedSession

            credentials, _ = google.auth.default(
                scopes=["https://www.googleapis.com/auth/cloudkms"]
            )
            self._session = AuthorizedSession(credentials)
        return self._session

    def _version_name(self, version: int) -> str:
        return f"{self._key_name}/cryptoKeyVersions/{version}"

    @property
    def key_id(self) -> str:
        return self.public_keys()[-1].key_id

    def sign(self, message: bytes) -> Signature:
        response = self._http().post(
            f"{KMS_API}/{self._version_name(self._version)}:asymmetricSign",
            json={"data": base64.b64encode(message).decode()},
            timeout=KMS_TIMEOUT_S,
        )
        response.raise_for_status()
        value = base64.b64decode(response.json()["signature"])
        return Signature(self.key_id, value)

    def public_keys(self) -> Sequence[PublicKey]:
        with self._lock:
            if self._keys is None:
                found = (self._public_key(v) for v in range(1, self._version + 1))
                self._keys = tuple(key for key in found if key is not None)
            if not self._keys:
                raise RuntimeError("the signing key has no usable version")
            return self._keys

    def _public_key(self, version: int) -> PublicKey | None:
        response = self._http().get(
            f"{KMS_API}/{self._version_name(version)}/publicKey", timeout=KMS_TIMEOUT_S
        )
        if response.status_code in (400, 404, 412):  # destroyed, disabled, not yet generated
            return None
        response.raise_for_status()
        loaded = serialization.load_pem_public_key(response.json()["pem"].encode())
        if not isinstance(loaded, Ed25519PublicKey):
            raise RuntimeError("the signing key is not an Ed25519 key")
        raw = loaded.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return PublicKey(key_id_of(raw), raw)


def kms_key_name(settings: Settings) -> str:
    return (
        f"projects/{settings.project_id}/locations/{settings.region}/keyRings/"
        f"{settings.report_signing_kms_key_ring}/cryptoKeys/{settings.report_signing_kms_key}"
    )


_signer_lock = threading.Lock()


def signer(settings: Settings) -> Signer:
    """The instance's signer for these settings (one per instance: KMS public keys are cached)."""
    with _signer_lock:
        if settings.environment == "local":
            return _local_signer(settings.report_signing_local_seed)
        return _kms_signer(kms_key_name(settings), settings.report_signing_kms_key_version)


@cache
def _local_signer(seed_text: str) -> LocalSigner:
    return LocalSigner(base64.b64decode(seed_text))


@cache
def _kms_signer(key_name: str, version: int) -> KmsSigner:
    return KmsSigner(key_name, version)


def verify(keys: Sequence[PublicKey], key_id: str, message: bytes, signature_text: str) -> bool:
    """Whether ``signature_text`` (base64url) is a signature of ``message`` by key ``key_id``."""
    key = next((k for k in keys if k.key_id == key_id), None)
    if key is None:
        return False
    try:
        signature = base64.urlsafe_b64decode(signature_text + "=" * (-len(signature_text) % 4))
        Ed25519PublicKey.from_public_bytes(key.raw).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def key_set(keys: Sequence[PublicKey]) -> dict[str, list[dict[str, str]]]:
    """The published key set: JWKS-shaped (``{"keys": [JWK, ...]}``)."""
    return {"keys": [key.as_jwk() for key in keys]}


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
