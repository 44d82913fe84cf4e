"""OAuth against the Tesla simulator over HTTP: authorize, code exchange, PKCE, refresh rotation."""

from __future__ import annotations

import jwt
import pytest

from tests.fixtures.tesla_sim import DEFAULT_REDIRECT_URI, TeslaSimulator, pkce_pair

EIGHT_HOURS = 28_800
DAY = 86_400


def _claims(access_token: str) -> dict:
    # Clients read scp / ou_code without verifying the signature, as Home Assistant does.
    return jwt.decode(access_token, options={"verify_signature": False})


def test_authorization_code_exchange_without_pkce(tesla: TeslaSimulator) -> None:
    callback = tesla.authorize("solo", state="csrf-1")
    assert callback["state"] == "csrf-1"
    assert callback["code"].startswith("EU_")
    assert callback["issuer"] == f"{tesla.url}/oauth2/v3"

    response = tesla.exchange(callback["code"])

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == EIGHT_HOURS
    assert body["state"] == "csrf-1"
    assert body["refresh_token"].startswith("EU_")
    assert body["id_token"].count(".") == 2
    claims = _claims(body["access_token"])
    assert claims["ou_code"] == "EU"
    assert claims["aud"][0] == tesla.base_url("eu")
    assert claims["azp"] == "cpt-local-client"
    assert claims["exp"] - claims["iat"] == EIGHT_HOURS
    assert claims["account_type"] == "person"
    assert set(claims["scp"]) == {
        "openid",
        "offline_access",
        "vehicle_device_data",
        "vehicle_location",
        "vehicle_charging_cmds",
        "vehicle_specs",
    }


def test_exchange_accepts_json_body_and_missing_audience(tesla: TeslaSimulator) -> None:
    code = tesla.authorize("na")["code"]
    assert code.startswith("NA_")
    response = tesla.http.post(
        tesla.token_url,
        json={
            "grant_type": "authorization_code",
            "client_id": "cpt-local-client",
            "client_secret": "cpt-local-secret",
            "code": code,
            "redirect_uri": DEFAULT_REDIRECT_URI,
        },
    )
    assert response.status_code == 200
    claims = _claims(response.json()["access_token"])
    assert claims["ou_code"] == "NA"
    assert claims["aud"][0] == tesla.base_url("na")


def test_real_tesla_audience_maps_to_the_simulator_region(tesla: TeslaSimulator) -> None:
    code = tesla.authorize("solo")["code"]
    response = tesla.exchange(code, audience="https://fleet-api.prd.eu.vn.cloud.tesla.com")
    assert _claims(response.json()["access_token"])["aud"][0] == tesla.base_url("eu")


def test_pkce_s256_exchange(tesla: TeslaSimulator) -> None:
    verifier, challenge = pkce_pair()
    code = tesla.authorize("solo", code_challenge=challenge)["code"]
    assert tesla.exchange(code, code_verifier=verifier).status_code == 200


@pytest.mark.parametrize("verifier", ["wrong-verifier-" + "x" * 40, None])
def test_pkce_wrong_or_missing_verifier_is_rejected(
    tesla: TeslaSimulator, verifier: str | None
) -> None:
    _, challenge = pkce_pair()
    code = tesla.authorize("solo", code_challenge=challenge)["code"]
    response = tesla.exchange(code, code_verifier=verifier)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_code_is_single_use(tesla: TeslaSimulator) -> None:
    code = tesla.authorize("solo")["code"]
    assert tesla.exchange(code).status_code == 200
    again = tesla.exchange(code)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_auth_code"


def test_code_expires_in_simulated_time(tesla: TeslaSimulator) -> None:
    code = tesla.authorize("solo")["code"]
    tesla.advance(601)
    response = tesla.exchange(code)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_auth_code"


def test_unknown_code_is_invalid(tesla: TeslaSimulator) -> None:
    assert tesla.exchange("EU_nope").json()["error"] == "invalid_auth_code"


