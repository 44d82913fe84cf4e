"""Typed settings: local defaults work as is; deployed environments refuse developer defaults."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.platform.settings import LOCAL_TOKEN_KEY, Settings

DEPLOYED_SECRETS = {
    "CPT_TESLA_CLIENT_SECRET": "real-tesla",
    "CPT_STRIPE_SECRET_KEY": "sk_live_real",
    "CPT_STRIPE_WEBHOOK_SECRET": "whsec_real",
    "CPT_PAYPAL_CLIENT_SECRET": "real-paypal",
    "CPT_TOKEN_ENCRYPTION_KEY": "cmVhbC1rZXktcmVhbC1rZXktcmVhbC1rZXktMzJieXQ=",
    "CPT_TASKS_INVOKER_SERVICE_ACCOUNT": "cpt-tasks-invoker@cpt-prd.iam.gserviceaccount.com",
    "CPT_WUI_URL": "https://dev.carpulsetracker.com",
}


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for name in list(__import__("os").environ):
        if name.startswith("CPT_"):
            monkeypatch.delenv(name)


def test_local_defaults_need_no_configuration():
    settings = Settings()
    assert settings.environment == "local"
    assert settings.tesla_redirect_uri.endswith("/api/v1/tesla/oauth/callback")
    assert settings.wui_origin == "http://127.0.0.1:5173"


def test_values_come_from_prefixed_environment(monkeypatch):
    monkeypatch.setenv("CPT_REPORTS_BUCKET", "cpt-dev-reports")
    monkeypatch.setenv("CPT_MAX_REQUEST_BYTES", "1024")
    settings = Settings()
    assert settings.reports_bucket == "cpt-dev-reports"
    assert settings.max_request_bytes == 1024


def test_secrets_never_show_in_repr_or_dump(monkeypatch):
    monkeypatch.setenv("CPT_STRIPE_SECRET_KEY", "sk_test_supersecret")
    settings = Settings()
    assert "sk_test_supersecret" not in repr(settings)
    assert "sk_test_supersecret" not in settings.model_dump_json()
    assert settings.stripe_secret_key.get_secret_value() == "sk_test_supersecret"


@pytest.mark.parametrize("environment", ["dev", "tst", "prd"])
def test_deployed_environment_refuses_local_secret_values(monkeypatch, environment):
    monkeypatch.setenv("CPT_ENVIRONMENT", environment)
    monkeypatch.setenv("CPT_WUI_URL", "https://dev.carpulsetracker.com")
    monkeypatch.setenv("CPT_STRIPE_SECRET_KEY", "sk_test_local")
    monkeypatch.setenv("CPT_TOKEN_ENCRYPTION_KEY", LOCAL_TOKEN_KEY)
    with pytest.raises(ValidationError) as raised:
        Settings()
    assert "CPT_STRIPE_SECRET_KEY" in str(raised.value)
    assert "CPT_TOKEN_ENCRYPTION_KEY" in str(raised.value)


def test_deployed_function_without_a_secret_has_it_empty(monkeypatch):
    """Least privilege: a function is given only its route's secrets; the rest are empty."""
    monkeypatch.setenv("CPT_ENVIRONMENT", "prd")
    monkeypatch.setenv("CPT_WUI_URL", "https://carpulsetracker.com")
    monkeypatch.setenv("CPT_STRIPE_WEBHOOK_SECRET", "whsec_real")
    monkeypatch.setenv(
        "CPT_TASKS_INVOKER_SERVICE_ACCOUNT", DEPLOYED_SECRETS["CPT_TASKS_INVOKER_SERVICE_ACCOUNT"]
    )
    settings = Settings()
    assert settings.stripe_webhook_secret.get_secret_value() == "whsec_real"
    assert settings.stripe_secret_key.get_secret_value() == ""
    assert settings.token_encryption_key.get_secret_value() == ""


def test_deployed_environment_with_real_values(monkeypatch):
    monkeypatch.setenv("CPT_ENVIRONMENT", "prd")
    for name, value in DEPLOYED_SECRETS.items():
        monkeypatch.setenv(name, value)
    assert Settings().environment == "prd"


def test_deployed_environment_needs_https_wui(monkeypatch):
    monkeypatch.setenv("CPT_ENVIRONMENT", "prd")
    for name, value in DEPLOYED_SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CPT_WUI_URL", "http://localhost:5173")
    with pytest.raises(ValidationError, match="https"):
        Settings()


def test_unknown_environment_is_refused(monkeypatch):
    monkeypatch.setenv("CPT_ENVIRONMENT", "staging")
    with pytest.raises(ValidationError):
        Settings()
