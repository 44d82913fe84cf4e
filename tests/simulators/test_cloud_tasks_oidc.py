"""OIDC tokens on task requests, verified the way a worker verifies Google's."""

from __future__ import annotations

import time

import jwt
import pytest
import requests
from google.auth.transport.requests import Request as GoogleAuthRequest
from google.oauth2 import id_token

from tests.fixtures.cloud_tasks_sim import *  # noqa: F403
from tests.fixtures.cloud_tasks_sim import INVOKER, CloudTasksSimulator, TaskTarget

ISSUER = "https://accounts.google.com"


def bearer(target: TaskTarget, index: int = 0) -> str:
    header = target.received[index].headers["Authorization"]
    assert header.startswith("Bearer ")
    return header.removeprefix("Bearer ")


def verify(simulator: CloudTasksSimulator, token: str, audience: str) -> dict[str, object]:
    key = jwt.PyJWKClient(simulator.jwks_url).get_signing_key_from_jwt(token)
    claims: dict[str, object] = jwt.decode(
        token,
        key.key,
        algorithms=["RS256"],
        audience=audience,
        issuer=ISSUER,
        options={"require": ["exp", "iat", "iss", "aud", "email"]},
    )
    return claims


def test_token_verifies_against_the_jwks(
    cloud_tasks: CloudTasksSimulator, task_target: TaskTarget
) -> None:
    audience = "https://europe-north1-cpt.cloudfunctions.net/reports-worker"
    task = cloud_tasks.create_task(task_target.url, oidc_email=INVOKER, audience=audience)
    cloud_tasks.wait_for_state(task.name, "succeeded")
    token = bearer(task_target)
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256"
    assert len(header["kid"]) == 40
    claims = verify(cloud_tasks, token, audience)
    assert claims["email"] == INVOKER
    assert claims["email_verified"] is True
    assert claims["iss"] == ISSUER
    assert claims["sub"] == claims["azp"]
    assert str(claims["sub"]).isdigit()
    assert claims["exp"] == claims["iat"] + 3600  # type: ignore[operator]
    assert abs(int(claims["iat"]) - time.time()) < 5  # type: ignore[call-overload]
    with pytest.raises(jwt.InvalidAudienceError):
        verify(cloud_tasks, token, task_target.url)


def test_audience_defaults_to_the_target_url(
    cloud_tasks: CloudTasksSimulator, task_target: TaskTarget
) -> None:
    task = cloud_tasks.create_task(task_target.url, oidc_email=INVOKER)
    cloud_tasks.wait_for_state(task.name, "succeeded")
    assert verify(cloud_tasks, bearer(task_target), task_target.url)["aud"] == task_target.url


def test_google_auth_verifies_against_the_pem_certificates(
    cloud_tasks: CloudTasksSimulator, task_target: TaskTarget
) -> None:
    """google-auth's verify_token with certs_url, as a worker does against Google's v1 certs."""
    task = cloud_tasks.create_task(task_target.url, oidc_email=INVOKER)
    cloud_tasks.wait_for_state(task.name, "succeeded")
    for certs in ("/oauth2/v1/certs", "/oauth2/v3/certs"):
        claims = id_token.verify_token(
            bearer(task_target),
            GoogleAuthRequest(),
            audience=task_target.url,
            certs_url=f"{cloud_tasks.url}{certs}",
        )
        assert claims["email"] == INVOKER


def test_certificate_endpoints_and_discovery(cloud_tasks: CloudTasksSimulator) -> None:
    jwks = requests.get(cloud_tasks.jwks_url, timeout=5)
    assert jwks.headers["Cache-Control"].startswith("public, max-age=")
    (key,) = jwks.json()["keys"]
    assert key["kty"] == "RSA"
    assert key["alg"] == "RS256"
    pem = requests.get(f"{cloud_tasks.url}/oauth2/v1/certs", timeout=5).json()
    assert list(pem) == [key["kid"]]
    assert pem[key["kid"]].startswith("-----BEGIN CERTIFICATE-----")
    discovery = requests.get(f"{cloud_tasks.url}/.well-known/openid-configuration", timeout=5)
    assert discovery.json()["issuer"] == ISSUER
    assert discovery.json()["jwks_uri"] == cloud_tasks.jwks_url


def test_rotated_keys_stay_published(
    cloud_tasks: CloudTasksSimulator, task_target: TaskTarget
) -> None:
    old = cloud_tasks.admin("oidc/token", {"audience": "aud", "email": INVOKER})["token"]
    rotated = cloud_tasks.admin("oidc/rotate", {})
    assert rotated["keys"] >= 2
    task = cloud_tasks.create_task(task_target.url, oidc_email=INVOKER)
    cloud_tasks.wait_for_state(task.name, "succeeded")
    assert jwt.get_unverified_header(bearer(task_target))["kid"] == rotated["kid"]
    assert verify(cloud_tasks, old, "aud")["email"] == INVOKER
    assert verify(cloud_tasks, bearer(task_target), task_target.url)["email"] == INVOKER


def test_minted_tokens_for_worker_tests(cloud_tasks: CloudTasksSimulator) -> None:
    expired = cloud_tasks.admin(
        "oidc/token",
        {"audience": "aud", "email": INVOKER, "issued_at": int(time.time()) - 7200},
    )["token"]
    with pytest.raises(jwt.ExpiredSignatureError):
        verify(cloud_tasks, expired, "aud")
    other_issuer = cloud_tasks.admin(
        "oidc/token", {"audience": "aud", "email": INVOKER, "issuer": "https://evil.example"}
    )["token"]
    with pytest.raises(jwt.InvalidIssuerError):
        verify(cloud_tasks, other_issuer, "aud")


def test_issuer_is_a_setting(cloud_tasks: CloudTasksSimulator, task_target: TaskTarget) -> None:
    cloud_tasks.admin("settings", {"oidc_issuer": "http://127.0.0.1/issuer"})
    task = cloud_tasks.create_task(task_target.url, oidc_email=INVOKER)
    cloud_tasks.wait_for_state(task.name, "succeeded")
    claims = jwt.decode(bearer(task_target), options={"verify_signature": False})
    assert claims["iss"] == "http://127.0.0.1/issuer"