def test_redirect_uri_must_match_exactly(tesla: TeslaSimulator) -> None:
    code = tesla.authorize("solo")["code"]
    response = tesla.exchange(code, redirect_uri=DEFAULT_REDIRECT_URI + "/")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_redirect_url"


@pytest.mark.parametrize("secret", ["wrong-secret", None])
def test_bad_or_missing_client_secret(tesla: TeslaSimulator, secret: str | None) -> None:
    code = tesla.authorize("solo")["code"]
    response = tesla.exchange(code, client_secret=secret)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "unauthorized_client"
    assert "client_id and client_secret" in body["error_description"]


def test_unsupported_grant_type(tesla: TeslaSimulator) -> None:
    response = tesla.http.post(tesla.token_url, data={"grant_type": "password"})
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_headless_decline_redirects_with_access_denied(tesla: TeslaSimulator) -> None:
    callback = tesla.authorize("solo", decline=True, state="s-9")
    assert callback["error"] == "access_denied"
    assert callback["state"] == "s-9"
    assert "code" not in callback


def test_consent_page_approve_and_decline(tesla: TeslaSimulator) -> None:
    params = {
        "response_type": "code",
        "client_id": "cpt-local-client",
        "redirect_uri": DEFAULT_REDIRECT_URI,
        "scope": "openid offline_access vehicle_device_data",
        "state": "page-state",
    }
    page = tesla.http.get(tesla.authorize_url, params=params)
    assert page.status_code == 200
    assert "text/html" in page.headers["Content-Type"]
    for name in ("empty", "solo", "family", "fleet", "na"):
        assert f'value="{name}"' in page.text

    form = {
        **params,
        "account": "family",
        "decision": "approve",
        "granted_scope": ["openid", "vehicle_device_data"],
    }
    approved = tesla.http.post(tesla.authorize_url, data=form, allow_redirects=False)
    assert approved.status_code == 302
    assert "code=EU_" in approved.headers["Location"]
    code = approved.headers["Location"].split("code=")[1].split("&")[0]
    tokens = tesla.exchange(code).json()
    # The user unticked offline_access: no refresh token comes back.
    assert "refresh_token" not in tokens
    assert _claims(tokens["access_token"])["scp"] == ["openid", "vehicle_device_data"]

    declined = tesla.http.post(
        tesla.authorize_url, data={**form, "decision": "deny"}, allow_redirects=False
    )
    assert "error=access_denied" in declined.headers["Location"]


def test_unregistered_redirect_uri_is_refused_without_redirect(tesla: TeslaSimulator) -> None:
    response = tesla.http.get(
        tesla.authorize_url,
        params={
            "response_type": "code",
            "client_id": "cpt-local-client",
            "scope": "openid",
            "state": "x",
            "redirect_uri": "http://evil.example/callback",
            "login_hint": "solo",
        },
        allow_redirects=False,
    )
    assert response.status_code == 400
    assert "not registered" in response.text


def test_redirect_uri_can_be_registered_at_runtime(tesla: TeslaSimulator) -> None:
    uri = "http://127.0.0.1:45678/api/v1/tesla/oauth/callback"
    assert uri in tesla.admin("redirect_uris", {"redirect_uri": uri})["redirect_uris"]
    callback = tesla.authorize("solo", redirect_uri=uri)
    assert tesla.exchange(callback["code"], redirect_uri=uri).status_code == 200


def test_auto_consent_answers_a_plain_authorize_request(tesla: TeslaSimulator) -> None:
    tesla.admin("oauth/auto_consent", {"account": "fleet", "once": True})
    params = {
        "response_type": "code",
        "client_id": "cpt-local-client",
        "redirect_uri": DEFAULT_REDIRECT_URI,
        "scope": "openid vehicle_device_data",
        "state": "a",
    }
    first = tesla.http.get(tesla.authorize_url, params=params, allow_redirects=False)
    assert first.status_code == 302 and "code=EU_" in first.headers["Location"]
    # once=True: the next request shows the consent page again.
    assert tesla.http.get(tesla.authorize_url, params=params).status_code == 200


def test_authorize_without_state_is_an_error_redirect(tesla: TeslaSimulator) -> None:
    callback = tesla.authorize("solo", state="")
    assert callback["error"] == "invalid_request"


def test_refresh_rotates_and_old_token_has_24h_grace(tesla: TeslaSimulator) -> None:
    first = tesla.login("solo")
    rotated = tesla.refresh(first["refresh_token"])
    assert rotated.status_code == 200
    second = rotated.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["refresh_token"].startswith("EU_")
    assert "state" not in second

    tesla.advance(DAY - 60)
    assert tesla.refresh(first["refresh_token"]).status_code == 200, "still inside the 24 h grace"

    tesla.advance(120)
    expired = tesla.refresh(first["refresh_token"])
    assert expired.status_code == 401
    assert expired.json()["error"] == "login_required"
    assert "referenceID" in expired.json()
    # The newest refresh token is unused and still good.
    assert tesla.refresh(second["refresh_token"]).status_code == 200


def test_refresh_token_expires_after_three_months(tesla: TeslaSimulator) -> None:
    tokens = tesla.login("solo")
    tesla.advance(91 * DAY)
    assert tesla.refresh(tokens["refresh_token"]).json()["error"] == "login_required"


def test_access_token_expires_after_eight_hours(tesla: TeslaSimulator) -> None:
    token = tesla.login("solo")["access_token"]
    assert tesla.call(token, "/api/1/vehicles").status_code == 200
    tesla.advance(EIGHT_HOURS)
    expired = tesla.call(token, "/api/1/vehicles")
    assert expired.status_code == 401
    assert expired.json()["error"] == "token expired (401)"


def test_refreshed_access_token_works(tesla: TeslaSimulator) -> None:
    tokens = tesla.login("family")
    tesla.advance(EIGHT_HOURS + 1)
    fresh = tesla.refresh(tokens["refresh_token"]).json()["access_token"]
    assert tesla.call(fresh, "/api/1/vehicles").json()["count"] == 2


def test_access_token_lifetime_is_configurable(tesla: TeslaSimulator) -> None:
    tesla.admin("settings", {"access_token_ttl_seconds": 300})
    tokens = tesla.login("solo")
    assert tokens["expires_in"] == 300
    tesla.advance(301)
    assert tesla.call(tokens["access_token"], "/api/1/vehicles").status_code == 401


def test_garbage_and_missing_bearer_tokens(tesla: TeslaSimulator) -> None:
    assert tesla.call("not-a-jwt", "/api/1/vehicles").json()["error"] == "invalid bearer token"
    response = tesla.http.get(f"{tesla.base_url()}/api/1/vehicles")
    assert response.status_code == 401


def test_tokens_from_before_a_reset_are_rejected(tesla: TeslaSimulator) -> None:
    token = tesla.login("solo")["access_token"]
    tesla.reset()
    assert tesla.call(token, "/api/1/vehicles").status_code == 401


def test_partner_token_via_client_credentials(tesla: TeslaSimulator) -> None:
    token = tesla.partner_token()
    claims = _claims(token)
    assert claims["account_type"] == "business"
    assert set(claims["scp"]) == {"vehicle_specs", "vehicle_device_data"}
    # Partner tokens are not user tokens: user endpoints refuse them.
    assert tesla.call(token, "/api/1/vehicles").status_code == 403


def test_openid_configuration(tesla: TeslaSimulator) -> None:
    config = tesla.http.get(
        f"{tesla.url}/oauth2/v3/thirdparty/.well-known/openid-configuration"
    ).json()
    assert config["token_endpoint"] == tesla.token_url
    assert "S256" in config["code_challenge_methods_supported"]
